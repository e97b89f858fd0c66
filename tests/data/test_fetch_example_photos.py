"""fetch_example_photos: every pinned photo named once, with its credit, from Debian's pool, and what main prints."""

import pytest


@pytest.fixture
def script(load_data_script):
    return load_data_script("fetch_example_photos")


def test_every_photo_is_named_once_with_its_credit_and_every_deb_comes_from_the_pool(script):
    names = []
    for package in script.PACKAGES:
        assert package.spec.startswith("pool/main/") and package.spec.endswith("/" + package.file_name)
        assert len(package.pin) == 64 and not package.left_out
        assert list(package.licences) == [f"usr/share/doc/{package.file_name.split('_')[0]}/copyright"]
        for member in package.photos:
            assert not member.endswith("/") and member.endswith(script.PHOTO_SUFFIXES), member
            names.append(f"{package.folder}/{member.rsplit('/', 1)[1]}")
            assert package.file_name.split("_")[0] in package.credit(member.rsplit("/", 1)[1])
    assert len(set(names)) == len(names) == script.EXPECTED_PHOTOS
    assert len({package.folder for package in script.PACKAGES}) == len(script.PACKAGES)


def test_fetch_takes_the_named_photo_and_the_copyright_into_the_example_folder(pinned_deb, dest_with_debs, script,
                                                                                build_deb, monkeypatch, fetching):
    docs = build_deb("docs", {"usr/share/doc/docs/examples/cow.jpg": b"a cow", "usr/share/doc/docs/examples/plot.jpg": b"",
                              "usr/share/doc/docs/copyright": b"Files: *\nLicense: GPL-2\n"})
    dest = dest_with_debs(docs)
    monkeypatch.setattr(script, "PACKAGES", (pinned_deb(docs, "docs", ("usr/share/doc/docs/examples/cow.jpg",),
                                                        script.files_entry("docs", "Ann, GPL-2"),
                                                        script.copyright_of("docs")),))
    monkeypatch.setattr(script, "EXPECTED_PHOTOS", 1)
    monkeypatch.setattr(fetching, "debian_mirror", lambda: pytest.fail("the .deb is there: no download"))

    folder = script.fetch(dest)
    assert folder == dest / "example-photos"
    assert [path.relative_to(folder).as_posix() for path in fetching.photos_with(folder, script.PHOTO_SUFFIXES)] == [
        "docs/cow.jpg"]
    credits = dest / "example-photos.COPYRIGHT"
    assert (credits / "docs.copyright").read_bytes() == b"Files: *\nLicense: GPL-2\n"
    assert (credits / "CREDITS").read_text().splitlines() == [
        ("docs/cow.jpg: docs, Ann, GPL-2 (Debian's copyright of docs: Files: *) "
         "(pool/main/d/demo/docs_1_all.deb usr/share/doc/docs/examples/cow.jpg)")]


def test_main_fetches_into_dest_and_says_what_to_run_next(tmp_path, script, monkeypatch, capsys):
    monkeypatch.setattr(script, "fetch", lambda dest: dest / "example-photos")
    script.main(["--dest", str(tmp_path)])
    assert capsys.readouterr().out.splitlines() == [
        f"{script.EXPECTED_PHOTOS} photos ready (sha256 verified): {tmp_path / 'example-photos'}",
        f"next: python data/holdout_photos.py --source {tmp_path / 'example-photos'}"]
