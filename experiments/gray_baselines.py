"""What "the grayscale copy" scores depends on which gray: four do-nothing baselines on CIFAR-10 test.

    python experiments/gray_baselines.py --shards runs/cifar10-shards

Prints MSE (RGB in [0, 1], all pixels) and PSNR of the image's gray copy, put in all
three channels, for: CIE L with a = b = 0 (what colorize-evaluate reports, and what our
model's output keeps), BT.601 luma (Pillow's convert("L") and most "rgb2gray" helpers),
BT.709 luma, and the plain channel mean.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.io import console

console.configure_logging(verbose=False, tensorflow=False)  # TensorFlow loads once the flags are parsed, in main

import numpy as np
from PIL import Image


def gray_copies(rgb):
    from model import inference

    values = rgb.astype(np.float64)
    return {
        "CIE L, a = b = 0": inference.gray_copy(rgb),
        "BT.601 luma (Pillow \"L\")": np.stack([np.asarray(Image.fromarray(image).convert("L"))
                                                for image in rgb])[..., None].repeat(3, axis=-1),
        "BT.709 luma": np.round(values @ [0.2126, 0.7152, 0.0722])[..., None].repeat(3, axis=-1).astype(np.uint8),
        "channel mean": np.round(values.mean(axis=-1))[..., None].repeat(3, axis=-1).astype(np.uint8),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shards", default="runs/cifar10-shards")
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    console.load_tensorflow_quietly()
    from model import metrics
    from pipeline.evaluate import job as evaluate

    totals, count = {}, 0
    for rgb, _, _ in evaluate.shard_batches(args.shards, args.split, 1000):
        for name, gray in gray_copies(rgb).items():
            totals[name] = totals.get(name, 0.0) + metrics.squared_error_sum(gray, rgb)[0]
        count += rgb.size
    print(f"CIFAR-10 {args.split}: MSE of each gray copy against the color image")
    for name, total in totals.items():
        print(f"{name:<28}{total / count:9.5f}{metrics.psnr_from_mse(total / count):8.2f} dB")


if __name__ == "__main__":
    main()
