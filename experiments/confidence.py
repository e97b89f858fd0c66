"""Which per-image confidence, from the model's own distribution, finds the photos it colors worse than gray?

For each photo: its PSNR gain over the gray copy (automatic colors, full resolution) and
candidate confidences computed from the network's logits over the ab grid (the model's own
distribution p, at temperature 1, and the colors it outputs), among them:

- confidence: the mean over the image of 1 - entropy(p) / log Q (what the colorize job writes,
  inference.confidence_of; the best of these on the validation photos, so the one chosen);
- expected_gain: 1 - E_p|ab_out - ab|^2 / E_p|ab|^2 summed over the image, the share of the
  gray copy's color error that the model itself expects its output to remove;
- agreement: mean bins.hue_agreement (the likely colors agree in hue);
- peak: mean largest probability;
- certainty: minus the mean entropy of p (the same order as confidence, on its own scale);
- and measures of the output's vividness, its agreement with the mirrored photo's and with
  the photo seen at half the working size, its lightness.

Prints, for each: the share of the photos worse than gray that fall in the quarter it ranks
least confident (chance: 25%), and the rank correlation with the gain.

    python experiments/confidence.py --photos runs/photos-validation
"""

import argparse
import csv
import dataclasses
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from experiments.hint_curve import photos, psnr  # noqa: E402

# The model's modules import TensorFlow: each function imports those it uses, so that --help is instant.

CANDIDATES = ("confidence", "painted_extremes", "scale_agreement", "scale_agreement_ratio", "mean_lightness", "vivid_doubt", "vividness_cost", "painted_certainty", "expected_gain", "agreement", "peak", "certainty", "out_chroma", "gray_error", "out_error",
              "lightness_spread", "mirror_agreement")


_HALF_SIZE = {}


def half_size(colorizer):
    """The same model seen at half its working size (for the scale agreement), traced once."""
    if id(colorizer) not in _HALF_SIZE:
        _HALF_SIZE[id(colorizer)] = dataclasses.replace(colorizer, working_size=colorizer.working_size // 2)
    return _HALF_SIZE[id(colorizer)]


def candidates(colorizer, rgb):
    """The candidate confidences of one photo."""
    import tensorflow as tf

    from model import bins, inference

    lightness, extent = inference.network_input(rgb[None], colorizer.working_size, colorizer.geometry)
    rows, columns = int(np.ceil(extent[0])), int(np.ceil(extent[1]))
    logits = colorizer.logits(lightness)[:, :rows, :columns]
    probabilities = tf.nn.softmax(logits, axis=-1).numpy()[0]
    ab = colorizer.decode(lightness).numpy()[0, :rows, :columns]
    _, certainty = colorizer.decode_rated(lightness)
    mean_square = np.tensordot(probabilities, np.sum(colorizer.centers ** 2, axis=-1), axes=[[-1], [0]])
    mean_ab = np.tensordot(probabilities, colorizer.centers, axes=[[-1], [0]])
    out_error = np.maximum(mean_square - 2 * np.sum(ab * mean_ab, axis=-1) + np.sum(ab ** 2, axis=-1), 0)
    mirror, _ = inference.network_input(np.ascontiguousarray(rgb[None, :, ::-1]), colorizer.working_size,
                                        colorizer.geometry)
    flipped = colorizer.decode(mirror).numpy()[0, :rows, :columns][:, ::-1]
    cell_peak = probabilities.max(axis=-1)
    chroma2 = np.sum(ab ** 2, axis=-1)
    cell_l = (tf.nn.avg_pool2d(lightness, colorizer.geometry.output_stride, colorizer.geometry.output_stride,
                               "VALID").numpy()[0, :rows, :columns, 0] + 1.0) * 50.0
    extreme = (cell_l > 85) | (cell_l < 15)
    small = half_size(colorizer)
    small_ab, small_extent = inference.predict_ab(small, rgb[None])[:2]
    small_ab = small_ab[0, :int(np.ceil(small_extent[0])), :int(np.ceil(small_extent[1]))]
    upsampled = tf.image.resize(small_ab[None], (rows, columns), method="bilinear").numpy()[0]
    values = {"painted_extremes": -float(np.sum(chroma2 * extreme) / max(np.sum(chroma2), 1e-9)),
              "scale_agreement": -float(np.mean(np.sum((ab - upsampled) ** 2, axis=-1))),
              "scale_agreement_ratio": -float(np.mean(np.sum((ab - upsampled) ** 2, axis=-1)) / max(np.mean(chroma2), 1e-9)),
              "mean_lightness": float(np.mean(cell_l)),
              "vivid_doubt": -float(np.mean(chroma2 * (1 - cell_peak))),
              "vividness_cost": -float(np.sum(np.sum((ab - mean_ab) ** 2, axis=-1)) / max(np.sum(mean_square), 1e-9)),
              "painted_certainty": float(np.sum(chroma2 * np.sum(probabilities * np.log(np.maximum(probabilities, 1e-12)), axis=-1)) / max(np.sum(chroma2), 1e-9)),
              "out_chroma": float(np.sqrt(np.mean(np.sum(ab ** 2, axis=-1)))),
              "gray_error": float(np.mean(mean_square)), "out_error": float(np.mean(out_error)),
              "lightness_spread": float(np.std(lightness.numpy())),
              "mirror_agreement": -float(np.mean(np.sum((ab - flipped) ** 2, axis=-1))),
              "expected_gain": 1.0 - float(np.sum(out_error) / max(np.sum(mean_square), 1e-9)),
              "confidence": float(inference.confidence_of(certainty.numpy(), extent)[0]),
              "agreement": float(np.mean(bins.hue_agreement(logits, colorizer.centers))),
              "peak": float(np.mean(probabilities.max(axis=-1))),
              "certainty": float(np.mean(np.sum(probabilities * np.log(np.maximum(probabilities, 1e-12)), axis=-1)))}
    return values


def spearman(first, second):
    ranks = lambda values: np.argsort(np.argsort(values))
    return float(np.corrcoef(ranks(np.asarray(first)), ranks(np.asarray(second)))[0, 1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", required=True, help="a folder of color photos")
    parser.add_argument("--model", default="model/default/model.keras")
    parser.add_argument("--output", help="a CSV of each photo's gain and candidates")
    args = parser.parse_args(argv)
    from model import inference

    colorizer = inference.load(args.model)
    rows = []
    for index, (name, rgb) in enumerate(photos(args.photos)):
        gain = psnr(inference.colorize_image(colorizer, rgb), rgb) - psnr(inference.gray_copy(rgb[None])[0], rgb)
        rows.append({"image": name, "gain": gain, **candidates(colorizer, rgb)})
        print(f"{index + 1:4d} {name} {gain:+.2f} dB", flush=True)
    if args.output:
        with open(args.output, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    gains = np.array([row["gain"] for row in rows])
    worse = gains < 0
    quarter = int(np.ceil(len(rows) / 4))
    print(f"\n{len(rows)} photos, {worse.sum()} worse than gray; the least confident quarter is {quarter} photos")
    print(f"{'confidence':<16}{'worse-than-gray in least confident quarter':>44}{'rank correlation with gain':>28}")
    for name in CANDIDATES:
        values = np.array([row[name] for row in rows])
        least = np.argsort(values, kind="stable")[:quarter]
        share = worse[least].sum() / max(worse.sum(), 1)
        print(f"{name:<16}{share:>43.0%} {spearman(values, gains):>+27.2f}")


if __name__ == "__main__":
    main()
