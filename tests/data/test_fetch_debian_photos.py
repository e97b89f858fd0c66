"""fetch_debian_photos on small .debs built here: the pinned photos it takes, their credits, a wrong .deb refused."""

import pytest


@pytest.fixture
def script(load_data_script):
    return load_data_script("fetch_debian_photos")


def test_every_photo_is_named_once_with_its_credit_and_every_deb_comes_from_the_pool(script):
    names = []
    for package in script.PACKAGES:
        assert package.spec.startswith("pool/main/") and package.spec.endswith("/" + package.file_name)
        assert len(package.pin) == 64 and not package.left_out
        for member in package.photos:
            assert not member.endswith("/") and member.endswith(script.PHOTO_SUFFIXES), member
            names.append(f"{package.folder}/{member.rsplit('/', 1)[1]}")
            assert package.credit(member.rsplit("/", 1)[1])
    assert len(set(names)) == len(names) == script.EXPECTED_PHOTOS


def test_taquin_credits_name_each_cats_photographer_and_licence(script):
    taquin = next(package for package in script.PACKAGES if package.folder == "taquin")
    assert taquin.credit("1-Tortoiseshell.jpg").startswith("Toyah on Wikimedia Commons, public domain (")
    with pytest.raises(SystemExit, match="2-Tabby.jpg has no credit here"):
        taquin.credit("2-Tabby.jpg")


def demo_packages(script, pinned, cats, shoes):
    """Two packages over the .debs `cats` and `shoes` (`pinned`: the pinned_deb fixture)."""
    return (pinned(cats, "cats", ("usr/share/cats/tabby.jpg", "usr/share/cats/tom.jpeg"), lambda name: "Ann, CC0",
                   script.copyright_of("cats")),
            pinned(shoes, "shoes", ("usr/share/doc/shoes/examples/img/red.jpg",), lambda name: "Bob, MIT",
                   script.copyright_of("shoes")))


def test_fetch_takes_only_the_named_photos_with_the_copyright_files_and_credits(pinned_deb, dest_with_debs, script,
                                                                                build_deb, monkeypatch, fetching):
    cats = build_deb("cats", {"usr/share/cats/tabby.jpg": b"a tabby", "usr/share/cats/tom.jpeg": b"a tom",
                              "usr/share/cats/grey.jpg": b"a grey cat, left out",
                              "usr/share/doc/cats/copyright": b"Files: *\nLicense: CC0\n"})
    shoes = build_deb("shoes", {"usr/share/doc/shoes/examples/img/red.jpg": b"red shoes",
                                "usr/share/doc/shoes/examples/other/img/red.jpg": b"red shoes again",
                                "usr/share/doc/shoes/copyright": b"Files: *\nLicense: MIT\n"})
    dest = dest_with_debs(cats, shoes)
    monkeypatch.setattr(script, "PACKAGES", demo_packages(script, pinned_deb, cats, shoes))
    monkeypatch.setattr(script, "EXPECTED_PHOTOS", 3)
    monkeypatch.setattr(fetching, "debian_mirror", lambda: pytest.fail("the .debs are there: no download"))

    folder = script.fetch(dest)
    assert folder == dest / "debian-photos"
    assert sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()) == [
        "cats/tabby.jpg", "cats/tom.jpeg", "shoes/red.jpg"]
    assert (folder / "cats/tom.jpeg").read_bytes() == b"a tom"
    credits = dest / "debian-photos.COPYRIGHT"
    assert (credits / "cats.copyright").read_bytes() == b"Files: *\nLicense: CC0\n"
    assert (credits / "CREDITS").read_text().splitlines() == [
        "cats/tabby.jpg: Ann, CC0 (pool/main/d/demo/cats_1_all.deb usr/share/cats/tabby.jpg)",
        "cats/tom.jpeg: Ann, CC0 (pool/main/d/demo/cats_1_all.deb usr/share/cats/tom.jpeg)",
        "shoes/red.jpg: Bob, MIT (pool/main/d/demo/shoes_1_all.deb usr/share/doc/shoes/examples/img/red.jpg)"]

    (folder / "cats/tabby.jpg").write_bytes(b"kept: the folder is complete")
    assert script.fetch(dest) == folder
    assert (folder / "cats/tabby.jpg").read_bytes() == b"kept: the folder is complete"


def test_a_deb_that_is_not_the_pinned_one_is_refused_and_nothing_is_unpacked(pinned_deb, dest_with_debs, script,
                                                                             build_deb, monkeypatch):
    cats = build_deb("cats", {"usr/share/cats/tabby.jpg": b"a tabby", "usr/share/cats/tom.jpeg": b"a tom",
                              "usr/share/doc/cats/copyright": b"CC0"})
    shoes = build_deb("shoes", {"usr/share/doc/shoes/examples/img/red.jpg": b"red shoes",
                                "usr/share/doc/shoes/copyright": b"MIT"})
    monkeypatch.setattr(script, "PACKAGES", demo_packages(script, pinned_deb, cats, shoes))
    dest = dest_with_debs(cats)
    (dest / "debs" / shoes.name).write_bytes(b"another package under the pinned name")

    with pytest.raises(SystemExit, match=f"shoes_1_all.deb has sha256 .*, expected {script.PACKAGES[1].pin}.*re-run"):
        script.fetch(dest)
    assert not (dest / "debian-photos").exists() and not (dest / "debian-photos.COPYRIGHT").exists()


def test_a_pinned_photo_missing_from_the_deb_is_an_error(pinned_deb, dest_with_debs, script, build_deb, monkeypatch):
    cats = build_deb("cats", {"usr/share/cats/tabby.jpg": b"a tabby", "usr/share/doc/cats/copyright": b"CC0"})
    shoes = build_deb("shoes", {"usr/share/doc/shoes/examples/img/red.jpg": b"red shoes",
                                "usr/share/doc/shoes/copyright": b"MIT"})
    monkeypatch.setattr(script, "PACKAGES", demo_packages(script, pinned_deb, cats, shoes))
    dest = dest_with_debs(cats, shoes)

    with pytest.raises(SystemExit, match="cats_1_all.deb has no usr/share/cats/tom.jpeg: is it the pinned version"):
        script.fetch(dest)
    assert not (dest / "debian-photos").exists()


def test_its_photos_are_counted_in_every_format_the_packages_ship_and_nothing_else(tmp_path, script, fetching):
    for name in ("a/one.jpg", "a/two.jpeg", "b/three.png", "b/IMG_4.JPG", "b/copyright", "b/notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    assert sorted(path.name for path in fetching.photos_with(tmp_path, script.PHOTO_SUFFIXES)) == ["IMG_4.JPG", "one.jpg", "three.png", "two.jpeg"]
