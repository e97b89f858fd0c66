"""What every job's command line shares: flags built from the config dataclasses, unknown options
refused, quiet logging, Beam options and one-line user errors.

A job's flags come from its config dataclass: every field whose metadata (or the job's own
table, for a dataclass the job does not own) has a "help" text is a flag, --field-name unless
"flag" names it otherwise, with the field's default, a type from its annotation, and:

    "help"    the flag's text; %(default)s shows the field's default
    "flag"    its name, when not --field-name (e.g. "--hue-agreement")
    "choices" the values allowed
    "parse"   a function of the flag's text to the field's value (e.g. comma_separated_floats)
    "repeat"  True: the flag may be given several times; the field gets a tuple of them
    "negate"  True: a switch that sets a field whose default is True to False (--no-jit)

A field that is a dataclass itself has flags for its own fields (hint_simulation's
--no-hint-share). So adding an option is adding a field with its metadata; the metadata is a
plain dict, so model/ and pipeline/ write it without importing jobs/.
"""

import argparse
import contextlib
import dataclasses
import difflib
import importlib.metadata
import importlib.util
import sys
import types

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


def configure_logging(verbose, tensorflow=True):
    """Our messages on the terminal; TensorFlow's and Beam's only with --verbose."""
    console.configure_logging(verbose, tensorflow)


def start(parse_args, argv=None, tensorflow=True):
    """(argv, what parse_args makes of it): the command line's by default, with logging set up
    before TensorFlow or Beam is imported (both log at import time, and a job's parser may
    import its config's module). `tensorflow`: load it quietly once the flags are parsed, so
    that --help and a usage error do not wait the seconds its import costs (a parser that
    needs it loads it first, through console.load_tensorflow_quietly); a job that may not need
    it (colorize with nothing to do) loads it later the same way."""
    argv = sys.argv[1:] if argv is None else argv
    configure_logging("--verbose" in argv, tensorflow=False)
    parsed = parse_args(argv)
    if tensorflow:
        console.load_tensorflow_quietly()
    return argv, parsed


def version():
    """This installation's version, as --version prints it."""
    try:
        return importlib.metadata.version("beam-colorize")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed: pip install -e .)"


def make_parser(prog, description):
    """A job's argument parser, its module docstring as the description, with --version."""
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    return parser


def add_config_flags(parser, config_class, flags=None, prefix=""):
    """Add a flag for every field of `config_class` with a help text (see the module docstring).

    `flags`: {field name: metadata} for a dataclass the job does not own, merged over each
    field's own metadata; a nested dataclass's fields are named "field.subfield" there.
    """
    flags = flags or {}
    for field in dataclasses.fields(config_class):
        name = prefix + field.name
        metadata = {**field.metadata, **flags.get(name, {})}
        if dataclasses.is_dataclass(field.type):
            add_config_flags(parser, field.type, flags, prefix=f"{name}.")
            continue
        if "help" not in metadata:
            continue
        flag = metadata.get("flag", "--" + field.name.replace("_", "-"))
        default = _default_of(field)
        options = {"dest": name, "help": metadata["help"]}
        if field.type is bool:
            options["action"] = "store_false" if metadata.get("negate") else "store_true"
        else:
            options["type"] = metadata.get("parse", _value_type(field.type))
            options["metavar"] = flag.lstrip("-").upper().replace("-", "_")
            if "choices" in metadata:
                options["choices"] = metadata["choices"]
            if default is dataclasses.MISSING:
                options["required"] = True
            else:
                options["default"] = default
            if metadata.get("repeat"):  # argparse appends to a copy of the default
                options.update(action="append", default=[] if default is dataclasses.MISSING else list(default))
        parser.add_argument(flag, **options)


def config_from_flags(config_class, args, prefix="", **overrides):
    """A job's config dataclass from its parsed flags (add_config_flags): the flags' values, the
    fields' defaults for fields without a flag, and `overrides` over both."""
    values = {}
    for field in dataclasses.fields(config_class):
        name = prefix + field.name
        if field.name in overrides:
            values[field.name] = overrides[field.name]
        elif dataclasses.is_dataclass(field.type):
            values[field.name] = config_from_flags(field.type, args, prefix=f"{name}.")
        elif hasattr(args, name):
            value = getattr(args, name)
            values[field.name] = tuple(value) if isinstance(value, list) else value
    return config_class(**values)


def comma_separated_floats(text):
    """"0.6,0.4" -> (0.6, 0.4): a flag's "parse" for a tuple of numbers."""
    try:
        return tuple(float(value) for value in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not comma-separated numbers, e.g. 0.3,0.5,1") from None


def _default_of(field):
    """A field's default value, or dataclasses.MISSING for a field without one (a required flag)."""
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


def _value_type(annotation):
    """The argparse type of a field annotated `annotation`: int, float, or str for anything else."""
    if isinstance(annotation, types.UnionType):
        annotation = next(part for part in annotation.__args__ if part is not type(None))
    return annotation if annotation in (int, float) else str


def parse_flags(parser, argv, pipeline=False):
    """Parse a job's flags, refusing any that is neither the job's nor (with `pipeline`) a Beam
    pipeline option, as a usage error (exit 2) that suggests the closest one.

    Returns the parsed flags, and with `pipeline` also the list of Beam options.
    """
    args, rest = parser.parse_known_args(argv)
    unknown = unknown_pipeline_options(rest) if pipeline else rest
    if unknown:
        parser.error(unknown_option_message(unknown[0], _option_names(parser)
                                            + (beam_option_names(rest) if pipeline else [])))
    return (args, rest) if pipeline else args


def unknown_option_message(argument, known):
    """"unknown option --temprature (did you mean --temperature?)"; a stray value is "unexpected argument"."""
    if not argument.startswith("-"):
        return f"unexpected argument {argument!r}; see --help (values follow their option, e.g. --input FOLDER)"
    name = argument.split("=", 1)[0]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return f"unknown option {name}" + (f" (did you mean {close[0]}?)" if close else "; see --help")


def _option_names(parser):
    return [option for action in parser._actions for option in action.option_strings if option.startswith("--")]


def _beam_parser(pipeline_args):
    """An argument parser of every Beam pipeline option, the Dask runner's too when it is chosen."""
    from apache_beam.options import pipeline_options

    if any(DASK_RUNNER in arg for arg in runner_by_name(pipeline_args)):
        from apache_beam.runners.dask import dask_runner  # noqa: F401 (registers DaskOptions)
    # Beam's own way to know its options (PipelineOptions.get_all_options): each options class adds its flags.
    parser = pipeline_options._BeamArgumentParser(allow_abbrev=False, add_help=False)
    for options_class in {str(cls): cls for cls in pipeline_options.PipelineOptions.__subclasses__()}.values():
        options_class._add_argparse_args(parser)
    return parser


def unknown_pipeline_options(pipeline_args):
    """The arguments among `pipeline_args` that no Beam pipeline option takes (Beam would drop them)."""
    if not pipeline_args:
        return []
    _, unknown = _beam_parser(pipeline_args).parse_known_args(runner_by_name(pipeline_args))
    return unknown


def beam_option_names(pipeline_args=()):
    return _option_names(_beam_parser(list(pipeline_args)))


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
