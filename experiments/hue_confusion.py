"""Which hues does a model paint where the truth has which hue? A confusion table over photos.

    python experiments/hue_confusion.py --model model/default/model.keras --photos runs/photos-validation

Every pixel of every photo (colorized at the model's defaults, the photo first shrunk to
--max-side) is put in one of nine classes by its CIE Lab color: gray (chroma under
--gray-chroma) or one of eight 45-degree sectors of hue (sRGB red is at 36 degrees, pink 6,
orange 66, brown and skin about 61, yellow 97, grass 132, pure green 136, cyan 213, sky blue
274, blue 301, violet 314, magenta 338). It prints, for each class of the truth, where its
pixels went in the output (percent of the row) and the row's share of all pixels, and the
mean a and b of the truth and of the output over all photos (a cast would show there).

Runs on validation data only; the test splits stay untouched for the model card.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.io import console

console.configure_logging(verbose=False, tensorflow=False)  # TensorFlow loads once the flags are parsed, in main

import numpy as np
from PIL import Image

SECTORS = 8
CLASS_NAMES = tuple(f"{start}-{start + 360 // SECTORS}" for start in range(0, 360, 360 // SECTORS)) + ("gray",)


def hue_classes(ab, gray_chroma=10.0):
    """The class of each ab pair [..., 2]: its hue sector 0..SECTORS-1, or SECTORS where the chroma is under gray_chroma."""
    a, b = ab[..., 0], ab[..., 1]
    sector = (np.degrees(np.arctan2(b, a)) % 360.0 // (360.0 / SECTORS)).astype(int)
    return np.where(np.hypot(a, b) < gray_chroma, SECTORS, sector)


def confusion(truth_ab, output_ab, gray_chroma=10.0):
    """Pixel counts [truth class, output class] of two ab arrays of one shape [..., 2]."""
    counts = np.zeros((SECTORS + 1, SECTORS + 1), dtype=np.int64)
    np.add.at(counts, (hue_classes(truth_ab, gray_chroma).ravel(), hue_classes(output_ab, gray_chroma).ravel()), 1)
    return counts


def table(counts):
    """The printed table: each truth class's row in percent of the row, and its share of all pixels."""
    lines = ["truth \\ output " + " ".join(f"{name:>7s}" for name in CLASS_NAMES) + "   share"]
    for name, row in zip(CLASS_NAMES, counts):
        percent = 100.0 * row / max(row.sum(), 1)
        lines.append(f"{name:>14s} " + " ".join(f"{value:7.1f}" for value in percent)
                     + f"  {100.0 * row.sum() / max(counts.sum(), 1):5.1f}%")
    return "\n".join(lines)


def shrunk(rgb, max_side):
    """The uint8 RGB photo with its long side at most max_side (box filter); smaller ones as they are."""
    height, width = rgb.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1:
        return rgb
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="A model.keras (default: the shipped model).")
    parser.add_argument("--photos", required=True, help="A folder of color photos (validation ones).")
    parser.add_argument("--max-side", type=int, default=512, help="Long side the photos are shrunk to (default 512).")
    parser.add_argument("--gray-chroma", type=float, default=10.0,
                        help="Chroma under which a pixel counts as gray (default 10, the blotches figure's).")
    args = parser.parse_args(argv)
    console.load_tensorflow_quietly()
    from model import color, default_model, inference
    from pipeline.evaluate import job as evaluate

    colorizer = inference.load(args.model or default_model.path())
    batches, skipped, _ = evaluate.folder_images(args.photos, 10**9)
    counts = np.zeros((SECTORS + 1, SECTORS + 1), dtype=np.int64)
    truth_sum, output_sum, pixels, photos = np.zeros(2), np.zeros(2), 0, 0
    for rgb, _, _ in batches:
        truth = shrunk(rgb[0], args.max_side)
        truth_ab = color.srgb8_to_lab(truth)[..., 1:]
        output_ab = color.srgb8_to_lab(inference.colorize_image(colorizer, truth))[..., 1:]
        counts += confusion(truth_ab, output_ab, args.gray_chroma)
        truth_sum += truth_ab.reshape(-1, 2).sum(0)
        output_sum += output_ab.reshape(-1, 2).sum(0)
        pixels += truth_ab.shape[0] * truth_ab.shape[1]
        photos += 1
    if not photos:
        sys.exit(f"error: no color photos under {args.photos} ({len(skipped)} files skipped)")
    print(f"{photos} photos, {pixels:,} pixels; mean a, b: truth {truth_sum[0] / pixels:+.2f}, "
          f"{truth_sum[1] / pixels:+.2f}; output {output_sum[0] / pixels:+.2f}, {output_sum[1] / pixels:+.2f}")
    print(table(counts))


if __name__ == "__main__":
    main()
