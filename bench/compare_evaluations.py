"""Compare two colorize-evaluate runs image by image: is a gain broad, or a few images?

    python bench/compare_evaluations.py runs/eval-A runs/eval-B [--method model_t0.5_s1.1]
    python bench/compare_evaluations.py runs/eval-A runs/eval-B --groups source
    python bench/compare_evaluations.py runs/eval-A runs/eval-B --groups data/photo_categories.csv

Reads the per_image.csv of both output folders (the same images, two models or two
settings) and prints, for the chosen method row of each (default: the first model method
of each file), how many images B beats A on, the median and mean per-image PSNR
difference, and how much of the change in total squared error the images with the
largest changes carry; with the odds that chance alone gives a split that lopsided (a
two-sided sign test) and a 95% interval for the median difference (a paired bootstrap over
the images), since two models of one family often differ by less than a hundred photos can
tell; and beside them the share of pixels painted a vivid wrong color
(blotches), when both runs measured it. On a few dozen validation photos, MSE pooled
over all pixels is mostly the few photos with large errors: a pooled gain that one photo
carries is not one to choose a model by.

With --groups, it also prints the figures group by group: by photo source (the first folder
of each image id, as `holdout_photos.py --gather` lays them out) or by the categories of a
CSV of path,category rows such as data/photo_categories.csv, so that a gain carried by one
source's look, or a loss on people, shows.
"""

import argparse
import collections
import csv
import math
import os
import sys

import numpy as np

PER_IMAGE_NAME = "per_image.csv"  # as colorize-evaluate writes it
GRAY_METHOD = "grayscale_copy"
SHOWN = 3  # images with the largest changes, listed by name
RESAMPLES = 10_000  # bootstrap resamples of the images for the interval of the median difference
BY_SOURCE = "source"  # --groups value: the first folder of each image id
UNGROUPED = "(not in the file)"  # the group of images a --groups CSV does not list


def read_run(folder):
    """{method: {image id: (mse, psnr, blotches)}} from a colorize-evaluate output folder.

    Blotches are NaN in files written before colorize-evaluate measured them.
    """
    path = os.path.join(folder, PER_IMAGE_NAME)
    if not os.path.exists(path):
        sys.exit(f"error: {path} does not exist; pass folders that colorize-evaluate --output wrote")
    methods = {}
    with open(path, newline="") as file:
        for row in csv.DictReader(file):
            methods.setdefault(row["method"], {})[row["id"]] = (
                float(row["mse"]), float(row["psnr"]), float(row.get("blotches", "nan")))
    return methods


def pick(methods, name, folder):
    """The rows of method `name`, or of the file's first model method when `name` is None."""
    if name is None:
        name = next((method for method in methods if method != GRAY_METHOD), None)
    if name not in methods:
        sys.exit(f"error: no method {name!r} in {folder}; it has {', '.join(methods)}")
    return name, methods[name]


def sign_test(wins, losses):
    """Two-sided exact sign test: the chance of a split at least this lopsided if either side is as likely to win.

    Ties are left out, as the test does."""
    trials = wins + losses
    if trials == 0:
        return 1.0
    extreme = min(wins, losses)
    tail = sum(math.comb(trials, k) for k in range(extreme + 1)) / 2 ** trials
    return min(1.0, 2 * tail)


def median_interval(difference, resamples=RESAMPLES, seed=0):
    """The 2.5th and 97.5th percentiles of the median of `difference` over images drawn with replacement."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(difference), size=(resamples, len(difference)))
    medians = np.median(difference[draws], axis=1)
    return float(np.percentile(medians, 2.5)), float(np.percentile(medians, 97.5))


def groups_of(ids, groups):
    """{image id: group}: `groups` is BY_SOURCE or the path of a CSV with path and category columns."""
    if groups == BY_SOURCE:
        return {key: key.split("/", 1)[0] if "/" in key else "." for key in ids}
    if not os.path.exists(groups):
        sys.exit(f"error: --groups {groups} is neither {BY_SOURCE!r} nor an existing CSV file")
    with open(groups, newline="") as file:
        reader = csv.DictReader(file)
        if not {"path", "category"} <= set(reader.fieldnames or ()):
            sys.exit(f"error: {groups} needs path and category columns (as data/photo_categories.csv has)")
        categories = {row["path"]: row["category"] for row in reader}
    return {key: categories.get(key, UNGROUPED) for key in ids}


def gray_psnr_of(methods, ids, folder):
    """The grayscale copy's PSNR of each image of `ids`, from a run's rows; exits if a run lacks them."""
    gray = methods.get(GRAY_METHOD, {})
    if not set(ids) <= set(gray):
        sys.exit(f"error: --groups needs the {GRAY_METHOD} rows of every image in {folder}/{PER_IMAGE_NAME}, "
                 "which colorize-evaluate writes; evaluate again with a current version")
    return np.array([gray[key][1] for key in ids])


def group_table(ids, group, gray_psnr, psnr_a, psnr_b, blotches_a, blotches_b):
    """Rows of figures per group, the largest first, and for all images: count, A and B against gray, B against A."""
    sizes = collections.Counter(group.values())
    names = sorted(sizes, key=lambda name: (-sizes[name], name))
    rows = []
    for name in names + ["all"]:
        chosen = np.array([name == "all" or group[key] == name for key in ids])
        gain_a, gain_b = psnr_a[chosen] - gray_psnr[chosen], psnr_b[chosen] - gray_psnr[chosen]
        rows.append((name, int(chosen.sum()), float(np.median(gain_a)), int(np.sum(gain_a > 0)),
                     float(np.max(blotches_a[chosen])), float(np.median(gain_b)), int(np.sum(gain_b > 0)),
                     float(np.max(blotches_b[chosen])), int(np.sum(psnr_b[chosen] > psnr_a[chosen]))))
    return rows


def print_group_table(rows, has_blotches):
    """The rows of `group_table` as a Markdown table, ready for a model card."""
    worst = " | A worst blotches | B worst blotches" if has_blotches else ""
    print(f"\n| group | images | A median gain over gray | A better than gray | B median gain over gray "
          f"| B better than gray{worst} | B beats A |")
    print("|---" * (9 if has_blotches else 7) + "|")
    for name, count, gain_a, better_a, worst_a, gain_b, better_b, worst_b, wins in rows:
        blotches = f" | {worst_a:.1%} | {worst_b:.1%}" if has_blotches else ""
        print(f"| {name} | {count} | {gain_a:+.2f} dB | {better_a} | {gain_b:+.2f} dB | {better_b}{blotches} "
              f"| {wins} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", help="colorize-evaluate output folder of the reference (A)")
    parser.add_argument("b", help="colorize-evaluate output folder of the candidate (B)")
    parser.add_argument("--method", default=None, help="Method row to compare in both, e.g. model_t0.5_s1.1.")
    parser.add_argument("--method-b", default=None, help="A different method row for B (default: --method).")
    parser.add_argument("--groups", default=None,
                        help=f"Also print the figures per group: {BY_SOURCE!r} (the first folder of each image id) "
                             "or a CSV of path,category rows such as data/photo_categories.csv.")
    args = parser.parse_args()
    runs = [read_run(args.a), read_run(args.b)]
    name_a, rows_a = pick(runs[0], args.method, args.a)
    name_b, rows_b = pick(runs[1], args.method_b or args.method, args.b)
    ids = sorted(set(rows_a) & set(rows_b))
    if len(ids) < max(len(rows_a), len(rows_b)):
        print(f"warning: comparing the {len(ids)} images the two runs share "
              f"({len(rows_a)} in A, {len(rows_b)} in B)")
    if not ids:
        sys.exit("error: the two runs share no image ids; evaluate the same data with both")
    if args.groups is not None:  # checked before anything is printed
        group, gray_psnr = groups_of(ids, args.groups), gray_psnr_of(runs[0], ids, args.a)
    mse_a, psnr_a, blotches_a = np.array([rows_a[key] for key in ids]).T
    mse_b, psnr_b, blotches_b = np.array([rows_b[key] for key in ids]).T
    has_blotches = not (np.isnan(blotches_a).any() or np.isnan(blotches_b).any())
    difference = psnr_b - psnr_a
    change = mse_b - mse_a  # per image; its sum is the change in total squared error (equal sizes)
    order = np.argsort(-np.abs(change))
    print(f"A: {args.a} ({name_a})\nB: {args.b} ({name_b})\n{len(ids)} images")
    print(f"mean image MSE: A {np.mean(mse_a):.5f}, B {np.mean(mse_b):.5f} "
          f"({10 * np.log10(np.mean(mse_a) / np.mean(mse_b)):+.2f} dB for B)")
    wins, losses = int(np.sum(difference > 0)), int(np.sum(difference < 0))
    low, high = median_interval(difference)
    print(f"B beats A on {wins} of {len(ids)} images (sign test: p = {sign_test(wins, losses):.2f} that "
          f"chance alone splits them so unevenly); per-image PSNR difference median "
          f"{np.median(difference):+.2f} dB (95% bootstrap interval {low:+.2f} to {high:+.2f}), "
          f"mean {np.mean(difference):+.2f} dB")
    if has_blotches:
        print(f"blotches (pixels painted a vivid wrong color) per image: mean A {np.mean(blotches_a):.1%}, "
              f"B {np.mean(blotches_b):.1%}; worst A {np.max(blotches_a):.1%}, B {np.max(blotches_b):.1%}; "
              f"B has fewer on {np.sum(blotches_b < blotches_a)} and more on {np.sum(blotches_b > blotches_a)} "
              f"of {len(ids)} images")
    total = float(np.sum(change))
    for count in (1, SHOWN):
        share = float(np.sum(change[order[:count]])) / total if total else float("nan")
        print(f"the {count} image(s) with the largest change carry {share:.0%} of the change in total "
              f"squared error ({total:+.5f})")
    for index in order[:SHOWN]:
        blotches = f", blotches {blotches_a[index]:.1%} -> {blotches_b[index]:.1%}" if has_blotches else ""
        print(f"  {ids[index]}: MSE {mse_a[index]:.5f} -> {mse_b[index]:.5f}, {difference[index]:+.2f} dB{blotches}")
    if args.groups is not None:
        print_group_table(group_table(ids, group, gray_psnr, psnr_a, psnr_b, blotches_a, blotches_b), has_blotches)


if __name__ == "__main__":
    main()
