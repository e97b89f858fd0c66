"""fetch_everyday_photos: the credits its file names carry, a tarball that is not the pinned one refused."""

import pytest


@pytest.fixture
def script(load_data_script):
    return load_data_script("fetch_everyday_photos")


def test_pexels_credit_names_the_photo_page_and_the_photographer_when_the_name_has_one(script):
    page = "https://www.pexels.com/photo/{}/ (Pexels licence, per the package's README)"
    assert script.pexels_credit("pexels-1317558.jpg") == "Pexels, " + page.format(1317558)
    assert script.pexels_credit("pexels-cup-of-couple-6962851.jpg") == "cup-of-couple on Pexels, " + page.format(6962851)


def test_a_photo_named_without_its_pexels_credit_is_an_error(script):
    with pytest.raises(SystemExit, match="room.jpg is not named .* is the package the pinned version"):
        script.pexels_credit("room.jpg")


def test_a_tarball_that_is_not_the_pinned_one_is_refused(tmp_path, script, build_tarball):
    first = script.PACKAGES[0]
    build_tarball(tmp_path / first.file_name, {"package/LICENSE": b"GPL"})
    with pytest.raises(SystemExit, match=f"integrity .* expected {first.pin[:12]}.*delete it and re-run"):
        script.fetch(tmp_path)
    assert not (tmp_path / script.FOLDER).exists()
