"""How much would each image's own chroma gain be worth, and does the network know it?

    python experiments/saturation_headroom.py --model model/default/model.keras \\
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

It then does the same for each image's overall color, its cast: the decoded ab (at the
default gain) shifted so that its mean is the true image's mean ab (an oracle), and
shifted by that difference as predicted from the same features.

Runs on validation data only; the test splits stay untouched for the model card.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.io import console

console.configure_logging(verbose=False, tensorflow=False)  # TensorFlow loads once the flags are parsed, in main

import numpy as np

from pipeline.io import images

# The model's modules import TensorFlow: each function imports those it uses, so that --help is instant.

GAINS = np.array([0.0, 0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0])
GLOBAL_LAYER = "global_dense"
RIDGE = 10.0  # on standardized features


def measure(colorizer, features_of, batches, default_gain, predict_cast=None):
    """Per image, as arrays with one row per image:

    - errors (N, G): squared error at each gain of the grid;
    - features (N, F): the global features;
    - sizes (N,): the pixel count;
    - cast (N, 2): the true mean ab minus the decoded one at the default gain;
    - cast_errors (N, 2): squared error with that cast added (the oracle), and with the cast
      that `predict_cast` gives for the features (NaN without it).
    """
    from model import color, inference

    rows = {key: [] for key in ("errors", "features", "sizes", "cast", "cast_errors")}
    for rgb in batches:
        lightness, extent = inference.network_input(rgb, colorizer.working_size, colorizer.geometry)
        ab = colorizer.decode(lightness).numpy()
        # The mean over the ab pixels that the image covers, not the padding.
        covered = ab[:, :int(np.ceil(extent[0])), :int(np.ceil(extent[1]))]
        chroma = np.mean(np.linalg.norm(covered, axis=-1), axis=(1, 2))
        features = np.concatenate([np.asarray(features_of(lightness)), chroma[:, None]], axis=1)
        cast = color.srgb8_to_lab(rgb)[..., 1:].mean(axis=(1, 2)) - default_gain * covered.mean(axis=(1, 2))
        shifts = [cast, predict_cast(features) if predict_cast else None]
        rows["errors"].append(np.stack([squared_errors(rgb, ab * gain, extent) for gain in GAINS], axis=1))
        rows["cast_errors"].append(np.stack([
            squared_errors(rgb, ab * default_gain + shift[:, None, None, :], extent) if shift is not None
            else np.full(len(rgb), np.nan) for shift in shifts], axis=1))
        rows["features"].append(features)
        rows["sizes"].append(np.full(len(rgb), rgb[0].size, dtype=np.float64))
        rows["cast"].append(cast)
    return {key: np.concatenate(values) for key, values in rows.items()}


def global_features_of(model):
    """A function: the network's input -> its GLOBAL_LAYER output, in the U-Net or inside the pretrained decoder."""
    import keras

    if GLOBAL_LAYER in [layer.name for layer in model.layers]:
        return keras.Model(model.input, model.get_layer(GLOBAL_LAYER).output)
    features, decoder = model.get_layer("features"), model.get_layer("decoder")
    scene = keras.Model(decoder.inputs, decoder.get_layer(GLOBAL_LAYER).output)
    return lambda lightness: scene(features(lightness))


def squared_errors(rgb, ab, extent):
    """Per-image MSE (N,) of uint8 images (N, H, W, 3) colorized with the ab field (N, h, w, 2)."""
    from model import inference

    return np.mean((inference.compose(rgb, ab, extent) / 255.0 - rgb / 255.0) ** 2, axis=(1, 2, 3))


def fit_ridge(features, targets):
    """A linear map from standardized features to targets (N,) or (N, K), with an L2 penalty on the slopes only."""
    mean, scale, offset = features.mean(axis=0), features.std(axis=0) + 1e-6, targets.mean(axis=0)
    standardized = (features - mean) / scale
    slopes = np.linalg.solve(standardized.T @ standardized + RIDGE * np.eye(standardized.shape[1]),
                             standardized.T @ (targets - offset))
    return lambda values: (values - mean) / scale @ slopes + offset


def gains_over_gray(errors, gray, sizes):
    """(dB pooled over all pixels, mean per-image dB) of per-image squared errors (N,) over the grayscale copy's."""
    from model import metrics

    return (metrics.psnr_from_mse(np.average(errors, weights=sizes))
            - metrics.psnr_from_mse(np.average(gray, weights=sizes)),
            metrics.mean_image_psnr_gain(metrics.per_image_psnr(errors), metrics.per_image_psnr(gray)))


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
    console.load_tensorflow_quietly()
    from model import inference
    from pipeline.evaluate import job as evaluate

    model, description = inference.load_colorizer(args.model)
    default = inference.Colorizer.from_description(model, description)
    colorizer = inference.Colorizer.from_description(model, description, saturation=1.0)
    features_of = global_features_of(model)
    print(f"{args.model}: default gain {default.saturation:g}, temperature {default.temperature:g}, "
          f"correction in the logits: {'yes' if default.logit_shift is not None else 'no'}")

    if args.fit_photos:
        batches, _, _ = evaluate.folder_images(args.fit_photos, 10**9)
        # The split colorize-prepare makes by default, which data/holdout_photos.py also follows.
        fit_batches = (rgb for rgb, _, ids in batches if images.split_for(
            ids[0], images.VALIDATION_FRACTION, images.TEST_FRACTION) == "train")
    else:
        fit_batches = (rgb for rgb, _, _ in evaluate.shard_batches(args.shards, "train", 500, args.fit))
    fit = measure(colorizer, features_of, fit_batches, default.saturation)
    print(f"regressions fitted on {len(fit['errors']):,} training images of {args.fit_photos or 'CIFAR-10'}")
    predict = fit_ridge(fit["features"], GAINS[np.argmin(fit["errors"], axis=1)])
    predict_cast = fit_ridge(fit["features"], fit["cast"])

    sets = [("CIFAR-10 validation", (rgb for rgb, _, _ in evaluate.shard_batches(
        args.shards, "validation", 500, args.cifar)))]
    for folder in args.photos:
        batches, _, _ = evaluate.folder_images(folder, 10**9)
        sets.append((folder, (rgb for rgb, _, _ in batches)))
    for name, batches in sets:
        measured = measure(colorizer, features_of, batches, default.saturation, predict_cast)
        errors, sizes = measured["errors"], measured["sizes"]
        gray = errors[:, 0]
        best = np.argmin(errors, axis=1)
        predicted = predict(measured["features"])
        snapped = np.argmin(np.abs(predicted[:, None] - GAINS[None, :]), axis=1)
        default_column = int(np.argmin(np.abs(GAINS - default.saturation)))
        print(f"\n{name} ({len(errors)} images): PSNR gain over the grayscale copy, pooled / mean per image")
        for column, gain in enumerate(GAINS[1:], start=1):
            pooled, per_image = gains_over_gray(errors_at(errors, column), gray, sizes)
            marker = "  (default)" if column == default_column else ""
            print(f"  gain {gain:<5g} {pooled:+6.2f} / {per_image:+6.2f} dB "
                  f"(MSE {np.average(errors[:, column], weights=sizes):.5f}){marker}")
        pooled, per_image = gains_over_gray(errors_at(errors, best), gray, sizes)
        print(f"  each image's best gain (oracle) {pooled:+6.2f} / {per_image:+6.2f} dB; "
              f"images per gain {np.bincount(best, minlength=len(GAINS)).tolist()}")
        pooled, per_image = gains_over_gray(errors_at(errors, snapped), gray, sizes)
        correlation = np.corrcoef(predicted, GAINS[best])[0, 1]
        print(f"  gain predicted from the global features {pooled:+6.2f} / {per_image:+6.2f} dB; "
              f"correlation with the best gain r = {correlation:+.2f}")
        for column, label in enumerate(["each image's true mean ab (oracle cast)",
                                        "cast predicted from the global features"]):
            cast_errors = measured["cast_errors"][:, column]
            pooled, per_image = gains_over_gray(cast_errors, gray, sizes)
            print(f"  {label} {pooled:+6.2f} / {per_image:+6.2f} dB "
                  f"(MSE {np.average(cast_errors, weights=sizes):.5f})")


if __name__ == "__main__":
    main()
