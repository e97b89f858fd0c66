"""What the data/fetch_*.py scripts share: pinned downloads, their digests, and the --dest flag."""

import argparse
import hashlib
import pathlib
import shutil
import subprocess
import sys


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
    actual = file_digest(deb, "sha256").hexdigest()
    if actual != sha256:
        sys.exit(f"{deb} has sha256 {actual}, expected {sha256}: the download is corrupt or not the pinned "
                 "package; delete it and re-run")
    return deb


def parse_dest(description, argv=None):
    """The --dest folder of a fetch script."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dest", default="data/downloads", type=pathlib.Path,
                        help="Folder to download and unpack into (default: data/downloads).")
    return parser.parse_args(argv).dest
