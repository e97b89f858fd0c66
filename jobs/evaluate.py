"""Measure color quality: colorize color images from their lightness and compare with the originals.

    colorize-evaluate --data runs/cifar10-shards --split test --output runs/eval-cifar10
    colorize-evaluate --data ~/photos/color --output runs/eval-photos --temperature 0.3,0.5,1

Prints a table of MSE (RGB in [0, 1], over all pixels), PSNR, mean per-image PSNR, SSIM,
CIEDE2000, blotches (the share of pixels painted a vivid wrong color) and colorfulness
for the model and for the grayscale copy, and writes report.json (with per-class figures
for CIFAR-10), per_image.csv and grid.png (grayscale | colorized | ground truth) into --output.
"""

import argparse

from jobs import common


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="colorize-evaluate", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True,
                        help="A shard folder from colorize-prepare, or a folder of color photos (full resolution).")
    common.add_model_flag(parser)
    parser.add_argument("--output", required=True, help="Folder for report.json and grid.png.")
    parser.add_argument("--split", default="test", help="Split of a shard folder (default test).")
    parser.add_argument("--temperature", default=None,
                        help="Annealed-mean temperature(s), comma-separated, e.g. 0.3,0.5,1 "
                             "(lower is more vivid; default: the model's own).")
    parser.add_argument("--saturation", default=None,
                        help="Chroma gain(s), comma-separated, e.g. 1,1.2 (higher is more colorful; "
                             "default: the model's own).")
    parser.add_argument("--working-size", type=int, default=None,
                        help="Short side in pixels at which the network sees a photo (default: the model's own).")
    parser.add_argument("--limit", type=int, default=None, help="Evaluate only the first N images.")
    parser.add_argument("--grid", type=int, default=12, help="Images in grid.png (default 12).")
    common.add_verbose_flag(parser, "TensorFlow's")
    return parser.parse_args(argv)


def main(argv=None):
    _, args = common.start(parse_args, argv)
    from model import inference
    from pipeline.evaluate import job as evaluate

    with common.user_errors():
        temperatures = tuple(float(value) for value in args.temperature.split(",")) if args.temperature else ()
        saturations = tuple(float(value) for value in args.saturation.split(",")) if args.saturation else ()
        model_path = common.model_path(args.model)
        model, description = inference.load_colorizer(model_path)
        config = evaluate.EvaluateConfig(
            data=args.data, model=model_path, output=args.output, split=args.split, temperatures=temperatures,
            saturations=saturations, working_size=args.working_size, limit=args.limit, grid=args.grid)
        report = evaluate.run_evaluate(config, lambda temperature, saturation: inference.Colorizer.from_description(
            model, description, temperature, args.working_size, saturation=saturation))
    print(evaluate.summary_table(report))
    print(f"wrote {args.output}/report.json, per_image.csv and grid.png")


if __name__ == "__main__":
    main()
