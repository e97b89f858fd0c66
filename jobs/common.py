"""What every job's command line shares: quiet logging, Beam options and one-line user errors."""

import contextlib
import sys

from pipeline import console


def configure_logging(verbose):
    """Our messages on the terminal; TensorFlow's and Beam's only with --verbose."""
    console.configure_logging(verbose)


def add_verbose_flag(parser, libraries="TensorFlow's and Beam's"):
    """--verbose: bring back the libraries' own logs."""
    parser.add_argument("--verbose", action="store_true", help=f"Show {libraries} own logs.")


def add_max_pixels_flag(parser):
    """--max-pixels: the decompression-bomb limit shared by every job that decodes user files."""
    parser.add_argument("--max-pixels", type=int, default=100_000_000,
                        help="Larger images are refused as possible decompression bombs (default 100,000,000).")


def pipeline_options(pipeline_args, verbose=False, threads=1):
    """Beam options from the flags we did not parse; in-process DirectRunner unless told otherwise.

    An explicit running mode keeps the DirectRunner from first trying to download Prism;
    with threads > 1 it runs that many worker threads in this process. Worker processes
    log only errors unless --verbose.
    """
    from apache_beam.options.pipeline_options import PipelineOptions

    args = list(pipeline_args)
    chooses_runner = any(arg.startswith("--runner") for arg in args)
    chooses_mode = any(arg.startswith("--direct_running_mode") for arg in args)
    if not chooses_runner and not chooses_mode:
        if threads > 1 and not any(arg.startswith("--direct_num_workers") for arg in args):
            args += ["--direct_running_mode=multi_threading", f"--direct_num_workers={threads}"]
        else:
            args.append("--direct_running_mode=in_memory")
    if not verbose and not any(arg.startswith("--default_sdk_harness_log_level") for arg in args):
        args.append("--default_sdk_harness_log_level=ERROR")
    unknown = [arg for arg in args if arg.startswith("--") and "_" not in arg.split("=")[0]
               and "-" in arg.lstrip("-").split("=")[0]]
    if unknown:
        raise SystemExit(f"error: unknown option {unknown[0]}; see --help (Beam options use underscores, "
                         "e.g. --direct_num_workers=2)")
    return PipelineOptions(args)


@contextlib.contextmanager
def user_errors():
    """Turn a ValueError or a missing file into one line on stderr and exit status 2."""
    try:
        yield
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
