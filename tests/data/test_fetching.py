"""fetching, the fetch scripts' shared downloads: Debian's pool, PyPI's index and sdists, on files made here."""

import hashlib
import io
import json
import subprocess
import urllib.error
import zipfile

import pytest


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
