"""Make the Quick start's sample photos: grayscale 960x480 copies of five held-out photos.

    python data/fetch_photos.py --source endless-sky-photos && python data/make_samples.py
"""

import argparse
import pathlib

from PIL import Image

SOURCE = pathlib.Path("data/downloads/endless-sky-photos")
DEST = pathlib.Path("data/samples")
# Public-domain photos in the test split (see data/SAMPLES.md), and the format to write.
SAMPLES = (("beach3", "jpg"), ("fields1", "png"), ("forest1", "jpg"), ("sea1", "jpg"), ("valley2", "jpg"))
SIZE = (960, 480)


def main(argv=None):
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    DEST.mkdir(parents=True, exist_ok=True)
    for name, extension in SAMPLES:
        image = Image.open(SOURCE / f"{name}@2x.jpg").convert("L").resize(SIZE, Image.Resampling.LANCZOS)
        options = {"quality": 90} if extension == "jpg" else {"optimize": True}
        image.save(DEST / f"{name}.{extension}", **options)
        print(DEST / f"{name}.{extension}")


if __name__ == "__main__":
    main()
