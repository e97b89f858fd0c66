"""Whether a guided model without hints or a palette colorizes exactly as the automatic model it was made from.

    python experiments/guided_without_hints.py --guided runs/guided-v1/model.keras \
        --automatic runs/effnet-v8/model.keras --photos runs/photos-test

Prints, per photo, the largest difference in output levels, and the count of photos that differ.
"""

import argparse
import os

import numpy as np
from PIL import Image, ImageOps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guided", required=True, help="the guided model.keras")
    parser.add_argument("--automatic", required=True, help="the automatic model.keras it was made from")
    parser.add_argument("--photos", required=True, help="a folder of color photos (searched recursively)")
    args = parser.parse_args(argv)
    from model import inference  # after the flags: TensorFlow's import would make --help take seconds

    guided, automatic = inference.load(args.guided), inference.load(args.automatic)
    differing = count = 0
    for folder, _, names in sorted(os.walk(args.photos)):
        for name in sorted(names):
            if name.endswith(".COPYRIGHT"):
                continue
            path = os.path.join(folder, name)
            try:
                rgb = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
            except OSError:
                continue
            difference = np.abs(inference.colorize_image(guided, rgb).astype(int)
                                - inference.colorize_image(automatic, rgb)).max()
            count += 1
            differing += bool(difference)
            print(f"{difference:3d}  {os.path.relpath(path, args.photos)}", flush=True)
    print(f"{differing} of {count} photos differ")


if __name__ == "__main__":
    main()
