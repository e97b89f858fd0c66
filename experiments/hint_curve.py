"""What true hints and a reference give, photo by photo: the guided model against the hand-made spread.

    python experiments/hint_curve.py --photos runs/photos-test --counts 0,1,3,10,30 --output runs/hint-curve

For each color photo (at full resolution) and each count N, N true hints drawn with a fixed
seed (nested: the first 3 of the 10 are the 3), each a square of 1-9 pixels at a uniform
point, its ab the truth's mean there. Two methods colorize with them: the guided model
("learned": the hints into the network, then model/inference.py's spread) and the floor
("spread": the same model's automatic colors, the same spread of the same hints, no hint
into the network). Then the left half of each photo as the reference palette for its right
half, against the automatic colors of that right half. Writes per_image.csv and prints,
per count and method: median PSNR gain over the grayscale copy, share better than gray,
share better than the automatic colors, and the worst photo's blotches.
"""

import argparse
import csv
import os

import numpy as np
from PIL import Image, ImageOps

# The model's modules import TensorFlow: each function imports those it uses, so that --help is instant.


def psnr(output, truth):
    from model import metrics

    return metrics.psnr_from_mse(float(np.mean((output.astype(np.float32) / 255 - truth.astype(np.float32) / 255) ** 2)))


def blotches(output, truth):
    from model import color, metrics

    return float(np.mean(metrics.blotch_mask(color.srgb8_to_lab(output), color.srgb8_to_lab(truth))))


def photos(folder):
    for root, _, names in sorted(os.walk(folder)):
        for name in sorted(names):
            if not name.endswith(".COPYRIGHT"):
                path = os.path.join(root, name)
                try:
                    yield os.path.relpath(path, folder), np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
                except OSError:
                    continue


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", required=True, help="a folder of color photos")
    parser.add_argument("--model", default="model/default/model.keras", help="a guided model")
    parser.add_argument("--counts", default="0,1,3,10,30")
    parser.add_argument("--output", required=True, help="folder for per_image.csv")
    parser.add_argument("--seed", type=int, default=29)
    args = parser.parse_args(argv)
    from model import color, hints, inference

    counts = sorted(int(value) for value in args.counts.split(","))
    colorizer = inference.load(args.model)
    os.makedirs(args.output, exist_ok=True)
    rows = []
    for index, (name, rgb) in enumerate(photos(args.photos)):
        lab = color.srgb8_to_lab(rgb)
        gray = psnr(inference.gray_copy(rgb[None])[0], rgb)
        automatic = inference.colorize_image(colorizer, rgb)
        auto_psnr, auto_blotches = psnr(automatic, rgb), blotches(automatic, rgb)
        every = hints.draw_true_hints(lab, max(counts), args.seed * 100003 + index)
        for count in counts:
            guidance = inference.Guidance(every[:count])
            for method in ("learned", "spread"):
                if count == 0:
                    output = automatic
                elif method == "learned":
                    output = inference.colorize_image(colorizer, rgb, guidance)
                else:
                    output = inference.colorize_batch(colorizer, rgb[None], [guidance], into_network=False)[0]
                value = psnr(output, rgb) if count else auto_psnr
                rows.append({"image": name, "test": f"hints {count}", "method": method, "psnr": value, "gray": gray,
                             "automatic": auto_psnr, "blotches": blotches(output, rgb) if count else auto_blotches})
        half = rgb.shape[1] // 2
        right = np.ascontiguousarray(rgb[:, half:])
        palette = inference.palette_of_photo(colorizer, np.ascontiguousarray(rgb[:, :half]))
        guided = inference.colorize_image(colorizer, right, inference.Guidance(palette=palette))
        plain = inference.colorize_image(colorizer, right)
        rows.append({"image": name, "test": "left half as reference", "method": "learned", "psnr": psnr(guided, right),
                     "gray": psnr(inference.gray_copy(right[None])[0], right), "automatic": psnr(plain, right),
                     "blotches": blotches(guided, right)})
        print(f"{index + 1:4d} {name}", flush=True)
    with open(os.path.join(args.output, "per_image.csv"), "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"\n{'test':<24}{'method':<9}{'median gain over gray':>23}{'better than gray':>18}"
          f"{'better than automatic':>23}{'median gain over automatic':>28}{'worst blotches':>16}")
    for test in dict.fromkeys(row["test"] for row in rows):
        for method in ("learned", "spread"):
            chosen = [row for row in rows if row["test"] == test and row["method"] == method]
            if not chosen:
                continue
            over_gray = np.array([row["psnr"] - row["gray"] for row in chosen])
            over_auto = np.array([row["psnr"] - row["automatic"] for row in chosen])
            print(f"{test:<24}{method:<9}{np.median(over_gray):>+22.2f} {np.mean(over_gray > 0):>17.0%}"
                  f"{np.mean(over_auto > 0):>23.0%}{np.median(over_auto):>+27.2f} "
                  f"{max(row['blotches'] for row in chosen):>15.1%}")


if __name__ == "__main__":
    main()
