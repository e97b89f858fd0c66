"""The README's picture of hints: gray | automatic | 3 hints (drawn) | 10 hints | truth, for test photos.

    python experiments/hint_grid.py --photos runs/photos-test --count 8 --output docs/results-hints-test.jpg

The photos are every (number of photos / count)-th of the folder; the hints are those of
experiments/hint_curve.py (same seed, same draws), the 3 drawn as rings of their color.
Each photo is colorized at up to 1024 pixels on its long side, to keep the picture small.
"""

import argparse
import os
import sys

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import hint_curve  # noqa: E402

from pipeline.io import grids  # noqa: E402

# The model's modules import TensorFlow: each function imports those it uses, so that --help is instant.

LONG_SIDE = 1024
CELL = 240


def with_points(rgb, drawn):
    """The picture with each hint drawn as a ring of its color, outlined in white and black."""
    from model import color, hints as hint_math

    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    scale = max(rgb.shape[:2]) / CELL  # rings of the same size in the grid whatever the photo's
    lightness = color.srgb8_to_lab(rgb)
    for hint in drawn:
        at = lightness[int(min(hint.y, rgb.shape[0] - 1)), int(min(hint.x, rgb.shape[1] - 1)), 0]
        fill = hint_math.ab_to_hex(float(at), hint.a, hint.b)
        for radius, outline, width in ((7, "black", 1), (6, "white", 1), (5, fill, 3)):
            r = radius * scale
            draw.ellipse((hint.x - r, hint.y - r, hint.x + r, hint.y + r), outline=outline, width=max(1, int(width * scale)))
    return np.asarray(image)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", required=True)
    parser.add_argument("--model", default="model/default/model.keras")
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--seed", type=int, default=29)
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    from model import color, hints as hint_math, inference

    colorizer = inference.load(args.model)
    everything = list(hint_curve.photos(args.photos))
    step = max(1, len(everything) // args.count)
    rows = []
    for index in range(0, len(everything), step)[:args.count]:
        _, rgb = everything[index]
        height, width = rgb.shape[:2]
        scale = min(1.0, LONG_SIDE / max(height, width))
        small = np.asarray(Image.fromarray(rgb).resize((round(width * scale), round(height * scale)), Image.BOX))
        # The same draws as hint_curve.py's on the full photo, moved to the smaller one.
        full = hint_math.draw_true_hints(color.srgb8_to_lab(rgb), 10, args.seed * 100003 + index)
        drawn = tuple(hint_math.Hint(h.x * scale, h.y * scale, h.a, h.b, h.radius * scale) for h in full)
        three = inference.colorize_image(colorizer, small, inference.Guidance(drawn[:3]))
        rows.append([inference.gray_copy(small[None])[0], inference.colorize_image(colorizer, small),
                     with_points(three, drawn[:3]), with_points(inference.colorize_image(
                         colorizer, small, inference.Guidance(drawn)), drawn), small])
    captions = [["gray", "automatic", "3 hints", "10 hints", "truth"]] * len(rows)
    grids.picture_grid(rows, gap=4, margin=4, cell=CELL, captions=captions).save(args.output, quality=88)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
