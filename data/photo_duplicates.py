"""List the photos that appear twice across photo folders: identical files, and rescaled or re-encoded copies.

    python data/photo_duplicates.py data/downloads/endless-sky-photos data/downloads/more-photos \\
        data/downloads/tabler-photos data/downloads/diverse-photos

Run it before adding a source: a photo that is in two sources would sit in two splits (the
split hashes the path), so a test photo could be trained on. Identical files are found by
sha256; copies at another size or quality by a difference hash (a 17x16 grayscale thumbnail,
one bit per pair of neighbours: 256 bits) that differs in at most --max-distance bits. On the
photos of the four sources, copies of 10 of them at a third of the size and JPEG quality 70
differed in 0-19 bits, and the two closest different photos in 35.
Prints one line per pair and exits with status 1 if there is any.
"""

import argparse
import hashlib
import itertools
import pathlib
import sys

from PIL import Image

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


HASH_SIDE = 16  # bits per row and rows: a 256-bit hash


def difference_hash(path):
    """An int of HASH_SIDE**2 bits: whether each pixel of a small grayscale thumbnail outshines its right neighbour."""
    with Image.open(path) as image:
        image.draft("L", (8 * HASH_SIDE, 8 * HASH_SIDE))  # a JPEG decodes at a fraction of its size
        thumbnail = image.convert("L").resize((HASH_SIDE + 1, HASH_SIDE), Image.Resampling.LANCZOS)
    pixels = thumbnail.tobytes()
    bits = 0
    for row in range(HASH_SIDE):
        for column in range(HASH_SIDE):
            at = row * (HASH_SIDE + 1) + column
            bits = bits << 1 | (pixels[at] > pixels[at + 1])
    return bits


def duplicates(paths, max_distance):
    """(path, path, reason) for every pair of identical files or of files whose hashes are close."""
    digests = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}
    hashes = {path: difference_hash(path) for path in paths}
    for first, second in itertools.combinations(paths, 2):
        if digests[first] == digests[second]:
            yield first, second, "identical files"
        elif (distance := (hashes[first] ^ hashes[second]).bit_count()) <= max_distance:
            yield first, second, f"difference hashes {distance} bits apart"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=pathlib.Path, help="Photo folders, searched recursively.")
    parser.add_argument("--max-distance", type=int, default=24,
                        help="Most differing hash bits for two photos to count as copies (default: 24 of 256).")
    args = parser.parse_args(argv)
    paths = sorted(path for folder in args.folders for path in folder.rglob("*")
                   if path.suffix.lower() in PHOTO_SUFFIXES)
    pairs = list(duplicates(paths, args.max_distance))
    for first, second, reason in pairs:
        print(f"{first}  {second}  ({reason})")
    print(f"{len(pairs)} duplicate pairs among {len(paths)} photos")
    sys.exit(1 if pairs else 0)


if __name__ == "__main__":
    main()
