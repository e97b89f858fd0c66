"""Fetch 273 real photographs (landscapes, cities, sea; 1440x720) as a custom-dataset example.

    python data/fetch_photos.py --dest data/downloads

They come from Debian's `endless-sky-high-dpi` package, public domain or CC-BY-SA (the
package's copyright file is copied beside them). The .deb's sha256 is pinned: a different
file is an error. The package is only unpacked, never installed. The copyright file goes beside the folder,
not in it, so that the folder holds only photos.
"""

import argparse
import hashlib
import pathlib
import shutil
import subprocess
import sys
import tempfile

PACKAGE = "endless-sky-high-dpi=0.9.8-1"
DEB = "endless-sky-high-dpi_0.9.8-1_all.deb"
SHA256 = "44170b9aad0ecc8f5a39d8c6b1af233100cfc6bc0bab2352d62fb014b5099164"
PLUGIN = "usr/share/games/endless-sky/plugins/endless-sky-high-dpi"
EXPECTED_PHOTOS = 273


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(dest):
    """Download (unless present), verify and unpack the photos; returns their folder."""
    dest.mkdir(parents=True, exist_ok=True)
    deb = dest / DEB
    if not deb.exists():
        if shutil.which("apt-get") is None:
            sys.exit(f"apt-get is not available: download {DEB} from a Debian mirror into {dest} and re-run")
        print(f"downloading {PACKAGE} (136 MB) with apt-get download ...", flush=True)
        subprocess.run(["apt-get", "download", PACKAGE], cwd=dest, check=True, stdout=subprocess.DEVNULL)
    actual = sha256_of(deb)
    if actual != SHA256:
        sys.exit(f"{deb} has sha256 {actual}, expected {SHA256}: delete it and re-run")
    folder = dest / "endless-sky-photos"
    if folder.is_dir() and len(list(folder.glob("*.jpg"))) == EXPECTED_PHOTOS:
        return folder
    with tempfile.TemporaryDirectory(dir=dest) as scratch:
        subprocess.run(["dpkg", "-x", str(deb), scratch], check=True)
        shutil.rmtree(folder, ignore_errors=True)
        (pathlib.Path(scratch) / PLUGIN / "images" / "land").rename(folder)
        shutil.copy(pathlib.Path(scratch) / PLUGIN / "copyright", dest / "endless-sky-photos.COPYRIGHT")
    return folder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dest", default="data/downloads", type=pathlib.Path,
                        help="Folder to download and unpack into (default: data/downloads).")
    args = parser.parse_args(argv)
    folder = fetch(args.dest)
    print(f"{EXPECTED_PHOTOS} photos ready (sha256 verified): {folder}")
    print(f"next: colorize-prepare --source {folder} --output runs/photo-shards --policy random-crops")


if __name__ == "__main__":
    main()
