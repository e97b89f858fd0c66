"""How far each colorized photo's gray (ITU-R 601 luma) is from its input's, per output format.

    python experiments/luma_kept.py --photos runs/photos-test
    python experiments/luma_kept.py --photos runs/photos-test --limit 20 --formats .png

Each photo (searched recursively) is made gray, saved as a JPEG (quality 95), a PNG and a
TIFF, and colorized by the job's own code for one file (pipeline/colorize/formats.py) with
the shipped model at its defaults. Prints, per format, the mean over all photos of the
mean |output luma - input gray| in 8-bit levels, and the worst photo. Issue 31's targets:
every photo at most 0.5 for PNG and TIFF, 1.0 for JPEG. For JPEG it also prints what
saving the gray alone at the writer's quality (92) does, JPEG's own rounding, which the job
avoids by quantizing its gray with the input's own luma table.
"""

import argparse
import functools
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np
from PIL import Image

from pipeline.colorize import formats
from pipeline.io import files, images

WRITERS = {".jpg": ("JPEG", {"quality": 95}), ".png": ("PNG", {}), ".tif": ("TIFF", {})}
LUMA = np.array([0.299, 0.587, 0.114])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", required=True)
    parser.add_argument("--model", default="model/default/model.keras")
    parser.add_argument("--limit", type=int, default=None, help="At most this many photos (the first by path).")
    parser.add_argument("--formats", nargs="+", default=sorted(WRITERS), choices=sorted(WRITERS))
    parser.add_argument("--max-side", type=int, default=2048, help="Photos are reduced to this long side first.")
    args = parser.parse_args()
    from model import inference  # after the flags: TensorFlow's import would make --help take seconds

    colorize = functools.partial(inference.colorize_image, inference.load(args.model))
    listed, _ = files.list_files(args.photos)
    paths = [path for path, _ in listed if not path.endswith(".COPYRIGHT")][:args.limit]  # licence files beside
    errors = {extension: [] for extension in args.formats}
    floors = []
    for path in paths:
        with open(path, "rb") as file:
            try:
                gray = images.open_image(file.read()).convert("L")
            except images.UnusableImage:
                continue  # not a photo
        gray.thumbnail((args.max_side, args.max_side))
        for extension in args.formats:
            pillow_format, options = WRITERS[extension]
            buffer = io.BytesIO()
            gray.save(buffer, format=pillow_format, **options)
            _, output, _ = formats.colorize_image_bytes(buffer.getvalue(), "photo" + extension, colorize)
            level = np.asarray(Image.open(buffer).convert("L"), dtype=np.float64)
            luma = np.asarray(Image.open(io.BytesIO(output)).convert("RGB"), dtype=np.float64) @ LUMA
            errors[extension].append((float(np.abs(luma - level).mean()), path))
            if extension == ".jpg":
                again = io.BytesIO()
                Image.fromarray(level.astype(np.uint8)).save(again, format="JPEG",
                                                             quality=formats.OUTPUT_FORMATS[".jpg"][1]["quality"])
                floors.append(float(np.abs(np.asarray(Image.open(again), dtype=np.float64) - level).mean()))
        print(f"{len(errors[args.formats[0]])}/{len(paths)} {os.path.relpath(path, args.photos)}: " + ", ".join(
            f"{extension} {errors[extension][-1][0]:.2f}" for extension in args.formats), flush=True)
    for extension in args.formats:
        values = [value for value, _ in errors[extension]]
        worst, worst_path = max(errors[extension])
        print(f"{extension}: {len(values)} photos, mean {np.mean(values):.2f} levels, worst {worst:.2f} "
              f"({os.path.relpath(worst_path, args.photos)})")
        if extension == ".jpg":
            index = int(np.argmax(values))
            excess = np.array(values) - np.array(floors)
            print(f"  the gray alone saved at quality 92: mean {np.mean(floors):.2f}, {floors[index]:.2f} on the "
                  f"worst photo above; the output's difference from that: {np.mean(excess):.2f} on average, "
                  f"{excess.max():.2f} at most")


if __name__ == "__main__":
    main()
