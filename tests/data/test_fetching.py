"""fetching, the fetch scripts' shared machinery, on small tarballs, wheels, sdists and .debs built here."""

import hashlib
import io
import json
import subprocess
import urllib.error
import zipfile

import pytest


def test_unsplash_credit_names_photographer_and_photo_number(fetching):
    assert fetching.unsplash_credit("abel-y-costa-716024-unsplash.jpg") == (
        "abel-y-costa on Unsplash, photo 716024 (Unsplash licence, as the file name says)")
    with pytest.raises(SystemExit, match="new-photo.jpg is not named .* is the package the pinned version"):
        fetching.unsplash_credit("new-photo.jpg")


def test_credited_gives_each_named_photo_its_line_and_refuses_an_unknown_one(fetching):
    credit = fetching.credited({"a.jpg": "Ann on Unsplash"}, "the Unsplash licence")
    assert credit("a.jpg") == "Ann on Unsplash (the Unsplash licence)"
    with pytest.raises(SystemExit, match="b.jpg has no credit here: is the package the pinned version"):
        credit("b.jpg")


def by_the_authors(name):
    return "the authors"


def named(name):
    return f"the photo {name}"


def package(fetching, **fields):
    """A fetching.Package of the shop's tarball, with `fields` changed."""
    defaults = {"spec": "shop@1.0.0", "file_name": "shop-1.0.0.tgz", "pin": "", "size": "", "folder": "shop",
                "photos": ("package/assets/images/",), "left_out": {"grey-0-unsplash.jpg"},
                "credit": fetching.unsplash_credit, "licences": {"package/LICENSE": "shop.LICENSE"}}
    return fetching.Package(**{**defaults, **fields})


def test_files_entry_names_the_package_its_licence_and_the_entry(fetching):
    credit = fetching.files_entry("demo-doc", "Ann, MIT", "Files: doc/*.jpg")
    assert credit("a.jpg") == "demo-doc, Ann, MIT (Debian's copyright of demo-doc: Files: doc/*.jpg)"
    assert fetching.files_entry("demo", "Bob, GPL-2+")("b.png").endswith("(Debian's copyright of demo: Files: *)")


def test_package_photos_take_the_jpegs_of_the_photo_folder_less_those_left_out(tmp_path, credits, build_tarball,
                                                                               fetching):
    tarball = tmp_path / "shop-1.0.0.tgz"
    build_tarball(tarball, {"package/LICENSE": b"GPL", "package/assets/images/ann-1-unsplash.jpg": b"photo 1",
                            "package/assets/images/bob-22-unsplash.jpg": b"photo 2",
                            "package/assets/images/grey-0-unsplash.jpg": b"a grey photo",
                            "package/assets/images/logo.png": b"a logo",
                            "package/assets/images/thumbs/ann-1-unsplash.jpg": b"a thumbnail",
                            "package/docs/cat-3-unsplash.jpg": b"not in the photo folder"})
    out = tmp_path / "out"

    lines = fetching.package_photos(package(fetching), tarball, out, credits)
    assert sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()) == [
        "shop/ann-1-unsplash.jpg", "shop/bob-22-unsplash.jpg"]
    assert (out / "shop/bob-22-unsplash.jpg").read_bytes() == b"photo 2"
    assert lines[0] == ("shop/ann-1-unsplash.jpg: ann on Unsplash, photo 1 (Unsplash licence, as the file name says) "
                        "(shop@1.0.0 package/assets/images/ann-1-unsplash.jpg)")
    assert (credits / "shop.LICENSE").read_bytes() == b"GPL"


def test_package_photos_read_a_wheel_too(tmp_path, credits, fetching):
    wheel = tmp_path / "rooms-0.2.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("rooms/images/pexels-5.jpg", b"a room")
        archive.writestr("rooms/__init__.py", b"")
        archive.writestr("rooms-0.2.0.dist-info/METADATA", b"License: MIT")
    rooms = package(fetching, spec="rooms==0.2.0", file_name=wheel.name, folder="rooms", photos=("rooms/images/",),
                    left_out=set(), credit=named, licences={"rooms-0.2.0.dist-info/METADATA": "rooms.METADATA"})

    lines = fetching.package_photos(rooms, wheel, tmp_path / "out", credits)
    assert [path.name for path in (tmp_path / "out/rooms").iterdir()] == ["pexels-5.jpg"]
    assert (tmp_path / "out/rooms/pexels-5.jpg").read_bytes() == b"a room"
    assert lines == ["rooms/pexels-5.jpg: the photo pexels-5.jpg (rooms==0.2.0 rooms/images/pexels-5.jpg)"]
    assert (credits / "rooms.METADATA").read_bytes() == b"License: MIT"


def test_package_photos_take_the_named_photos_of_an_sdist_with_their_credits(tmp_path, credits, build_tarball,
                                                                             fetching):
    sdist = tmp_path / "crop-1.0.tar.gz"
    build_tarball(sdist, {"crop-1.0/LICENSE": b"MIT", "crop-1.0/tests/images/credits.txt": b"farm.jpg: Ann",
                          "crop-1.0/tests/images/farm.jpg": b"a farmer", "crop-1.0/tests/images/odd.jpg": b"uncredited",
                          "crop-1.0/docs/logo.jpg": b"a logo"})
    crop = fetching.Package(
        "crop==1.0", sdist.name, "", "", "crop", ("crop-1.0/tests/images/farm.jpg",), set(),
        fetching.credited({"farm.jpg": "Ann on Unsplash"}, "the Unsplash licence, per tests/images/credits.txt"),
        {"crop-1.0/tests/images/credits.txt": "crop.credits.txt", "crop-1.0/LICENSE": "crop.LICENSE"})
    out = tmp_path / "out"

    lines = fetching.package_photos(crop, sdist, out, credits)
    assert [path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()] == ["crop/farm.jpg"]
    assert lines == [("crop/farm.jpg: Ann on Unsplash (the Unsplash licence, per tests/images/credits.txt) "
                      "(crop==1.0 crop-1.0/tests/images/farm.jpg)")]
    assert sorted(path.name for path in credits.iterdir()) == ["crop.LICENSE", "crop.credits.txt"]


def test_package_photos_read_a_deb(tmp_path, credits, build_deb, fetching):
    deb = build_deb("demo", {"usr/share/demo/pics/soup.jpg": b"a soup",
                             "usr/share/doc/demo/copyright": b"Files: *\nLicense: BSD-3-clause\n"})
    demo = package(fetching, spec="demo=1", file_name=deb.name, folder="demo", photos=("usr/share/demo/pics/",),
                   credit=by_the_authors, licences=fetching.copyright_of("demo"))

    lines = fetching.package_photos(demo, deb, tmp_path / "out", credits)
    assert (tmp_path / "out/demo/soup.jpg").read_bytes() == b"a soup"
    assert lines == ["demo/soup.jpg: the authors (demo=1 usr/share/demo/pics/soup.jpg)"]
    assert (credits / "demo.copyright").read_text().endswith("BSD-3-clause\n")


def test_a_package_without_its_licence_file_is_an_error(tmp_path, credits, build_tarball, fetching):
    tarball = tmp_path / "shop-1.0.0.tgz"
    build_tarball(tarball, {"package/assets/images/ann-1-unsplash.jpg": b"photo"})
    with pytest.raises(SystemExit, match="shop-1.0.0.tgz has no package/LICENSE: is it the pinned version"):
        fetching.package_photos(package(fetching), tarball, tmp_path / "out", credits)


def test_package_photos_take_named_files_too_and_packages_may_share_a_folder(tmp_path, credits, build_tarball,
                                                                             fetching):
    first, second = tmp_path / "a-1.0.0.tgz", tmp_path / "b-1.0.0.tgz"
    build_tarball(first, {"package/LICENSE": b"MIT", "package/pics/burger.jpg": b"a burger",
                          "package/pics/logo.jpg": b"a logo"})
    build_tarball(second, {"package/LICENSE": b"BSD", "package/img/flower.jpg": b"a flower"})
    out = tmp_path / "out"

    fetching.package_photos(package(fetching, photos=("package/pics/burger.jpg",), credit=by_the_authors,
                                    licences={"package/LICENSE": "a.LICENSE"}), first, out, credits)
    lines = fetching.package_photos(package(fetching, spec="b@1.0.0", photos=("package/img/flower.jpg",),
                                            credit=by_the_authors, licences={"package/LICENSE": "b.LICENSE"}),
                                    second, out, credits)
    assert sorted(path.name for path in (out / "shop").iterdir()) == ["burger.jpg", "flower.jpg"]
    assert lines == ["shop/flower.jpg: the authors (b@1.0.0 package/img/flower.jpg)"]
    assert (credits / "b.LICENSE").read_bytes() == b"BSD"

    with pytest.raises(SystemExit, match="two packages have a photo named shop/burger.jpg"):
        fetching.package_photos(package(fetching, photos=("package/pics/burger.jpg",), credit=by_the_authors), first,
                                out, credits)


def test_a_named_photo_missing_from_the_package_is_an_error(tmp_path, credits, build_tarball, fetching):
    tarball = tmp_path / "shop-1.0.0.tgz"
    build_tarball(tarball, {"package/LICENSE": b"GPL", "package/pics/pasta.jpg": b"pasta"})
    with pytest.raises(SystemExit, match="has no package/pics/pizza.jpg: is it the pinned version"):
        fetching.package_photos(package(fetching, photos=("package/pics/pizza.jpg",)), tarball, tmp_path / "out",
                                credits)
    assert not (tmp_path / "out").exists()


def test_photos_with_takes_the_files_with_the_suffixes_given_in_their_case(tmp_path, fetching):
    for relative in ("a/one.jpg", "b/two.png", "b/IMG_3.JPG", "b/notes.txt", "four.webp"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(b"")
    assert sorted(path.name for path in fetching.photos_with(tmp_path, (".jpg", ".png"))) == ["one.jpg", "two.png"]
    assert sorted(path.name for path in fetching.photos_with(tmp_path, (".JPG", ".webp"))) == ["IMG_3.JPG",
                                                                                                "four.webp"]


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


class Index:
    """Stands in for urlopen: PyPI's simple index of one project, in JSON."""

    def __init__(self, files):
        self.files, self.requests = files, []

    def __call__(self, request, timeout):
        self.requests.append(request)
        return io.BytesIO(json.dumps({"files": self.files}).encode())


def test_sdist_address_is_the_files_url_that_the_simple_index_lists(monkeypatch, fetching):
    index = Index([{"filename": "crop-1.0-py3-none-any.whl", "url": "https://files.example/a/crop-1.0-py3-none-any.whl"},
                   {"filename": "crop-1.0.tar.gz", "url": "../../packages/b/crop-1.0.tar.gz"}])
    monkeypatch.setattr(fetching.urllib.request, "urlopen", index)

    assert fetching.sdist_address("crop", "crop-1.0.tar.gz") == "https://pypi.org/packages/b/crop-1.0.tar.gz"
    assert index.requests[0].full_url == "https://pypi.org/simple/crop/"
    assert index.requests[0].get_header("Accept") == "application/vnd.pypi.simple.v1+json"
    with pytest.raises(SystemExit, match="PyPI lists no crop-2.0.tar.gz for crop: download it by other means"):
        fetching.sdist_address("crop", "crop-2.0.tar.gz")


def test_an_unreachable_index_says_what_to_do(monkeypatch, fetching):
    def refuse(request, timeout):
        raise urllib.error.URLError("no route")
    monkeypatch.setattr(fetching.urllib.request, "urlopen", refuse)
    with pytest.raises(SystemExit, match="could not read https://pypi.org/simple/crop/.*check that PyPI is reachable"):
        fetching.sdist_address("crop", "crop-1.0.tar.gz")


def test_sdist_download_keeps_only_the_pinned_archive(tmp_path, monkeypatch, fetching):
    uploads = tmp_path / "uploads"
    (uploads / "crop").mkdir(parents=True)
    (uploads / "crop" / "crop-1.0.tar.gz").write_bytes(b"an sdist")
    monkeypatch.setattr(fetching, "sdist_address", lambda project, file_name: (uploads / project / file_name).as_uri())
    digest = hashlib.sha256(b"an sdist").hexdigest()
    folder = tmp_path / "sdists"

    sdist = fetching.sdist_download("crop==1.0", "crop-1.0.tar.gz", digest, folder, "1 kB")
    assert sdist == folder / "crop-1.0.tar.gz" and sdist.read_bytes() == b"an sdist"

    sdist.unlink()
    with pytest.raises(SystemExit, match="has sha256 .* expected 0000.*delete it and re-run"):
        fetching.sdist_download("crop==1.0", "crop-1.0.tar.gz", "0" * 64, folder, "1 kB")
    with pytest.raises(SystemExit, match="could not download .*crop-2.0.tar.gz.*check that PyPI is reachable"):
        fetching.sdist_download("crop==2.0", "crop-2.0.tar.gz", digest, folder, "1 kB")
    assert [path.name for path in folder.iterdir()] == ["crop-1.0.tar.gz"]


def test_download_takes_each_kind_of_package_from_its_source_into_its_folder(tmp_path, monkeypatch, fetching):
    calls = []
    for source in ("sdist", "pip", "npm", "pool", "apt"):
        monkeypatch.setattr(fetching, f"{source}_download",
                            lambda *args, source=source: calls.append((source, *args[:4])))
    packages = [package(fetching, spec=spec, file_name=file_name, pin=f"pin of {file_name}") for spec, file_name in (
        ("shop@1.0.0", "shop-1.0.0.tgz"), ("crop==1.0", "crop-1.0.tar.gz"),
        ("rooms==0.2.0", "rooms-0.2.0-py3-none-any.whl"), ("pool/main/d/demo/demo_1_all.deb", "demo_1_all.deb"),
        ("demo=1", "demo_1_all.deb"))]
    for each in packages:
        fetching.download(each, tmp_path)
    assert calls == [("npm", "shop@1.0.0", "shop-1.0.0.tgz", "pin of shop-1.0.0.tgz", tmp_path),
                     ("sdist", "crop==1.0", "crop-1.0.tar.gz", "pin of crop-1.0.tar.gz", tmp_path / "sdists"),
                     ("pip", "rooms==0.2.0", "rooms-0.2.0-py3-none-any.whl", "pin of rooms-0.2.0-py3-none-any.whl",
                      tmp_path / "wheels"),
                     ("pool", "pool/main/d/demo/demo_1_all.deb", "demo_1_all.deb", "pin of demo_1_all.deb",
                      tmp_path / "debs"),
                     ("apt", "demo=1", "demo_1_all.deb", "pin of demo_1_all.deb", tmp_path / "debs")]
