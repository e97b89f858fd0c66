"""fetch_web_photos on small sdists and tarballs built here: downloads by pinned hash, which files it takes, credits."""

import hashlib
import io
import json
import urllib.error
import urllib.request

import pytest


@pytest.fixture
def script(load_data_script):
    return load_data_script("fetch_web_photos")


def test_credited_gives_each_named_photo_its_line_and_refuses_an_unknown_one(script):
    credit = script.credited({"a.jpg": "Ann on Unsplash"}, "the Unsplash licence")
    assert credit("a.jpg") == "Ann on Unsplash (the Unsplash licence)"
    with pytest.raises(SystemExit, match="b.jpg has no credit here: is the package the pinned version"):
        credit("b.jpg")


def test_every_photo_the_script_names_has_a_credit_and_a_name_of_its_own(script):
    for package in script.PACKAGES:
        names = [member.rsplit("/", 1)[1] for member in package.photos]
        assert all(not member.endswith("/") for member in package.photos), package.spec
        assert len(set(names)) == len(names), package.spec
        assert all(package.credit(name) for name in names)
    assert sum(len(package.photos) for package in script.PACKAGES) == script.EXPECTED_PHOTOS


def test_package_photos_take_the_named_photos_of_an_sdist_with_their_credits(tmp_path, script, credits, build_tarball,
                                                                             fetching):
    sdist = tmp_path / "crop-1.0.tar.gz"
    build_tarball(sdist, {"crop-1.0/LICENSE": b"MIT", "crop-1.0/tests/images/credits.txt": b"farm.jpg: Ann",
                          "crop-1.0/tests/images/farm.jpg": b"a farmer", "crop-1.0/tests/images/odd.jpg": b"uncredited",
                          "crop-1.0/docs/logo.jpg": b"a logo"})
    crop = script.Package(
        "crop==1.0", sdist.name, "", "", "crop", ("crop-1.0/tests/images/farm.jpg",), set(),
        script.credited({"farm.jpg": "Ann on Unsplash"}, "the Unsplash licence, per tests/images/credits.txt"),
        {"crop-1.0/tests/images/credits.txt": "crop.credits.txt", "crop-1.0/LICENSE": "crop.LICENSE"})
    out = tmp_path / "out"

    lines = fetching.package_photos(crop, sdist, out, credits)
    assert [path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()] == ["crop/farm.jpg"]
    assert lines == [("crop/farm.jpg: Ann on Unsplash (the Unsplash licence, per tests/images/credits.txt) "
                      "(crop==1.0 crop-1.0/tests/images/farm.jpg)")]
    assert sorted(path.name for path in credits.iterdir()) == ["crop.LICENSE", "crop.credits.txt"]


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


def test_sdist_download_keeps_only_the_pinned_archive(tmp_path, monkeypatch, fetching):
    upload = tmp_path / "upload" / "crop-1.0.tar.gz"
    upload.parent.mkdir()
    upload.write_bytes(b"an sdist")
    monkeypatch.setattr(fetching, "sdist_address", lambda project, file_name: upload.parent.joinpath(file_name).as_uri())
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


def test_an_unreachable_index_says_what_to_do(monkeypatch, fetching):
    def refuse(request, timeout):
        raise urllib.error.URLError("no route")
    monkeypatch.setattr(fetching.urllib.request, "urlopen", refuse)
    with pytest.raises(SystemExit, match="could not read https://pypi.org/simple/crop/.*check that PyPI is reachable"):
        fetching.sdist_address("crop", "crop-1.0.tar.gz")


def test_download_takes_sdists_from_pypi_and_the_rest_as_the_everyday_photos_do(tmp_path, script, monkeypatch,
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


def test_the_png_photos_count_too(tmp_path, script):
    for relative in ("a/one.jpg", "b/two.png", "b/notes.txt"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(b"")
    assert sorted(path.name for path in script.photos_in(tmp_path)) == ["one.jpg", "two.png"]
