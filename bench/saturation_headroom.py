"""How much would each image's own chroma gain be worth, and does the network know it?

    python bench/saturation_headroom.py --model model/default/model.keras \\
        --photos data/downloads/endless-sky-photos-validation --cifar 2000 --fit 10000

The decoded chroma of every image is scaled by one gain (the model's `saturation`). This
prints, per set, the PSNR gain over the grayscale copy (pooled, and the mean of the
per-image gains) at:

- the model's default gain, and each single gain of a grid;
- each image's own best gain from the grid: an oracle that peeks at the truth, so the
  headroom that knowing "how colorful is this scene?" would open;
- a gain predicted from the network's global features (the `global_dense` layer, plus
  the mean decoded chroma) by a ridge regression fitted on CIFAR-10 training images (or
  on a folder of training photos, `--fit-photos`): what the network itself knows of that.

Runs on validation data only; the test splits stay untouched for the model card.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline import console

console.configure_logging(verbose=False)

import keras
import numpy as np
from tune_decoding import per_image_psnr

from model import inference, metrics
from pipeline import evaluate, images, prepare

GAINS = np.array([0.0, 0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0])
GLOBAL_LAYER = "global_dense"
RIDGE = 10.0  # on standardized features


def measure(colorizer, features_of, batches):
    """Per image: squared error over the gain grid (N, G), the global features (N, F) and the pixel count (N,)."""
    errors, features, sizes = [], [], []
    for rgb in batches:
        lightness, extent = inference.network_input(rgb, colorizer.working_size)
        scene = features_of(lightness)
        ab = colorizer.decode(lightness).numpy()
        chroma = np.mean(np.linalg.norm(ab, axis=-1), axis=(1, 2))
        features.append(np.concatenate([np.asarray(scene), chroma[:, None]], axis=1))
        truth = rgb / 255.0
        sizes.extend([truth[0].size] * len(rgb))
        errors.append(np.stack([np.mean((inference.compose(rgb, ab * gain, extent) / 255.0 - truth) ** 2,
                                        axis=(1, 2, 3)) for gain in GAINS], axis=1))
    return np.concatenate(errors), np.concatenate(features), np.asarray(sizes, dtype=np.float64)


def fit_ridge(features, targets):
    """A linear map from standardized features to targets, with an L2 penalty on the slopes only."""
    mean, scale, offset = features.mean(axis=0), features.std(axis=0) + 1e-6, targets.mean()
    standardized = (features - mean) / scale
    slopes = np.linalg.solve(standardized.T @ standardized + RIDGE * np.eye(standardized.shape[1]),
                             standardized.T @ (targets - offset))
    return lambda values: (values - mean) / scale @ slopes + offset


def gains_over_gray(errors, gray, sizes):
    """(dB pooled over all pixels, mean per-image dB) of per-image squared errors (N,) over the grayscale copy's."""
    return (metrics.psnr_from_mse(np.average(errors, weights=sizes))
            - metrics.psnr_from_mse(np.average(gray, weights=sizes)),
            float(np.mean(per_image_psnr(errors) - per_image_psnr(gray))))


def errors_at(errors, column):
    """Per-image errors (N,) at one gain column, or at a column per image."""
    return errors[:, column] if np.ndim(column) == 0 else errors[np.arange(len(errors)), column]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="model/default/model.keras")
    parser.add_argument("--shards", default="runs/cifar10-shards")
    parser.add_argument("--cifar", type=int, default=2000, help="CIFAR-10 validation images to report on.")
    parser.add_argument("--fit", type=int, default=10000, help="CIFAR-10 training images to fit the regression on.")
    parser.add_argument("--fit-photos", default=None,
                        help="Fit the regression on the training split of this photo folder (the split "
                             "colorize-prepare makes by default) instead of on CIFAR-10.")
    parser.add_argument("--photos", action="append", default=[], help="A folder of held-out color photos.")
    args = parser.parse_args()
    model, description = inference.load_colorizer(args.model)
    default = inference.Colorizer.from_description(model, description)
    colorizer = inference.Colorizer.from_description(model, description, saturation=1.0)
    features_of = keras.Model(model.input, model.get_layer(GLOBAL_LAYER).output)
    print(f"{args.model}: default gain {default.saturation:g}, temperature {default.temperature:g}, "
          f"correction in the logits: {'yes' if default.logit_shift is not None else 'no'}")

    if args.fit_photos:
        batches, _ = evaluate.folder_images(args.fit_photos, 10**9)
        # The split colorize-prepare makes by default, which data/holdout_photos.py also follows.
        defaults = prepare.PrepareConfig(source="", output="")
        fit_batches = (rgb for rgb, _, ids in batches if images.split_for(
            ids[0], defaults.validation_fraction, defaults.test_fraction) == "train")
    else:
        fit_batches = (rgb for rgb, _, _ in evaluate.shard_batches(args.shards, "train", 500, args.fit))
    fit_errors, fit_features, _ = measure(colorizer, features_of, fit_batches)
    print(f"regression fitted on {len(fit_errors):,} training images of {args.fit_photos or 'CIFAR-10'}")
    predict = fit_ridge(fit_features, GAINS[np.argmin(fit_errors, axis=1)])

    sets = [("CIFAR-10 validation", (rgb for rgb, _, _ in evaluate.shard_batches(
        args.shards, "validation", 500, args.cifar)))]
    for folder in args.photos:
        batches, _ = evaluate.folder_images(folder, 10**9)
        sets.append((folder, (rgb for rgb, _, _ in batches)))
    for name, batches in sets:
        errors, features, sizes = measure(colorizer, features_of, batches)
        best = np.argmin(errors, axis=1)
        predicted = predict(features)
        snapped = np.argmin(np.abs(predicted[:, None] - GAINS[None, :]), axis=1)
        default_column = int(np.argmin(np.abs(GAINS - default.saturation)))
        print(f"\n{name} ({len(errors)} images): PSNR gain over the grayscale copy, pooled / mean per image")
        for column, gain in enumerate(GAINS[1:], start=1):
            pooled, per_image = gains_over_gray(errors_at(errors, column), errors[:, 0], sizes)
            marker = "  (default)" if column == default_column else ""
            print(f"  gain {gain:<5g} {pooled:+6.2f} / {per_image:+6.2f} dB{marker}")
        pooled, per_image = gains_over_gray(errors_at(errors, best), errors[:, 0], sizes)
        print(f"  each image's best gain (oracle) {pooled:+6.2f} / {per_image:+6.2f} dB; "
              f"images per gain {np.bincount(best, minlength=len(GAINS)).tolist()}")
        pooled, per_image = gains_over_gray(errors_at(errors, snapped), errors[:, 0], sizes)
        correlation = np.corrcoef(predicted, GAINS[best])[0, 1]
        print(f"  gain predicted from the global features {pooled:+6.2f} / {per_image:+6.2f} dB; "
              f"correlation with the best gain r = {correlation:+.2f}")


if __name__ == "__main__":
    main()
