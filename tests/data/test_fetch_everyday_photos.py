"""fetch_everyday_photos on small tarballs, wheels and .debs built here: which files it takes, their credits."""

import hashlib
import shutil
import subprocess
import zipfile

import pytest


@pytest.fixture
def script(load_data_script):
    return load_data_script("fetch_everyday_photos")


def test_unsplash_credit_names_photographer_and_photo_number(script):
    assert script.unsplash_credit("abel-y-costa-716024-unsplash.jpg") == (
        "abel-y-costa on Unsplash, photo 716024 (Unsplash licence, as the file name says)")


def test_pexels_credit_names_the_photo_page_and_the_photographer_when_the_name_has_one(script):
    page = "https://www.pexels.com/photo/{}/ (Pexels licence, per the package's README)"
    assert script.pexels_credit("pexels-1317558.jpg") == "Pexels, " + page.format(1317558)
    assert script.pexels_credit("pexels-cup-of-couple-6962851.jpg") == "cup-of-couple on Pexels, " + page.format(6962851)


@pytest.mark.parametrize("credit, name", [("unsplash_credit", "new-photo.jpg"), ("pexels_credit", "room.jpg")])
def test_a_photo_named_without_its_credit_is_an_error(script, credit, name):
    with pytest.raises(SystemExit, match=f"{name} is not named .* is the package the pinned version"):
        getattr(script, credit)(name)


def by_the_authors(name):
    return "the authors"


def package(script, **fields):
    defaults = {"spec": "shop@1.0.0", "file_name": "shop-1.0.0.tgz", "pin": "", "size": "", "folder": "shop",
                "photos": ("package/assets/images/",), "left_out": {"grey-0-unsplash.jpg"},
                "credit": script.unsplash_credit, "licences": {"package/LICENSE": "shop.LICENSE"}}
    return script.Package(**{**defaults, **fields})


def test_package_photos_take_the_jpegs_of_the_photo_folder_less_those_left_out(tmp_path, script, credits, build_tarball,
                                                                               fetching):
    tarball = tmp_path / "shop-1.0.0.tgz"
    build_tarball(tarball, {"package/LICENSE": b"GPL", "package/assets/images/ann-1-unsplash.jpg": b"photo 1",
                            "package/assets/images/bob-22-unsplash.jpg": b"photo 2",
                            "package/assets/images/grey-0-unsplash.jpg": b"a grey photo",
                            "package/assets/images/logo.png": b"a logo",
                            "package/assets/images/thumbs/ann-1-unsplash.jpg": b"a thumbnail",
                            "package/docs/cat-3-unsplash.jpg": b"not in the photo folder"})
    out = tmp_path / "out"

    lines = fetching.package_photos(package(script), tarball, out, credits)
    assert sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()) == [
        "shop/ann-1-unsplash.jpg", "shop/bob-22-unsplash.jpg"]
    assert (out / "shop/bob-22-unsplash.jpg").read_bytes() == b"photo 2"
    assert lines[0] == ("shop/ann-1-unsplash.jpg: ann on Unsplash, photo 1 (Unsplash licence, as the file name says) "
                        "(shop@1.0.0 package/assets/images/ann-1-unsplash.jpg)")
    assert (credits / "shop.LICENSE").read_bytes() == b"GPL"


def test_package_photos_read_a_wheel_too(tmp_path, script, credits, fetching):
    wheel = tmp_path / "rooms-0.2.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("rooms/images/pexels-5.jpg", b"a room")
        archive.writestr("rooms/__init__.py", b"")
        archive.writestr("rooms-0.2.0.dist-info/METADATA", b"License: MIT")
    rooms = package(script, spec="rooms==0.2.0", file_name=wheel.name, folder="rooms", photos=("rooms/images/",),
                    left_out=set(), credit=script.pexels_credit,
                    licences={"rooms-0.2.0.dist-info/METADATA": "rooms.METADATA"})

    lines = fetching.package_photos(rooms, wheel, tmp_path / "out", credits)
    assert [path.name for path in (tmp_path / "out/rooms").iterdir()] == ["pexels-5.jpg"]
    assert lines == [("rooms/pexels-5.jpg: Pexels, https://www.pexels.com/photo/5/ (Pexels licence, per the package's "
                      "README) (rooms==0.2.0 rooms/images/pexels-5.jpg)")]
    assert (credits / "rooms.METADATA").read_bytes() == b"License: MIT"


def test_a_package_without_its_licence_file_is_an_error(tmp_path, script, credits, build_tarball, fetching):
    tarball = tmp_path / "shop-1.0.0.tgz"
    build_tarball(tarball, {"package/assets/images/ann-1-unsplash.jpg": b"photo"})
    with pytest.raises(SystemExit, match="shop-1.0.0.tgz has no package/LICENSE: is it the pinned version"):
        fetching.package_photos(package(script), tarball, tmp_path / "out", credits)


def test_a_tarball_that_is_not_the_pinned_one_is_refused(tmp_path, script, build_tarball):
    first = script.PACKAGES[0]
    build_tarball(tmp_path / first.file_name, {"package/LICENSE": b"GPL"})
    with pytest.raises(SystemExit, match=f"integrity .* expected {first.pin[:12]}.*delete it and re-run"):
        script.fetch(tmp_path)
    assert not (tmp_path / script.FOLDER).exists()



def test_package_photos_take_named_files_too_and_packages_may_share_a_folder(tmp_path, script, credits, build_tarball,
                                                                             fetching):
    first, second = tmp_path / "a-1.0.0.tgz", tmp_path / "b-1.0.0.tgz"
    build_tarball(first, {"package/LICENSE": b"MIT", "package/pics/burger.jpg": b"a burger",
                          "package/pics/logo.jpg": b"a logo"})
    build_tarball(second, {"package/LICENSE": b"BSD", "package/img/flower.jpg": b"a flower"})
    out = tmp_path / "out"

    fetching.package_photos(package(script, photos=("package/pics/burger.jpg",), credit=by_the_authors,
                                    licences={"package/LICENSE": "a.LICENSE"}), first, out, credits)
    lines = fetching.package_photos(package(script, spec="b@1.0.0", photos=("package/img/flower.jpg",),
                                            credit=by_the_authors, licences={"package/LICENSE": "b.LICENSE"}),
                                    second, out, credits)
    assert sorted(path.name for path in (out / "shop").iterdir()) == ["burger.jpg", "flower.jpg"]
    assert lines == ["shop/flower.jpg: the authors (b@1.0.0 package/img/flower.jpg)"]
    assert (credits / "b.LICENSE").read_bytes() == b"BSD"

    with pytest.raises(SystemExit, match="two packages have a photo named shop/burger.jpg"):
        fetching.package_photos(package(script, photos=("package/pics/burger.jpg",), credit=by_the_authors), first, out,
                                credits)


def test_a_named_photo_missing_from_the_package_is_an_error(tmp_path, script, credits, build_tarball, fetching):
    tarball = tmp_path / "shop-1.0.0.tgz"
    build_tarball(tarball, {"package/LICENSE": b"GPL", "package/pics/pasta.jpg": b"pasta"})
    with pytest.raises(SystemExit, match="has no package/pics/pizza.jpg: is it the pinned version"):
        fetching.package_photos(package(script, photos=("package/pics/pizza.jpg",)), tarball, tmp_path / "out", credits)
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb builds and unpacks the .deb")
def test_package_photos_read_a_deb(tmp_path, script, credits, fetching):
    tree = tmp_path / "tree"
    for relative, data in {"DEBIAN/control": b"Package: demo\nVersion: 1\nArchitecture: all\nMaintainer: x <x@x>\n"
                                              b"Description: demo\n",
                           "usr/share/demo/pics/soup.jpg": b"a soup",
                           "usr/share/doc/demo/copyright": b"Files: *\nLicense: BSD-3-clause\n"}.items():
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        (tree / relative).write_bytes(data)
    deb = tmp_path / "demo_1_all.deb"
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(tree), str(deb)], check=True, capture_output=True)
    demo = package(script, spec="demo=1", file_name=deb.name, folder="demo", photos=("usr/share/demo/pics/",),
                   credit=by_the_authors, licences={"usr/share/doc/demo/copyright": "demo.copyright"})

    lines = fetching.package_photos(demo, deb, tmp_path / "out", credits)
    assert (tmp_path / "out/demo/soup.jpg").read_bytes() == b"a soup"
    assert lines == ["demo/soup.jpg: the authors (demo=1 usr/share/demo/pics/soup.jpg)"]
    assert (credits / "demo.copyright").read_text().endswith("BSD-3-clause\n")


def test_debian_mirror_is_where_apt_downloads_from(monkeypatch, fetching):
    printed = ("'http://mirror.example/debian/pool/main/b/base-files/base-files_12.4%2bdeb12u15_amd64.deb' "
               "base-files_12.4+deb12u15_amd64.deb 70936 SHA256:3eb1\n")
    monkeypatch.setattr(fetching.subprocess, "run",
                        lambda *args, **kwargs: subprocess.CompletedProcess(args, 0, stdout=printed, stderr=""))
    assert fetching.debian_mirror() == "http://mirror.example/debian"

    monkeypatch.setattr(fetching.subprocess, "run",
                        lambda *args, **kwargs: subprocess.CompletedProcess(args, 100, stdout="", stderr="E: no lists"))
    with pytest.raises(SystemExit, match=r"named no Debian mirror \(E: no lists\): set up apt"):
        fetching.debian_mirror()


def test_pool_download_takes_the_deb_from_the_mirrors_pool_and_checks_its_hash(tmp_path, monkeypatch, fetching):
    mirror = tmp_path / "mirror"
    pool_path = "pool/main/d/demo/demo_1.0+dfsg-1_all.deb"
    (mirror / pool_path).parent.mkdir(parents=True)
    (mirror / pool_path).write_bytes(b"a package")
    monkeypatch.setattr(fetching, "debian_mirror", lambda: mirror.as_uri())
    digest = hashlib.sha256(b"a package").hexdigest()

    deb = fetching.pool_download(pool_path, "demo_1.0+dfsg-1_all.deb", digest, tmp_path / "debs", "1 kB")
    assert deb == tmp_path / "debs/demo_1.0+dfsg-1_all.deb" and deb.read_bytes() == b"a package"

    deb.unlink()
    with pytest.raises(SystemExit, match="expected 0000.*delete it and re-run"):
        fetching.pool_download(pool_path, "demo_1.0+dfsg-1_all.deb", "0" * 64, tmp_path / "debs", "1 kB")
    with pytest.raises(SystemExit, match="could not download .*other_1_all.deb.*check that the Debian mirror"):
        fetching.pool_download("pool/main/o/other/other_1_all.deb", "other_1_all.deb", digest, tmp_path / "debs", "1 kB")
    assert sorted(path.name for path in (tmp_path / "debs").iterdir()) == ["demo_1.0+dfsg-1_all.deb"]
