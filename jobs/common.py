"""What every job's command line shares: quiet logging, Beam options and one-line user errors."""

import contextlib
import dataclasses
import importlib.util
import sys

from pipeline.io import console, images

EXIT_USAGE = 2
EXIT_LOCKED = 3  # another run is writing to the same output folder
EXIT_OUTPUT_FAILED = 4  # the output folder could not be written: full, read-only, no permission
EXIT_INTERRUPTED = 130  # Ctrl-C, as the shell reports a process ended by SIGINT

DEFAULT_MODEL = "default"  # --model's name for the shipped model

# --runner names that mean our DaskRunner (Beam knows its own only by the full class path).
DASK_RUNNER_NAMES = ("DaskRunner", "dask")
DASK_RUNNER = "pipeline.runners.dask.DaskRunner"
LOCAL_RUNNER = "pipeline.runners.local.LocalRunner"  # the default: Beam's DirectRunner without its Prism attempt


def configure_logging(verbose):
    """Our messages on the terminal; TensorFlow's and Beam's only with --verbose."""
    console.configure_logging(verbose)


def start(parse_args, argv=None):
    """(argv, what parse_args makes of it): the command line's by default, with logging set up
    before TensorFlow or Beam is imported (both log at import time)."""
    argv = sys.argv[1:] if argv is None else argv
    parsed = parse_args(argv)
    configure_logging((parsed[0] if isinstance(parsed, tuple) else parsed).verbose)
    return argv, parsed


def config_from_flags(config_class, args, **overrides):
    """A job's frozen config dataclass from its parsed flags, which map one to one onto its fields."""
    fields = {field.name: getattr(args, field.name) for field in dataclasses.fields(config_class)}
    return config_class(**{**fields, **overrides})


def add_model_flag(parser, default_help="the shipped model"):
    """--model: a model.keras, or the shipped one by default."""
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"A model.keras from colorize-train (default: {default_help}).")


def model_path(model):
    """The file --model names: the shipped model's for "default"."""
    from model import default_model

    return default_model.path() if model == DEFAULT_MODEL else model


def add_verbose_flag(parser, libraries="TensorFlow's and Beam's"):
    """--verbose: bring back the libraries' own logs."""
    parser.add_argument("--verbose", action="store_true", help=f"Show {libraries} own logs.")


def add_max_pixels_flag(parser):
    """--max-pixels: the decompression-bomb limit shared by every job that decodes user files."""
    parser.add_argument("--max-pixels", type=int, default=images.MAX_PIXELS,
                        help=f"Larger images are refused as possible decompression bombs (default {images.MAX_PIXELS:,}).")


def pipeline_options(pipeline_args, verbose=False, threads=1):
    """Beam options from the flags we did not parse; in-process DirectRunner unless told otherwise.

    Without a --runner, our LocalRunner: Beam's DirectRunner would first try to download
    and run Prism. With threads > 1 it runs that many worker threads in this process.
    Worker processes log only errors unless --verbose.
    """
    from apache_beam.options.pipeline_options import PipelineOptions

    args = runner_by_name(pipeline_args)
    chooses_runner = any(arg.startswith("--runner") for arg in args)
    chooses_mode = any(arg.startswith("--direct_running_mode") for arg in args)
    if not chooses_runner:
        args.append(f"--runner={LOCAL_RUNNER}")
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


def runner_by_name(pipeline_args):
    """The flags with --runner=DaskRunner (or dask) replaced by our runner's class path."""
    args = list(pipeline_args)
    for index, arg in enumerate(args):
        if arg.startswith("--runner=") and arg.split("=", 1)[1] in DASK_RUNNER_NAMES:
            args[index] = f"--runner={DASK_RUNNER}"
        elif arg == "--runner" and index + 1 < len(args) and args[index + 1] in DASK_RUNNER_NAMES:
            args[index + 1] = DASK_RUNNER
        else:
            continue
        if importlib.util.find_spec("distributed") is None:
            raise SystemExit("error: --runner=DaskRunner needs Dask: pip install 'beam-colorize[dask]'")
    return args


@contextlib.contextmanager
def user_errors(after_interrupt="the outputs finished so far are kept; run the same command again to do the rest"):
    """Turn what the user can fix into one line on stderr and an exit status that says which kind.

    A usage error (ValueError, a missing file): 2. Another run holding the output: 3. An
    output that cannot be written: 4. Ctrl-C: 130, with `after_interrupt`: what is kept and
    how to go on.
    """
    from pipeline.io import outputs

    try:
        yield
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except outputs.LockedError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(EXIT_LOCKED)
    except outputs.OutputError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(EXIT_OUTPUT_FAILED)
    except KeyboardInterrupt:
        print(f"interrupted: {after_interrupt}", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
