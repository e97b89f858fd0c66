"""fetch_everyday_photos on small tarballs and wheels built here: which files it takes, their credits."""

import zipfile

import pytest


@pytest.fixture
def script(load_data_script):
    return load_data_script("fetch_everyday_photos")


@pytest.fixture
def credits(tmp_path):
    """The folder the credits and licence files go to."""
    folder = tmp_path / "credits"
    folder.mkdir()
    return folder


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


def package(script, **fields):
    defaults = {"spec": "shop@1.0.0", "file_name": "shop-1.0.0.tgz", "pin": "", "size": "", "folder": "shop",
                "photos": "package/assets/images/", "left_out": {"grey-0-unsplash.jpg"},
                "credit": script.unsplash_credit, "licences": {"package/LICENSE": "shop.LICENSE"}}
    return script.Package(**{**defaults, **fields})


def test_package_photos_take_the_jpegs_of_the_photo_folder_less_those_left_out(tmp_path, script, credits, build_tarball):
    tarball = tmp_path / "shop-1.0.0.tgz"
    build_tarball(tarball, {"package/LICENSE": b"GPL", "package/assets/images/ann-1-unsplash.jpg": b"photo 1",
                            "package/assets/images/bob-22-unsplash.jpg": b"photo 2",
                            "package/assets/images/grey-0-unsplash.jpg": b"a grey photo",
                            "package/assets/images/logo.png": b"a logo",
                            "package/assets/images/thumbs/ann-1-unsplash.jpg": b"a thumbnail",
                            "package/docs/cat-3-unsplash.jpg": b"not in the photo folder"})
    out = tmp_path / "out"

    lines = script.package_photos(package(script), tarball, out, credits)
    assert sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()) == [
        "shop/ann-1-unsplash.jpg", "shop/bob-22-unsplash.jpg"]
    assert (out / "shop/bob-22-unsplash.jpg").read_bytes() == b"photo 2"
    assert lines[0] == ("shop/ann-1-unsplash.jpg: ann on Unsplash, photo 1 (Unsplash licence, as the file name says) "
                        "(shop@1.0.0 package/assets/images/ann-1-unsplash.jpg)")
    assert (credits / "shop.LICENSE").read_bytes() == b"GPL"


def test_package_photos_read_a_wheel_too(tmp_path, script, credits):
    wheel = tmp_path / "rooms-0.2.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("rooms/images/pexels-5.jpg", b"a room")
        archive.writestr("rooms/__init__.py", b"")
        archive.writestr("rooms-0.2.0.dist-info/METADATA", b"License: MIT")
    rooms = package(script, spec="rooms==0.2.0", file_name=wheel.name, folder="rooms", photos="rooms/images/",
                    left_out=set(), credit=script.pexels_credit,
                    licences={"rooms-0.2.0.dist-info/METADATA": "rooms.METADATA"})

    lines = script.package_photos(rooms, wheel, tmp_path / "out", credits)
    assert [path.name for path in (tmp_path / "out/rooms").iterdir()] == ["pexels-5.jpg"]
    assert lines == [("rooms/pexels-5.jpg: Pexels, https://www.pexels.com/photo/5/ (Pexels licence, per the package's "
                      "README) (rooms==0.2.0 rooms/images/pexels-5.jpg)")]
    assert (credits / "rooms.METADATA").read_bytes() == b"License: MIT"


def test_a_package_without_its_licence_file_is_an_error(tmp_path, script, credits, build_tarball):
    tarball = tmp_path / "shop-1.0.0.tgz"
    build_tarball(tarball, {"package/assets/images/ann-1-unsplash.jpg": b"photo"})
    with pytest.raises(SystemExit, match="shop-1.0.0.tgz has no package/LICENSE: is it the pinned version"):
        script.package_photos(package(script), tarball, tmp_path / "out", credits)


def test_a_tarball_that_is_not_the_pinned_one_is_refused(tmp_path, script, build_tarball):
    first = script.PACKAGES[0]
    build_tarball(tmp_path / first.file_name, {"package/LICENSE": b"GPL"})
    with pytest.raises(SystemExit, match=f"integrity .* expected {first.pin[:12]}.*delete it and re-run"):
        script.fetch(tmp_path)
    assert not (tmp_path / script.FOLDER).exists()

