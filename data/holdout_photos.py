"""Link the held-out photos (validation and test splits) into folders for full-resolution evaluation.

    python data/holdout_photos.py            # after data/fetch_photos.py --source endless-sky-photos
    python data/holdout_photos.py --source data/downloads/more-photos   # after fetch_photos.py --source more-photos
    python data/holdout_photos.py --source data/downloads/endless-sky-photos \\
        --source data/downloads/more-photos --gather runs/photos   # also runs/photos-test/<source>/...

Uses the prepare job's own stable split (a hash of the path under the source folder, with
colorize-prepare's default fractions unless told otherwise), so these are exactly the photos
that training never saw. The folders are named after the source: SOURCE-validation and
SOURCE-test. With --gather PREFIX, every source's held-out photos are also linked into
PREFIX-validation and PREFIX-test, one subfolder per source, to evaluate all sources in
one run. The links are
hard links (no copies): the folders must be on the file system of the sources. A file
already in place is kept (re-linked if the source was made again); one that is not the same
photo is left alone and named.
"""

import argparse
import errno
import filecmp
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from pipeline.io import images

SPLITS = ("validation", "test")
DEFAULT_SOURCE = pathlib.Path("data/downloads/endless-sky-photos")


def held_out(source, validation_fraction, test_fraction):
    """{split: [path relative to source]} of the validation and test photos of a source folder."""
    paths = sorted(path.relative_to(source).as_posix() for path in source.rglob("*") if path.is_file())
    return {split: [name for name in paths if images.split_for(name, validation_fraction, test_fraction) == split]
            for split in SPLITS}


def link_all(source, names, folder):
    """Hard-links each of `names` under `source` to the same name under `folder`.

    Returns the targets that exist as another file and were left alone.
    """
    conflicts = []
    for name in names:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            if os.path.samefile(source / name, target):
                continue
            if not filecmp.cmp(source / name, target, shallow=False):
                conflicts.append(target)
                continue
            # The same photo, linked before its source folder was made again (a fetch script
            # re-makes the whole folder when its photo count changes): link the new file.
            target.unlink()
        try:
            os.link(source / name, target)
        except OSError as error:
            if error.errno == errno.EXDEV:
                sys.exit(f"error: cannot hard-link {source / name} into {folder}: another file system; "
                         f"choose a --dest or --gather folder on the file system of {source}")
            raise
    return conflicts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", action="append", type=pathlib.Path,
                        help=f"A photo folder; repeat for several (default: {DEFAULT_SOURCE}).")
    parser.add_argument("--dest", default="data/downloads", type=pathlib.Path,
                        help="Where SOURCE-validation and SOURCE-test are made.")
    parser.add_argument("--gather", default=None, type=pathlib.Path, metavar="PREFIX",
                        help="Also link every source's held-out photos into PREFIX-validation/SOURCE "
                             "and PREFIX-test/SOURCE, e.g. runs/photos.")
    parser.add_argument("--validation-fraction", type=float, default=images.VALIDATION_FRACTION,
                        help="As given to colorize-prepare (default: its default).")
    parser.add_argument("--test-fraction", type=float, default=images.TEST_FRACTION,
                        help="As given to colorize-prepare (default: its default).")
    args = parser.parse_args(argv)
    sources = args.source or [DEFAULT_SOURCE]
    for source in sources:
        if not source.is_dir():
            parser.error(f"--source {source} is not a folder; fetch it first (data/fetch_*.py)")
    if len({source.name for source in sources}) < len(sources):
        parser.error("two --source folders have the same name; their photos would land in one folder")
    conflicts = []
    for source in sources:
        for split, names in held_out(source, args.validation_fraction, args.test_fraction).items():
            folders = [args.dest / f"{source.name}-{split}"]
            if args.gather:
                folders.append(args.gather.with_name(f"{args.gather.name}-{split}") / source.name)
            for folder in folders:
                conflicts += link_all(source, names, folder)
                print(f"{len(names)} {split} photos in {folder}")
    for target in conflicts:
        print(f"left alone: {target} exists and is not the photo of that name; move it away and run again")
    return 1 if conflicts else 0


if __name__ == "__main__":
    sys.exit(main())
