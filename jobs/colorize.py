"""Colorize every image under a folder at full resolution, into the same paths under --output.

    colorize --input data/samples --output runs/samples-colorized
    colorize --input '/archive/scans/**/*.tif' --output /archive/color --compare
    colorize --input photos --output colored --direct_running_mode=multi_processing --direct_num_workers=2

Each output has its input's size, format and gray (ITU-R 601 luma, to the rounding of its
levels); transparency and metadata (EXIF, XMP, IPTC) are kept, and the output is marked as
colorized by a model (XMP DigitalSourceType, the model and settings; EXIF Software) unless
--no-provenance. Toned scans (sepia, cyan) are colorized as gray ones, even with --keep-color. A re-run
redoes exactly the outputs whose input, model or settings changed since they were written
(recorded in OUTPUT/.colorize/state.json; --overwrite redoes all), never replaces a file it
did not write, and never leaves a partial file. OUTPUT/.colorize/report.json lists what was
done, every file that failed with the reason, and outputs whose input was deleted. Exit
status: 0 all done, 1 some inputs failed, 2 a usage error, 3 another run is writing to the
same output, 4 an output could not be written (a full disk, permissions, a name too long),
130 interrupted (Ctrl-C). Any other flag is a Beam pipeline option, e.g.
--runner=DaskRunner --dask_client_address=HOST:8786 for a Dask cluster (README: "On a Dask
cluster"; other Beam runners take their own flags but are untested).
"""

import argparse
import os
import sys

from jobs import common

EXIT_SOME_FAILED = 1
EXIT_LOCKED = common.EXIT_LOCKED
EXIT_OUTPUT_FAILED = common.EXIT_OUTPUT_FAILED
SWITCHES = {  # flags without a value -> their help
    "--keep-color": "Copy inputs that are already in color unchanged instead of recolorizing them.",
    "--overwrite": "Colorize every input, even up-to-date ones (files colorize did not write are still never "
                   "replaced).",
    "--remove-orphans": "Delete outputs whose input was deleted (by default they are only listed).",
    "--compare": "Also write OUTPUT/.colorize/compare/NAME: the input and the result side by side.",
    "--no-provenance": "Leave out the mark of what made the colors (XMP DigitalSourceType, the tool, model and "
                       "settings; EXIF Software). The input's own metadata is kept either way.",
    "--contact-sheet": "Also write OUTPUT/.colorize/contact-sheet.jpg: thumbnails of the images this run "
                       "colorized (the first 100 by path).",
}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="colorize", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True, help="A folder (searched recursively) or a glob of images.")
    parser.add_argument("--output", required=True, help="Folder for the colorized images (outside the input).")
    common.add_model_flag(parser, "the shipped model, no download")
    parser.add_argument("--temperature", type=float, default=None,
                        help="Vividness: annealed-mean temperature, lower is more vivid, 1.0 the safest "
                             "(default: the model's own, see its model card).")
    parser.add_argument("--saturation", type=float, default=None,
                        help="Chroma gain: above 1 more colorful, below 1 more muted, 0 grayscale "
                             "(default: the model's own, see its model card).")
    parser.add_argument("--hue-agreement", type=float, default=None, dest="agreement_power",
                        help="Fade to gray where the colors the model finds likely disagree in hue (a car that "
                             "may be red or blue): each pixel's chroma times their agreement (0-1) to this power; "
                             "0 turns it off (default: the model's own).")
    parser.add_argument("--working-size", type=int, default=None,
                        help="Short side in pixels at which the network sees a photo (default: the model's own).")
    for flag, text in SWITCHES.items():
        parser.add_argument(flag, action="store_true", help=text)
    common.add_max_pixels_flag(parser)
    common.add_verbose_flag(parser)
    return parser.parse_known_args(argv)


def main(argv=None):
    argv, (args, pipeline_args) = common.start(parse_args, argv)
    from pipeline.colorize import job as colorize, report as colorize_report

    with common.user_errors():
        config = colorize.ColorizeConfig(
            input=args.input, output=args.output,
            model=common.model_path(args.model),
            temperature=args.temperature, saturation=args.saturation, agreement_power=args.agreement_power,
            working_size=args.working_size,
            keep_color=args.keep_color, overwrite=args.overwrite, compare=args.compare,
            contact_sheet=args.contact_sheet, remove_orphans=args.remove_orphans, max_pixels=args.max_pixels,
            provenance=not args.no_provenance)
        # Threads overlap one image's decoding and encoding with another's network and
        # NumPy work (measured in bench/bench_colorize.py); one per core.
        options = common.pipeline_options(pipeline_args, args.verbose, threads=os.cpu_count() or 1)
        report = colorize.run_colorize(config, options, ["colorize", *argv])
    print(colorize_report.summarize(report))
    if report["stopped"]:
        print(f"error: {report['stopped']}", file=sys.stderr)
    if report["stopped"] or any(failure["reason"] in colorize_report.WRITE_FAILURES for failure in report["failures"]):
        sys.exit(EXIT_OUTPUT_FAILED)
    if report["counts"]["failed"]:
        sys.exit(EXIT_SOME_FAILED)


if __name__ == "__main__":
    main()
