"""fetch_web_photos: its packages' photos and credits, where each is downloaded from, a wrong tarball refused."""

import pytest


@pytest.fixture
def script(load_data_script):
    return load_data_script("fetch_web_photos")


def test_every_photo_the_script_names_has_a_credit_and_a_name_of_its_own(script):
    for package in script.PACKAGES:
        names = [member.rsplit("/", 1)[1] for member in package.photos]
        assert all(not member.endswith("/") for member in package.photos), package.spec
        assert len(set(names)) == len(names), package.spec
        assert all(package.credit(name) for name in names)
    assert sum(len(package.photos) for package in script.PACKAGES) == script.EXPECTED_PHOTOS


def test_its_sdists_come_from_pypi_its_wheel_from_pip_and_its_tarballs_from_npm(tmp_path, script, monkeypatch,
                                                                                  fetching):
    calls = []
    for source in ("sdist", "pip", "npm", "pool", "apt"):
        monkeypatch.setattr(fetching, f"{source}_download",
                            lambda *args, source=source: calls.append((source, args[0], args[3])))
    for package in script.PACKAGES:
        fetching.download(package, tmp_path)
    assert calls == [("npm", "startbootstrap-stylish-portfolio@6.0.6", tmp_path),
                     ("sdist", "smartcrop==0.5.0", tmp_path / "sdists"), ("sdist", "thumbor==7.8.0", tmp_path / "sdists"),
                     ("sdist", "sigal==2.6.1", tmp_path / "sdists"), ("pip", "ultralytics==8.4.190", tmp_path / "wheels"),
                     ("sdist", "pillow-jxl-plugin==1.3.8", tmp_path / "sdists"),
                     ("npm", "simplelightbox@2.14.3", tmp_path), ("npm", "jquery-zoom@1.7.22", tmp_path),
                     ("npm", "stisla@2.3.0", tmp_path)]


def test_a_tarball_that_is_not_the_pinned_one_is_refused(tmp_path, script, build_tarball):
    first = script.PACKAGES[0]
    build_tarball(tmp_path / first.file_name, {"package/LICENSE": b"MIT"})
    with pytest.raises(SystemExit, match=f"integrity .* expected {first.pin[:12]}.*delete it and re-run"):
        script.fetch(tmp_path)
    assert not (tmp_path / script.FOLDER).exists()


def test_the_png_photos_count_too(tmp_path, script, fetching):
    for relative in ("a/one.jpg", "b/two.png", "b/notes.txt"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(b"")
    assert sorted(path.name for path in fetching.photos_with(tmp_path, script.PHOTO_SUFFIXES)) == ["one.jpg", "two.png"]
