"""Measure color quality: colorize color images from their lightness and compare with the originals.

    colorize-evaluate --data runs/cifar10-shards --split test --output runs/eval-cifar10
    colorize-evaluate --data ~/photos/color --output runs/eval-photos --temperature 0.3,0.5,1
    colorize-evaluate --data runs/photos-test --output runs/eval-hints --hints 0,1,3,10,30

Prints a table of MSE (RGB in [0, 1], over all pixels), PSNR, mean per-image PSNR, SSIM,
CIEDE2000, blotches (the share of pixels painted a vivid wrong color) and colorfulness
for the model and for the grayscale copy, and writes report.json (with per-class figures
for CIFAR-10), per_image.csv and grid.png (grayscale | colorized | ground truth) into --output.
"""

import argparse

from jobs import common
from pipeline.io import console


def evaluate_flags():
    """EvaluateConfig's flags, by field (pipeline/evaluate/job.py's dataclass holds the defaults; jobs/common.py)."""
    return {
        "data": {"help": "A shard folder from colorize-prepare, or a folder of color photos (full resolution)."},
        "output": {"help": "Folder for report.json and grid.png."},
        "split": {"help": "Split of a shard folder (default %(default)s)."},
        "temperatures": {"flag": "--temperature", "parse": common.comma_separated_floats,
                         "help": "Annealed-mean temperature(s), comma-separated, e.g. 0.3,0.5,1 (lower is more "
                                 "vivid; default: the model's own)."},
        "saturations": {"flag": "--saturation", "parse": common.comma_separated_floats,
                        "help": "Chroma gain(s), comma-separated, e.g. 1,1.2 (higher is more colorful; default: the "
                                "model's own)."},
        "working_size": {"help": "Short side in pixels at which the network sees a photo (default: the model's own)."},
        "limit": {"help": "Evaluate only the first N images."},
        "grid": {"help": "Images in grid.png (default %(default)s)."},
        "hints": {"parse": comma_separated_counts,
                  "help": "Counts of true hints per image, comma-separated, e.g. 0,1,3,10,30: each count above 0 "
                          "is measured with the guided model (model_..._hintsN) and as the hand-made spread of "
                          "the same hints over the automatic colors (model_..._spreadN), in one run."},
        "hint_seed": {"help": "Seed of the hints' draws (default %(default)s); each image's draw also depends "
                               "on its id, so the figures do not depend on the order of the images."},
    }


def comma_separated_counts(text):
    """"0,1,3" -> (0, 1, 3)."""
    try:
        counts = tuple(int(value) for value in text.split(","))
    except ValueError:
        counts = ()
    if not counts or min(counts) < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not comma-separated counts, e.g. 0,1,3,10,30")
    return counts


def parse_args(argv):
    console.load_tensorflow_quietly()  # EvaluateConfig's module imports it: loaded first, without its start-up lines
    from pipeline.evaluate.job import EvaluateConfig

    parser = common.make_parser("colorize-evaluate", __doc__)
    common.add_config_flags(parser, EvaluateConfig, evaluate_flags())
    common.add_model_flag(parser)
    common.add_verbose_flag(parser, "TensorFlow's")
    return common.parse_flags(parser, argv)


def main(argv=None):
    _, args = common.start(parse_args, argv)
    from model import inference
    from pipeline.evaluate import job as evaluate

    with common.user_errors():
        config = common.config_from_flags(evaluate.EvaluateConfig, args, model=common.model_path(args.model))
        model, description = inference.load_colorizer(config.model)
        report = evaluate.run_evaluate(config, lambda temperature, saturation: inference.Colorizer.from_description(
            model, description, temperature, config.working_size, saturation=saturation))
    print(evaluate.summary_table(report))
    print(f"wrote {config.output}/report.json, per_image.csv and grid.png")


if __name__ == "__main__":
    main()
