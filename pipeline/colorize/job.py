"""The colorize job: a folder of photos in, full-resolution color photos out.

    colorize --input data/samples --output runs/samples-colorized

Each input file is written to the same relative path under the output folder, in its own
format, through a temporary file and an atomic rename, so that a killed run never leaves
a partial file and the next run finishes the work. Everything else the job writes (its
report, state record, lock, compare images and contact sheet) goes in OUTPUT/.colorize/,
where no input can collide with it (pipeline/io/outputs.py).

A run validates the model and the folders, takes the output's lock, plans from the state
record what to (re)do (pipeline/colorize/plan.py), colorizes on Beam
(pipeline/colorize/transform.py, one photo at a time by pipeline/colorize/formats.py), and
saves the record and the report (pipeline/colorize/report.py). A re-run redoes exactly the
outputs whose record no longer matches, never replaces a file it did not write, and lists
the outputs whose input was deleted. Files without an image extension are ignored and
listed in the report; files with one that cannot be colorized are failures, with the reason.
"""

import contextlib
import dataclasses
import json
import os
import re
import shutil
import time

import apache_beam as beam

from pipeline.colorize import (
    guidance as colorize_guidance,
    plan as colorize_plan,
    report as colorize_report,
    signing,
    transform as colorize_transform,
)
from pipeline.colorize.report import Outcome
from pipeline.io import console, files, images, outputs
from pipeline.io.console import logger

LEGACY_LOCK_NAME = ".colorize.lock"  # the lock of versions before the state record: outputs they wrote
RESULTS_NAME = "results"  # in the staging folder: one JSON line per result
FAILURES_NAME = "failures"  # in the staging folder: one JSON line per failure
# How a Beam runner's error message quotes an OSError raised in a step: "[Errno 28] No space left on device: 'PATH'".
WRAPPED_OS_ERROR = re.compile(r"\[Errno (?P<number>\d+)\] (?P<text>[^:'\n]+)(?:: '(?P<path>[^'\n]+)')?")


@dataclasses.dataclass(frozen=True)
class ColorizeConfig:
    """The colorize job's options; each field with a "help" in its metadata is a flag (jobs/common.py)."""

    input: str = dataclasses.field(metadata={"help": "A folder (searched recursively) or a glob of images."})
    output: str = dataclasses.field(metadata={"help": "Folder for the colorized images (outside the input)."})
    model: str  # --model: common.add_model_flag, the shipped model by default
    temperature: float | None = dataclasses.field(default=None, metadata={  # None: the model's default
        "help": "Vividness: annealed-mean temperature, lower is more vivid, 1.0 the safest (default: the "
                "model's own, see its model card)."})
    saturation: float | None = dataclasses.field(default=None, metadata={  # chroma gain; None: the model's default
        "help": "Chroma gain: above 1 more colorful, below 1 more muted, 0 grayscale (default: the model's own, "
                "see its model card)."})
    agreement_power: float | None = dataclasses.field(default=None, metadata={
        "flag": "--hue-agreement",
        "help": "Fade to gray where the colors the model finds likely disagree in hue (a car that may be red or "
                "blue): each pixel's chroma times their agreement (0-1) to this power; 0 turns it off (default: "
                "the model's own)."})
    working_size: int | None = dataclasses.field(default=None, metadata={  # None: the model's default
        "help": "Short side in pixels at which the network sees a photo (default: the model's own)."})
    keep_color: bool = dataclasses.field(default=False, metadata={
        "help": "Copy inputs that are already in color unchanged instead of recolorizing them."})
    overwrite: bool = dataclasses.field(default=False, metadata={
        "help": "Colorize every input, even up-to-date ones (files colorize did not write are still never "
                "replaced)."})
    compare: bool = dataclasses.field(default=False, metadata={
        "help": "Also write OUTPUT/.colorize/compare/NAME: the input and the result side by side."})
    contact_sheet: bool = dataclasses.field(default=False, metadata={
        "help": "Also write OUTPUT/.colorize/contact-sheet.jpg: thumbnails of the images this run colorized "
                "(the first 100 by path)."})
    remove_orphans: bool = dataclasses.field(default=False, metadata={
        "help": "Delete outputs whose input was deleted (by default they are only listed)."})
    hints: str | None = dataclasses.field(default=None, metadata={
        "help": "A CSV of color hints, header path,x,y,color[,radius]: path relative to --input, x and y in pixels "
                "of the image as displayed (origin top left), color #rrggbb; the output takes that color's chroma "
                "there, its lightness stays the photo's. Several rows per image. Needs a guided model (the "
                "shipped one is)."})
    reference: str | None = dataclasses.field(default=None, metadata={
        "help": "A color photo whose palette guides the colors of every image."})
    references: str | None = dataclasses.field(default=None, metadata={
        "help": "A CSV of one reference photo per image, header path,reference: path relative to --input, "
                "reference relative to the CSV's folder or absolute."})
    max_pixels: int = images.MAX_PIXELS  # --max-pixels: common.add_max_pixels_flag, shared by every job
    no_provenance: bool = dataclasses.field(default=False, metadata={
        "help": "Leave out the mark of what made the colors (XMP DigitalSourceType, the tool, model and settings; "
                "EXIF Software). The input's own metadata is kept either way."})
    c2pa_cert: str | None = dataclasses.field(default=None, metadata={
        "help": "Sign each colorized output with C2PA Content Credentials (JPEG, PNG, TIFF, WebP, GIF): the "
                "certificate chain, PEM, the signing certificate first; with --c2pa-key. Needs "
                "pip install 'beam-colorize[c2pa]' (docs/colorize.md)."})
    c2pa_key: str | None = dataclasses.field(default=None, metadata={
        "help": "The private key (PEM, unencrypted) of --c2pa-cert's signing certificate; read, never recorded."})
    dry_run: bool = dataclasses.field(default=False, metadata={
        "help": "Print what a run would do (inputs to colorize, outputs to redo and why, orphaned outputs, "
                "files that cannot be read) and write nothing; without TensorFlow."})


def check_paths(config):
    """Refuse a layout in which results could land on inputs, or an output that cannot be written."""
    if outputs.is_remote(config.output):
        raise ValueError(f"the output {config.output} is not a local folder; colorize locks its output and keeps a "
                         "record of what it wrote there: write to a local (or mounted) folder")
    outputs.refuse_nesting(files.input_root(config.input), config.output)
    outputs.prepare_folder(config.output)


def check_model(config):
    """Refuse a model file that does not exist, before any work (it is loaded only when there is some)."""
    if "://" not in config.model and not os.path.isfile(config.model):
        raise ValueError(f"model file {config.model} does not exist; pass a .keras file written by colorize-train "
                         "with --model, or leave --model out for the shipped one")


def run_colorize(config, pipeline_options, argv=None):
    """The whole job: validate, lock, plan, colorize, record, report. Returns the report dict.

    TensorFlow and the model are loaded only when the plan has work: a run with nothing
    new lists, checks the record and ends in well under a second per thousand files.
    A full disk or an output that cannot be written ends with a report too, as far as one
    can be written; the caller tells the user from report["stopped"] and the failures.
    With config.dry_run, the report of the plan, and nothing written.
    """
    started = time.monotonic()
    check_model(config)
    signing.check_flags(config)
    sources = colorize_guidance.read_sources(config.hints, config.reference, config.references)
    if config.dry_run:
        return _plan_only(config, files.list_files(config.input), started, argv, sources)
    with LazyModel(config) as model:
        if sources or not outputs.StateRecord.exists(config.output):
            # A first run has work unless the input is empty: a foreign model or a setting out
            # of range fails now, before the output folder is made; so does a model that cannot
            # take the hints or references it is given.
            model.load()
        if sources and not model.colorizer.guided:
            from model import inference

            raise inference.GuidanceUnsupported(model.colorizer.unsupported_message())
        listed = files.list_files(config.input)
        check_paths(config)
        with outputs.OutputLock(config.output):
            return _run_locked(config, listed, pipeline_options, started, argv, model, sources)


class LazyModel:
    """A run's model: loaded, with TensorFlow, the first time `load` is called, and held until the run ends."""

    def __init__(self, config):
        self.config = config
        self.holder = contextlib.ExitStack()
        self.colorizer = None

    def load(self):
        if self.colorizer is None:
            console.load_tensorflow_quietly()
            self.colorizer = self.holder.enter_context(colorize_transform.loaded_model(self.config))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.holder.close()


def _plan(config, listed, state, sources=None):
    """(the plan, what besides its input decides an output) from the record `state`."""
    # An output folder written by a version without the record, or whose record was damaged:
    # outputs at least as new as their inputs are taken for the job's own and redone once.
    legacy = state.damaged is not None or (
        not state.existed and os.path.exists(os.path.join(config.output, LEGACY_LOCK_NAME)))
    expected = colorize_plan.made_with(config)
    plan = colorize_plan.plan_run(config, listed, state, expected, legacy, sources)
    if state.damaged:
        plan.warnings.append(f"{state.damaged}; outputs at least as new as their input are taken for colorize's "
                             "own and redone, other files are never replaced (listed as foreign_file: move away "
                             "those you know colorize wrote, and run again)")
    return plan, expected


def _plan_only(config, listed, started, argv, sources=None):
    """A dry run: the plan from the record as it stands, read without writing anything."""
    outputs.refuse_nesting(files.input_root(config.input), config.output)
    state = outputs.StateRecord(config.output, read_only=True)
    try:
        plan, expected = _plan(config, listed, state, sources)
    finally:
        state.close()
    outcome = Outcome(results=[], failures=list(plan.refused), stopped=None, orphaned=plan.orphaned,
                      removed_orphans=0)
    report = colorize_report.build_report(config, plan, outcome, expected, started, argv)
    report["work"] = [files.printable_path(path) for path, _ in plan.work]
    return report


def _run_locked(config, listed, pipeline_options, started, argv, model, sources=None):
    """The job once the output is locked: nothing else writes there meanwhile."""
    leftovers = outputs.remove_leftovers(config.output)
    if leftovers:
        logger.info(f"removed {leftovers:,} temporary files left by an interrupted run")
    state = outputs.StateRecord(config.output)
    try:
        plan, expected = _plan(config, listed, state, sources)
        if plan.work and plan.guidance is not None:
            model.load()
            plan.refuse(plan.guidance.load_palettes(model.colorizer, plan.work, config.max_pixels))
        for warning in plan.warnings:
            logger.warning(f"warning: {warning}")
        logger.info(f"{len(plan.found):,} files under {config.input}: {len(plan.work):,} to colorize "
                    f"({len(plan.redone):,} to redo), {plan.up_to_date:,} up to date"
                    + (f", {len(plan.refused)} refused" if plan.refused else ""))
        if plan.work:
            model.load()
        outcome = _colorize(config, plan, expected, pipeline_options)
        if config.remove_orphans and not outcome.stopped:
            outcome.orphaned = colorize_plan.remove_orphans(config, state, plan.orphaned)
            outcome.removed_orphans = len(plan.orphaned) - len(outcome.orphaned)
            if outcome.removed_orphans:
                logger.info(f"removed {outcome.removed_orphans:,} outputs whose input was deleted")
        state.merge_journals()
        report = colorize_report.build_report(config, plan, outcome, expected, started, argv)
        colorize_report.save(config, state, report, plan, outcome)
    finally:
        state.close()
    return report


def _colorize(config, plan, expected, pipeline_options):
    """Run the pipeline over the plan's work: the Outcome, with the failures found while planning."""
    results, failures, stopped = [], list(plan.refused), None
    if plan.work:
        try:
            run_results, run_failures = _run_pipeline(config, plan.work, expected, pipeline_options, plan.guidance)
        except outputs.OutputError as error:
            run_results, run_failures, stopped = [], [], str(error)
        results += run_results
        failures += run_failures
    stopped = stopped or next((failure["detail"] for failure in failures if failure["reason"] == "output_stopped"),
                              None)
    return Outcome(results=results, failures=failures, stopped=stopped, orphaned=plan.orphaned, removed_orphans=0)


def _run_pipeline(config, work, expected, pipeline_options, guidance=None):
    """Colorize the work items on Beam; returns (results, failures), read from the pipeline's own outputs.

    Raises OutputError when Beam's own files cannot be written (a full disk).
    """
    with files.glob_free(config.output) as output:
        staging = outputs.staging_folder(output)
        try:
            with beam.Pipeline(options=pipeline_options) as pipeline:
                colorized = pipeline | "ColorizeImages" >> colorize_transform.ColorizeImages(config, work, expected,
                                                                                           guidance)
                _ = colorized.results | "WriteResults" >> WriteLines(os.path.join(staging, RESULTS_NAME))
                _ = (colorized[colorize_transform.FAILURE_TAG]
                     | "WriteFailures" >> WriteLines(os.path.join(staging, FAILURES_NAME)))
            return _read_lines(os.path.join(staging, RESULTS_NAME)), _read_lines(os.path.join(staging, FAILURES_NAME))
        # In-memory and Dask runners re-raise a step's OSError; the portable ones a RuntimeError with its text.
        except (OSError, RuntimeError) as error:
            cause = _os_error_in(error)
            if cause is None:
                raise
            raise outputs.OutputError(getattr(cause, "filename", None) or staging, cause) from error
        finally:
            shutil.rmtree(staging, ignore_errors=True)


class WriteLines(beam.PTransform):
    """Dicts -> one JSON line each, in one text file at `path`."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def expand(self, collection):
        return (collection
                | "ToJson" >> beam.Map(json.dumps)
                | "Write" >> beam.io.WriteToText(self.path, shard_name_template=""))


def _os_error_in(error):
    """The full-disk OSError that a Beam runner's exception wraps, if any.

    Runners re-raise a step's error inside their own: chained to it (in memory), or as the
    text of its traceback (multi-threaded), from which the error is read back.
    """
    seen, message = set(), str(error)
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in outputs.STOPPING_ERRNOS:
            return error
        error = error.__cause__ or error.__context__
    for match in WRAPPED_OS_ERROR.finditer(message):
        if int(match["number"]) in outputs.STOPPING_ERRNOS:
            return OSError(int(match["number"]), match["text"], match["path"])
    return None


def _read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]
