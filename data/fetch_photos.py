"""Fetch 273 real photographs (landscapes, cities, sea; 1440x720) as a custom-dataset example.

    python data/fetch_photos.py --dest data/downloads

They come from Debian's `endless-sky-high-dpi` package, public domain or CC-BY-SA (the
package's copyright file is copied beside them). The .deb's sha256 is pinned: a different
file is an error. The package is only unpacked, never installed. The copyright file goes beside the folder,
not in it, so that the folder holds only photos.
"""

import pathlib
import shutil
import subprocess
import tempfile

from fetching import apt_download, parse_dest, say_ready

PACKAGE = "endless-sky-high-dpi=0.9.8-1"
DEB = "endless-sky-high-dpi_0.9.8-1_all.deb"
SHA256 = "44170b9aad0ecc8f5a39d8c6b1af233100cfc6bc0bab2352d62fb014b5099164"
PLUGIN = "usr/share/games/endless-sky/plugins/endless-sky-high-dpi"
EXPECTED_PHOTOS = 273


def fetch(dest):
    """Download (unless present), verify and unpack the photos; returns their folder."""
    deb = apt_download(PACKAGE, DEB, SHA256, dest)  # 136 MB
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
    say_ready(fetch(parse_dest(__doc__, argv)), EXPECTED_PHOTOS)


if __name__ == "__main__":
    main()
