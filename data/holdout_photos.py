"""Link the held-out photos (validation and test splits) into folders for full-resolution evaluation.

    python data/holdout_photos.py            # after data/fetch_photos.py
    python data/holdout_photos.py --source data/downloads/more-photos   # after fetch_more_photos.py

Uses the prepare job's own stable split (a hash of the path under the source folder, 10%
validation and 10% test by default), so these are exactly the photos that training never
saw. The folders are named after the source: SOURCE-validation and SOURCE-test.
"""

import argparse
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from pipeline.images import split_for


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default="data/downloads/endless-sky-photos", type=pathlib.Path)
    parser.add_argument("--dest", default="data/downloads", type=pathlib.Path)
    parser.add_argument("--validation-fraction", type=float, default=0.1)
    parser.add_argument("--test-fraction", type=float, default=0.1)
    args = parser.parse_args(argv)
    paths = sorted(path.relative_to(args.source).as_posix() for path in args.source.rglob("*") if path.is_file())
    for split in ("validation", "test"):
        folder = args.dest / f"{args.source.name}-{split}"
        names = [name for name in paths if split_for(name, args.validation_fraction, args.test_fraction) == split]
        for name in names:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            if not (folder / name).exists():
                os.link(args.source / name, folder / name)
        print(f"{len(names)} {split} photos in {folder}")


if __name__ == "__main__":
    main()
