"""The vividness curve of a model: MSE and colorfulness over decoding settings, on validation data.

    python bench/tune_decoding.py --model runs/default-v1/model.keras --shards runs/cifar10-shards \\
        --photos data/downloads/endless-sky-photos-validation

For each temperature and prior correction, prints MSE (RGB in [0, 1], all pixels), PSNR
and colorfulness as a share of the ground truth's, on the CIFAR-10 validation split (not
the test split, which stays untouched for the model card) and, with --photos, at full
resolution on held-out photos for each working size. The shipped defaults are chosen
from this table.

Pooled over all pixels, a few photos with large errors weigh most, and validation folders
of a few dozen photos are small. So the photo table also gives the mean and the median of the
per-photo PSNR gain over the grayscale copy, on how many photos it beats that copy, and on
how many photos each setting beats the table's first row: a gain that comes
from a handful of photos (say 14 of 25) is not one to choose a default by. It also gives the
share of pixels painted a vivid wrong color (metrics.blotch_mask), the mean over the photos
and on the worst one.

The network runs once per image and working size; every decoding row decodes those same
predictions (bins and Colorizer.decode_logits), so a row costs the composing and the
metrics only. Models are best compared at equal colorfulness: `--colorfulness 0.65` finds,
for each temperature, correction and agreement, the chroma gain at which the photos keep
that share of the true colorfulness (by bisection, to within half a percent) and prints
that row (`--saturations` is then ignored).

`--write MODEL_DIR` makes the one decoding measured (one temperature, correction, gain or
--colorfulness, agreement and working size) that model's default: it is written into
MODEL_DIR/model.json, the only way the shipped defaults are set:

    python bench/tune_decoding.py --model model/default/model.keras --photos runs/photos-validation \
        --temperatures 0.7 --corrections 1 --colorfulness 0.65 --agreements 0.5 --working-sizes 256 \
        --write model/default
"""

import argparse
import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.io import console

console.configure_logging(verbose=False, tensorflow=False)  # TensorFlow loads once the flags are parsed, in main

import numpy as np

# The model's modules import TensorFlow: each function imports those it uses, so that --help is instant.

GAIN_RANGE = (0.5, 4.0)  # where --colorfulness searches for the chroma gain
COLORFULNESS_TOLERANCE = 0.005  # share of the true colorfulness
CIFAR_BATCH = 100  # images per cached prediction (the tool peaked at 12.4 GB with 500, 4.9 GB with 100)


def measure(pairs, blotches=None, truth_colorful=None):
    """Pooled MSE, mean colorfulness of the outputs and of the truth, and each image's PSNR.

    `pairs`: (outputs, truths) uint8 RGB batches. Each image's share of blotches
    (metrics.blotch_mask) is appended to the list `blotches` if one is given. The truths'
    mean colorfulness is computed unless given (`truth_colorful`, from an earlier measure of them).
    """
    from model import metrics

    squared, values, colorful, truths, psnrs = 0.0, 0, [], [], []
    for out, rgb in pairs:
        if blotches is not None:
            blotches.extend(np.mean(metrics.blotch_mask(metrics.lab_of(image), metrics.lab_of(truth)))
                            for image, truth in zip(out, rgb))
        squared_errors = (out.astype(np.float64) / 255.0 - rgb / 255.0) ** 2
        squared += float(np.sum(squared_errors))
        values += squared_errors.size
        colorful.extend(np.atleast_1d(metrics.colorfulness(out)))
        if truth_colorful is None:
            truths.extend(np.atleast_1d(metrics.colorfulness(rgb)))
        psnrs.extend(metrics.per_image_psnr(np.mean(squared_errors, axis=(1, 2, 3))))
    mse = squared / values
    truth = float(np.mean(truths)) if truth_colorful is None else truth_colorful
    return mse, float(np.mean(colorful)), truth, np.asarray(psnrs)


def predictions(model, description, batches, working_size=None):
    """(images, the network's logits as float16, ab extent) per batch: the network run once, decoded many ways."""
    from model import inference

    colorizer = inference.Colorizer.from_description(model, description, working_size=working_size)
    found = []
    for rgb in batches:
        lightness, extent = inference.network_input(rgb, colorizer.working_size, colorizer.geometry)
        found.append((rgb, colorizer.network_logits(lightness).numpy().astype(np.float16), extent))
    return found


def decoded(colorizer, found):
    """(outputs, truths) for predictions() decoded by `colorizer`."""
    import tensorflow as tf

    from model import inference

    for rgb, logits, extent in found:
        yield inference.compose(rgb, colorizer.decode_logits(tf.constant(logits, tf.float32)).numpy(), extent), rgb


def gain_for_colorfulness(share, colorfulness_at):
    """The chroma gain in GAIN_RANGE whose colorfulness share, colorfulness_at(gain), is `share` (bisection)."""
    low, high = GAIN_RANGE
    for _ in range(20):
        middle = (low + high) / 2
        reached = colorfulness_at(middle)
        if abs(reached - share) <= COLORFULNESS_TOLERANCE:
            return middle
        low, high = (middle, high) if reached < share else (low, middle)
    return (low + high) / 2


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--shards", default="runs/cifar10-shards")
    parser.add_argument("--split", default="validation")
    parser.add_argument("--limit", type=int, default=5000)
    parser.add_argument("--photos", default=None, help="A folder of held-out color photos.")
    parser.add_argument("--temperatures", default="0.2,0.3,0.38,0.5,0.7,1.0")
    parser.add_argument("--corrections", default="0,0.5,1.0")
    parser.add_argument("--saturations", default="1", help="Chroma gains, e.g. 1,1.2,1.4.")
    parser.add_argument("--agreements", default="0", help="Hue agreement powers, e.g. 0,0.5,1 (0: off).")
    parser.add_argument("--working-sizes", default="128,192,256")
    parser.add_argument("--colorfulness", type=float, default=None,
                        help="Instead of --saturations, the chroma gain at which the photos (CIFAR-10 without "
                             "--photos) keep this share of the true colorfulness, e.g. 0.65.")
    parser.add_argument("--write", metavar="MODEL_DIR", default=None,
                        help="Write the one decoding measured into MODEL_DIR/model.json as the model's defaults.")
    args = parser.parse_args()
    console.load_tensorflow_quietly()
    from model import inference, metrics
    from pipeline.evaluate import job as evaluate

    if args.write and not os.path.exists(os.path.join(args.write, inference.MODEL_CONFIG_NAME)):
        parser.error(f"--write {args.write}: no {inference.MODEL_CONFIG_NAME} there; give the folder of the model")
    if args.write and any("," in value for value in (args.temperatures, args.corrections, args.agreements,
                                                      args.working_sizes, args.saturations)):
        parser.error("--write takes one decoding: give one value to each of --temperatures, --corrections, "
                     "--agreements, --working-sizes and --saturations (or --colorfulness)")
    if args.colorfulness is not None and not 0 < args.colorfulness < 2:
        parser.error(f"--colorfulness is a share of the true colorfulness, e.g. 0.65; got {args.colorfulness:g}")
    model, description = inference.load_colorizer(args.model)
    temperatures = [float(value) for value in args.temperatures.split(",")]
    corrections = [float(value) for value in args.corrections.split(",")]
    saturations = [None] if args.colorfulness is not None else [float(value) for value in args.saturations.split(",")]
    decodings = list(itertools.product(corrections, temperatures, saturations,
                                       [float(value) for value in args.agreements.split(",")]))

    def colorizer_for(working_size, correction, temperature, gain, agreement):
        return inference.Colorizer.from_description(model, description, temperature, working_size, correction, gain,
                                                    agreement)

    gains = {}  # (working size, correction, temperature, agreement): the gain matched to --colorfulness

    def matched(found, truth, working_size, correction, temperature, gain, agreement):
        """The decoding's gain: its own, or the one that reaches --colorfulness on `found` (truth: its truths'
        mean colorfulness)."""
        if gain is not None:
            return gain
        key = (working_size, correction, temperature, agreement)
        if key in gains:
            return gains[key]

        def share(candidate):
            _, colorful, _, _ = measure(decoded(colorizer_for(working_size, correction, temperature, candidate,
                                                              agreement), found), truth_colorful=truth)
            return colorful / truth

        gains[key] = gain_for_colorfulness(args.colorfulness, share)
        return gains[key]

    cifar = [rgb for rgb, _, _ in evaluate.shard_batches(args.shards, args.split, CIFAR_BATCH, args.limit)]
    # Pooled over all pixels, as every row below.
    gray_mse, _, cifar_truth, _ = measure((inference.gray_copy(rgb), rgb) for rgb in cifar)
    print(f"CIFAR-10 {args.split} ({sum(len(rgb) for rgb in cifar):,} images); grayscale copy MSE "
          f"{gray_mse:.5f} ({metrics.psnr_from_mse(gray_mse):.2f} dB)")
    cifar_found = predictions(model, description, cifar)
    del cifar
    photo_found = {}
    if args.photos:
        batches, _, _ = evaluate.folder_images(args.photos, 10**9)
        photos = [rgb for rgb, _, _ in batches]
        photo_found = {size: predictions(model, description, photos, size)
                       for size in [int(value) for value in args.working_sizes.split(",")]}
        gray, _, photo_truth, gray_psnrs = measure((inference.gray_copy(rgb), rgb) for rgb in photos)
    print(f"{'T':>6}{'correction':>12}{'gain':>6}{'agree':>7}{'MSE':>10}{'PSNR':>8}{'colorful':>10}{'share':>8}")
    for correction, temperature, gain, agreement in decodings:
        if gain is None and photo_found:  # matched on the photos below, at the first working size
            size = next(iter(photo_found))
            gain = matched(photo_found[size], photo_truth, size, correction, temperature, None, agreement)
        gain = matched(cifar_found, cifar_truth, None, correction, temperature, gain, agreement)
        mse, colorful, truth, _ = measure(decoded(colorizer_for(None, correction, temperature, gain, agreement),
                                                  cifar_found), truth_colorful=cifar_truth)
        print(f"{temperature:>6g}{correction:>12g}{gain:>6.3g}{agreement:>7g}{mse:>10.5f}"
              f"{metrics.psnr_from_mse(mse):>8.2f}{colorful:>10.1f}{colorful / truth:>8.0%}", flush=True)

    if not photo_found:
        write_defaults(args, gain, correction, temperature, agreement, None)
        return
    gray_image_psnr = metrics.mean_image_psnr(gray_psnrs)
    print(f"\nphotos {args.photos} ({len(photos)} at full resolution); grayscale copy "
          f"{metrics.psnr_from_mse(gray):.2f} dB, mean image PSNR {gray_image_psnr:.2f} dB")
    print(f"{'size':>6}{'T':>6}{'correction':>12}{'gain':>6}{'agree':>7}{'PSNR':>8}{'gain dB':>9}"
          f"{'img gain':>10}{'median':>8}{'beats gray':>12}{'colorful':>10}{'share':>8}{'blotches':>10}"
          f"{'worst':>8}{'beats row 1':>13}")
    first = None
    for working_size, (correction, temperature, gain, agreement) in itertools.product(photo_found, decodings):
        found = photo_found[working_size]
        gain = matched(found, photo_truth, working_size, correction, temperature, gain, agreement)
        blotches = []
        mse, colorful, truth, psnrs = measure(decoded(colorizer_for(working_size, correction, temperature, gain,
                                                                    agreement), found), blotches, photo_truth)
        first = psnrs if first is None else first
        psnr = metrics.psnr_from_mse(mse)
        print(f"{working_size:>6}{temperature:>6g}{correction:>12g}{gain:>6.3g}{agreement:>7g}{psnr:>8.2f}"
              f"{psnr - metrics.psnr_from_mse(gray):>9.2f}{metrics.mean_image_psnr_gain(psnrs, gray_psnrs):>10.2f}"
              f"{np.median(psnrs - gray_psnrs):>8.2f}{f'{np.sum(psnrs > gray_psnrs)}/{len(psnrs)}':>12}"
              f"{colorful:>10.1f}{colorful / truth:>8.0%}{np.mean(blotches):>10.1%}{max(blotches):>8.1%}"
              f"{f'{np.sum(psnrs > first)}/{len(psnrs)}':>13}", flush=True)
    write_defaults(args, gain, correction, temperature, agreement, working_size)


def write_defaults(args, gain, correction, temperature, agreement, working_size):
    """With --write: the decoding measured last (the only one) as the model's defaults in its model.json."""
    if not args.write:
        return
    from model import inference, run_folder

    path = os.path.join(args.write, inference.MODEL_CONFIG_NAME)
    description = run_folder.read_json(path)
    chosen = {"default_temperature": temperature, "prior_correction": correction, "saturation": float(gain),
              "agreement_power": agreement}
    if working_size is not None:
        chosen["working_size"] = working_size
    changes = ", ".join(f"{key} {description.get(key)} -> {value:g}" for key, value in chosen.items())
    description.update(chosen)
    run_folder.write_json(path, description)
    print(f"\nwrote {path}: {changes}")


if __name__ == "__main__":
    main()
