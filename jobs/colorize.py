"""Colorize every image under a folder at full resolution, into the same paths under --output.

    colorize --input data/samples --output runs/samples-colorized
    colorize --input '/archive/scans/**/*.tif' --output /archive/color --compare
    colorize --input photos --output colored --direct_running_mode=multi_processing --direct_num_workers=2
    colorize --input scans --output colored --hints hints.csv --reference beach-1962.jpg

Each output has its input's size, format and gray (ITU-R 601 luma, to the rounding of its
levels); transparency and metadata (EXIF, XMP, IPTC) are kept, and the output is marked as
colorized by a model (XMP DigitalSourceType, the model and settings; EXIF Software) unless
--no-provenance; with --c2pa-cert CHAIN.pem --c2pa-key KEY.pem each colorized output is also
signed with C2PA Content Credentials (pip install 'beam-colorize[c2pa]'; docs/colorize.md).
Toned scans (sepia, cyan) are colorized as gray ones, even with --keep-color.

Hints and reference photos (a guided model; the shipped one is): hints.csv has the header
path,x,y,color[,radius], one row per point, e.g. "attic/aunt.jpg,412,230,#3a6ea5" (path relative
to --input; x, y in pixels of the image as displayed, origin top left; the color's chroma is
taken there, the photo's lightness kept). --reference PHOTO guides every image by one color
photo's palette; --references FILE.csv (header path,reference; the reference relative to the
CSV's folder or absolute) gives one per image. A row naming no input is a warning; a bad row, or
a reference without color, fails its images with the CSV line in the reason.

A re-run redoes exactly the outputs whose input, model, settings, hints or reference changed
since they were written (recorded in OUTPUT/.colorize/state.sqlite; --overwrite redoes all),
never replaces a file it did not write, and never leaves a partial file.
OUTPUT/.colorize/report.json lists what was done, every file that failed with the reason, and
outputs whose input was deleted. Exit status: 0 all done, 1 some inputs failed, 2 a usage error,
3 another run is writing to the same output, 4 an output could not be written (a full disk,
permissions, a name too long), 130 interrupted (Ctrl-C). A run with nothing to do loads neither
TensorFlow nor the model (with hints or references it loads the model, to check it is guided);
--dry-run prints the plan and writes nothing. Beam pipeline options pass through, e.g.
--runner=DaskRunner --dask_client_address=HOST:8786 for a Dask cluster (README: "On a Dask
cluster"; other Beam runners take their own flags but are untested); any other flag is refused.
"""

import os
import sys

from jobs import common

EXIT_SOME_FAILED = 1
EXIT_LOCKED = common.EXIT_LOCKED
EXIT_OUTPUT_FAILED = common.EXIT_OUTPUT_FAILED


def parse_args(argv):
    """(flags, Beam options); any other flag is a usage error."""
    from pipeline.colorize.job import ColorizeConfig

    parser = common.make_parser("colorize", __doc__)
    common.add_config_flags(parser, ColorizeConfig)
    common.add_model_flag(parser, "the shipped model, no download")
    common.add_max_pixels_flag(parser)
    common.add_verbose_flag(parser)
    return common.parse_flags(parser, argv, pipeline=True)


def main(argv=None):
    # TensorFlow is loaded only if there is something to colorize (pipeline/colorize/job.py).
    argv, (args, pipeline_args) = common.start(parse_args, argv, tensorflow=False)
    from pipeline.colorize import job as colorize, report as colorize_report

    with common.user_errors():
        config = common.config_from_flags(colorize.ColorizeConfig, args, model=common.model_path(args.model))
        # Threads overlap one image's decoding and encoding with another's network and
        # NumPy work (measured in bench/bench_colorize.py); one per core.
        options = common.pipeline_options(pipeline_args, args.verbose, threads=os.cpu_count() or 1)
        report = colorize.run_colorize(config, options, ["colorize", *argv])
    if config.dry_run:
        print(colorize_report.describe_plan(report))
        return
    print(colorize_report.summarize(report))
    if report["stopped"]:
        print(f"error: {report['stopped']}", file=sys.stderr)
    if report["stopped"] or any(failure["reason"] in colorize_report.WRITE_FAILURES for failure in report["failures"]):
        sys.exit(EXIT_OUTPUT_FAILED)
    if report["counts"]["failed"]:
        sys.exit(EXIT_SOME_FAILED)


if __name__ == "__main__":
    main()
