"""The colorize job's Beam transforms: a folder of photos in, full-resolution color photos out.

Each input file is written to the same relative path under the output folder, in its own
format, through a temporary file and an atomic rename, so that a killed run never leaves
a partial file and the next run finishes the work. Everything else the job writes (its
report, state record, lock, compare images and contact sheet) goes in OUTPUT/.colorize/,
where no input can collide with it (pipeline/outputs.py).

The job records what made each output: the input's size, timestamps and content hash, the
model and the settings. A re-run redoes exactly the outputs whose record no longer matches,
never replaces a file it did not write, and lists the outputs whose input was deleted.
Files without an image extension are ignored and listed in the report; files with one
that cannot be colorized are failures, listed with the reason.
"""

import collections
import contextlib
import dataclasses
import datetime
import functools
import io
import json
import os
import re
import shutil
import sys
import threading
import time
import uuid

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from PIL import Image

from pipeline import console, files, images, outputs, photos
from pipeline.console import Progress, logger

REPORT_NAME = "report.json"  # in the job folder, OUTPUT/.colorize/
CONTACT_SHEET_NAME = "contact-sheet.jpg"  # in the job folder
COMPARE_FOLDER = "compare"  # in the job folder: the input beside the result, under the output's own name
CONTACT_SHEET_LIMIT = 100  # images on the sheet: the first ones by path
CONTACT_CELL = 240  # pixels on the long side of each thumbnail
LEGACY_LOCK_NAME = ".colorize.lock"  # the lock of versions before the state record: outputs they wrote
FAILURE_TAG = "failures"
JPEG_QUALITY = 92  # visually lossless for photos; chroma is low-resolution by construction
WEBP_QUALITY = 90
OUTPUT_FORMATS = {  # extension -> Pillow format and save options
    ".jpg": ("JPEG", {"quality": JPEG_QUALITY, "subsampling": "4:2:0"}),
    ".jpeg": ("JPEG", {"quality": JPEG_QUALITY, "subsampling": "4:2:0"}),
    ".png": ("PNG", {"compress_level": 6}),
    ".webp": ("WEBP", {"quality": WEBP_QUALITY}),
    ".bmp": ("BMP", {}),
    ".tif": ("TIFF", {"compression": "tiff_deflate"}),
    ".tiff": ("TIFF", {"compression": "tiff_deflate"}),
    ".gif": ("GIF", {}),
}
SETTINGS = ("temperature", "saturation", "working_size", "keep_color")  # the options that change an output
# Why an output is made again, besides a new input.
REDO_REASONS = {
    "input_changed": "the input changed",
    "settings_changed": "the settings changed",
    "model_changed": "the model changed",
    "other_input": "a different input file now maps to it",
    "output_missing": "the output was deleted",
    "unrecorded": "written by an earlier version, without a record",
    "overwrite": "--overwrite",
}
WRITE_FAILURES = ("write_failed", "output_stopped")  # failures of the output, not of the input
# How a Beam runner's error message quotes an OSError raised in a step: "[Errno 28] No space left on device: 'PATH'".
WRAPPED_OS_ERROR = re.compile(r"\[Errno (?P<number>\d+)\] (?P<text>[^:'\n]+)(?:: '(?P<path>[^'\n]+)')?")
@dataclasses.dataclass(frozen=True)
class ColorizeConfig:
    """The colorize job's options; the CLI flags map one to one onto these fields."""

    input: str
    output: str
    model: str
    temperature: float | None = None  # None: the model's default
    saturation: float | None = None  # chroma gain; None: the model's default
    working_size: int | None = None  # None: the model's default
    keep_color: bool = False  # pass color inputs through untouched instead of recolorizing
    overwrite: bool = False
    compare: bool = False
    contact_sheet: bool = False  # also write .colorize/contact-sheet.jpg of this run's results
    remove_orphans: bool = False  # delete outputs whose input was deleted (they are only listed otherwise)
    max_pixels: int = images.MAX_PIXELS


# ---------------------------------------------------------------------------------------
# Listing the input and deciding, from the state record, what to do with each file.


def list_inputs(input_path):
    """(path, relative path) of every file to colorize, and the files refused while listing."""
    return files.list_files(input_path)


def output_path_for(config, relative_path):
    """Where the colorized copy of an input goes: the same relative path under the output."""
    return os.path.join(config.output, relative_path)


def compare_path_for(config, relative_path):
    """Where --compare puts the input beside its result: the output's own name, in the job folder."""
    return os.path.join(outputs.job_folder(config.output), COMPARE_FOLDER, relative_path)


def report_path(output):
    return os.path.join(outputs.job_folder(output), REPORT_NAME)


def check_paths(config):
    """Refuse a layout in which results could land on inputs, or an output that cannot be written."""
    if outputs.is_remote(config.output):
        raise ValueError(f"the output {config.output} is not a local folder; colorize locks its output and keeps a "
                         "record of what it wrote there: write to a local (or mounted) folder")
    outputs.refuse_nesting(files.input_root(config.input), config.output)
    outputs.prepare_folder(config.output)


def model_identity(model_path):
    """The content hashes of a model file and the description beside it, which decide its colors."""
    from model import inference

    identity = {"model": outputs.file_hash(model_path)}
    description = os.path.join(os.path.dirname(model_path), inference.MODEL_CONFIG_NAME)
    if os.path.exists(description):
        identity["description"] = outputs.file_hash(description)
    return identity


def made_with(config):
    """What besides its input decides an output: the model and the settings that change pixels."""
    return {"model": model_identity(config.model),
            "settings": {name: getattr(config, name) for name in SETTINGS}}


def input_identity(path):
    """The identity of an input file (outputs.file_identity); size and update time on other file systems."""
    if "://" not in path:
        return outputs.file_identity(os.stat(path))
    metadata = FileSystems.match([path])[0].metadata_list[0]
    return {"size": metadata.size_in_bytes, "mtime": metadata.last_updated_in_seconds}


def input_hash(path):
    if "://" not in path:
        return outputs.file_hash(path)
    with FileSystems.open(path, compression_type="uncompressed") as file:
        return outputs.content_hash(file.read())


def stale_reason(path, record, expected):
    """None when a record still describes this input and these settings; else why the output is stale.

    Timestamps only say when to look: an input whose size and timestamps are those
    recorded is unchanged; otherwise its content hash decides, so a file replaced by
    another with an older timestamp is redone, and one merely touched or copied is not
    (its record is refreshed).
    """
    if record["made_with"]["model"] != expected["model"]:
        return "model_changed"
    if record["made_with"]["settings"] != expected["settings"]:
        return "settings_changed"
    recorded = record["input"]
    if recorded["path"] != path:
        return "other_input"
    identity = input_identity(path)
    if all(recorded.get(key) == value for key, value in identity.items()):
        return None
    if identity["size"] != recorded["size"] or input_hash(path) != recorded["sha256"]:
        return "input_changed"
    recorded.update(identity)
    return None


@dataclasses.dataclass
class Plan:
    """What a run will do with each input, decided before any work."""

    work: list = dataclasses.field(default_factory=list)  # (path, relative path)
    up_to_date: int = 0
    redone: list = dataclasses.field(default_factory=list)  # {"path", "output", "reason"}
    refused: list = dataclasses.field(default_factory=list)  # failures found while planning
    orphaned: list = dataclasses.field(default_factory=list)  # {"output", "input"}: the input was deleted


def plan_work(config, found, state, expected, legacy=False):
    """Decide for every input: up to date, to (re)do and why, or refused; and list the orphaned outputs.

    `legacy`: the output folder was written by a version without the state record; its
    outputs at least as new as their inputs are taken for its own and redone once.
    """
    plan = Plan()
    for path, relative_path in found:
        target = output_path_for(config, relative_path)
        if relative_path.split(os.sep)[0] == outputs.JOB_FOLDER:
            plan.refused.append(files.failure_record(path, "reserved_name", (
                f"its output would be inside {outputs.job_folder(config.output)}, which colorize keeps for its own "
                f"files; rename the input folder {outputs.JOB_FOLDER}")))
            continue
        record = state.get(relative_path)
        reason = None if record is None else ("overwrite" if config.overwrite else stale_reason(path, record, expected))
        if not os.path.lexists(target):
            reason = "output_missing" if record is not None else "new"
        elif not state.wrote(relative_path):
            if record is not None and reason is None:
                plan.up_to_date += 1  # Changed by someone since it was written, from an unchanged input: theirs now.
                continue
            if record is None and legacy and os.lstat(target).st_mtime_ns >= os.stat(path).st_mtime_ns:
                reason = "unrecorded"
            else:
                plan.refused.append({**files.failure_record(path, "foreign_file", (
                    f"{files.printable_path(target)} is not a file colorize wrote (or it was changed since), and "
                    "colorize never replaces such a file: move it away to have this input colorized, or choose "
                    "another --output")), "output": files.printable_path(target)})
                continue
        if reason is None:
            plan.up_to_date += 1
            continue
        plan.work.append((path, relative_path))
        if reason != "new":
            plan.redone.append({"path": files.printable_path(path), "output": files.printable_path(target),
                                "reason": reason})
    listed = {relative_path for _, relative_path in found}
    for relative_path, record in sorted(state.records.items()):
        if relative_path not in listed and not os.path.lexists(record["input"]["path"]):
            plan.orphaned.append({"output": output_path_for(config, relative_path), "input": record["input"]["path"]})
    return plan


def remove_orphans(config, state, orphaned):
    """Delete the outputs (and compare images) whose input was deleted, when they are still the job's own.

    Returns the orphans left in place: changed since the job wrote them.
    """
    kept = []
    for orphan in orphaned:
        relative_path = os.path.relpath(orphan["output"], config.output)
        if state.wrote(relative_path):
            os.remove(orphan["output"])
        elif os.path.lexists(orphan["output"]):
            kept.append({**orphan, "detail": "changed since colorize wrote it: left in place"})
            continue
        compare = compare_path_for(config, relative_path)
        if os.path.lexists(compare):
            os.remove(compare)
        state.remove(relative_path)
    return kept

# ---------------------------------------------------------------------------------------
# One image: decode, colorize at full resolution, encode in its own format.


def output_format(path):
    """The Pillow format and options for writing a file with this path's extension."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in OUTPUT_FORMATS:
        raise images.UnusableImage("unsupported_format",
                                   f"the extension {extension or '(none)'} is not one of "
                                   f"{', '.join(sorted(OUTPUT_FORMATS))}")
    return OUTPUT_FORMATS[extension]


def colorize_image_bytes(data, path, colorize, keep_color=False, max_pixels=images.MAX_PIXELS):
    """Colorize one file's bytes; returns (status, output bytes, (pixels in, RGB out) or None).

    `colorize` maps uint8 pixels, grayscale (H, W) or RGB (H, W, 3), to RGB (H, W, 3).
    Every frame is colorized, and the output keeps what the input had besides (see
    pipeline/photos.py). status is "colorized" or "passed_through" (a color input with
    keep_color). Raises UnusableImage with the reason for anything that cannot be colorized.
    """
    pillow_format, options = output_format(path)
    photo = photos.read_photo(data, max_pixels=max_pixels)
    first = photo.frames[0].pixels
    if keep_color and first.ndim == 3 and not images.is_grayscale(first):
        return "passed_through", data, None
    colorized = photos.colorize_frames(photo, colorize)
    return "colorized", photos.write_photo(photo, colorized, pillow_format, options), (first, colorized[0])


def compare_image(pixels_in, rgb_out):
    """A side-by-side picture: input (grayscale or RGB) | colorized."""
    height, width = pixels_in.shape[:2]
    canvas = np.full((height, width * 2 + 8, 3), 255, dtype=np.uint8)
    canvas[:, :width] = pixels_in[..., None] if pixels_in.ndim == 2 else pixels_in
    canvas[:, width + 8:] = rgb_out
    return canvas


def encode_like(path, rgb):
    """RGB pixels encoded in the format of `path`'s extension (a compare image beside its output's name)."""
    pillow_format, options = output_format(path)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format=pillow_format, **options)
    return buffer.getvalue()


def contact_sheet(paths, names, columns=6, cell=CONTACT_CELL):
    """One JPEG's bytes: thumbnails of `paths` in a grid, each captioned with its name."""
    from PIL import ImageDraw

    caption = 14
    columns = max(1, min(columns, len(paths)))
    rows = -(-len(paths) // columns)
    sheet = Image.new("RGB", (columns * (cell + 8) + 8, rows * (cell + caption + 12) + 8), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for index, (path, name) in enumerate(zip(paths, names)):
        left = 8 + (index % columns) * (cell + 8)
        top = 8 + (index // columns) * (cell + caption + 12)
        with Image.open(path) as image:
            image.draft("RGB", (cell, cell))  # JPEGs decode at a fraction of their size
            thumbnail = images.to_rgb(image)
        picture = Image.fromarray(thumbnail)
        picture.thumbnail((cell, cell))
        sheet.paste(picture, (left + (cell - picture.width) // 2, top + (cell - picture.height) // 2))
        text = name if len(name) <= 34 else "..." + name[-31:]
        draw.text((left, top + cell + 2), text.encode("ascii", "replace").decode("ascii"), fill=(0, 0, 0))
    buffer = io.BytesIO()
    sheet.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


class PixelBudget:
    """Caps the pixels that the threads of one process work on at once.

    A thread reserves an image's pixels before decoding it and waits while the others
    hold too many, so peak memory stays bounded however many threads run; an image
    larger than the whole budget waits until it can run alone.
    """

    def __init__(self, limit):
        self.limit = limit
        self.in_use = 0
        self.condition = threading.Condition()

    @contextlib.contextmanager
    def reserve(self, pixels):
        pixels = min(pixels, self.limit)
        with self.condition:
            self.condition.wait_for(lambda: self.in_use + pixels <= self.limit)
            self.in_use += pixels
        try:
            yield
        finally:
            with self.condition:
                self.in_use -= pixels
                self.condition.notify_all()


# About 15 bytes of working memory per pixel: one 50-megapixel image, or two of 30, at a time.
PIXEL_BUDGET = PixelBudget(60_000_000)


def _pixels_of(data):
    """Width x height x frames from the file's header (no decoding); 0 when it is not a readable image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.width * image.height * getattr(image, "n_frames", 1)
    except Exception:  # noqa: BLE001 -- Pillow raises many types for bad files; colorize_image_bytes reports them.
        return 0


_COLORIZERS = {}
_COLORIZERS_LOCK = threading.Lock()


def shared_colorizer(config):
    """The model of this config, loaded once per process: the job's threads and its driver share it.

    A loaded model serves concurrent calls; loading and tracing it once instead of once
    per thread saves about half a second per thread at start-up, and its memory.
    """
    from model import inference

    # The file's modification time too: a model retrained in place is loaded afresh.
    modified = os.path.getmtime(config.model) if os.path.exists(config.model) else None
    key = (config.model, modified, config.temperature, config.working_size, config.saturation)
    with _COLORIZERS_LOCK:
        if key not in _COLORIZERS:
            _COLORIZERS[key] = inference.load(config.model, config.temperature, config.working_size,
                                              saturation=config.saturation)
        return _COLORIZERS[key]


# Runs that stopped writing (a full disk): their remaining work items are skipped, not attempted.
_STOPPED_RUNS = set()


class ColorizeFiles(beam.DoFn):
    """Colorizes files; loads the model once per worker in setup().

    Each output's record (what made it) is added to a journal before the output is
    renamed into place. A full disk or a read-only output stops the work: the items left
    are passed over as not done, for the next run.
    """

    def __init__(self, config, total, expected):
        self.config = config
        self.total = total
        self.expected = expected  # made_with(config), computed once by the driver
        self.run_id = uuid.uuid4().hex  # the same in every copy of this DoFn: threads share a progress count
        self.colorizer = None
        self.progress = None
        self.journal = None

    def setup(self):
        console.quiet_worker()
        self.colorizer = shared_colorizer(self.config)
        self.progress = Progress.shared(self.run_id, "images colorized", total=self.total)
        self.journal = outputs.Journal(self.config.output)

    def process(self, element):
        path, relative_path = files.from_element(element)
        if self.run_id in _STOPPED_RUNS:
            yield {"path": files.printable_path(path), "status": "not_done"}
            return
        started = time.monotonic()
        target = output_path_for(self.config, relative_path)
        try:
            result = self._colorize(path, relative_path, target)
        except images.UnusableImage as error:
            Metrics.counter("colorize", f"failed_{error.reason}").inc()
            yield beam.pvalue.TaggedOutput(FAILURE_TAG, files.failure_record(path, error.reason, error.detail))
        except outputs.OutputError as error:
            Metrics.counter("colorize", "failed_writing").inc()
            if error.stops_run:
                _STOPPED_RUNS.add(self.run_id)
            yield beam.pvalue.TaggedOutput(FAILURE_TAG, {
                **files.failure_record(path, "output_stopped" if error.stops_run else "write_failed",
                                       files.printable_path(str(error))),
                "output": files.printable_path(error.path)})
        except OSError as error:
            Metrics.counter("colorize", "failed_unreadable").inc()
            yield beam.pvalue.TaggedOutput(FAILURE_TAG, files.unreadable_record(path, error))
        else:
            Metrics.counter("colorize", result["status"]).inc()
            yield {**result, "seconds": round(time.monotonic() - started, 3)}
        self.progress.add()

    def _colorize(self, path, relative_path, target):
        from model import inference

        # The identity before reading and the hash of the bytes read: if the file changes while
        # it is read, the next run sees an identity that differs and a content that does too.
        identity = input_identity(path)
        data = images.read_image_file(path, self.config.max_pixels)
        record = {"input": {**identity, "path": path, "sha256": outputs.content_hash(data)},
                  "made_with": self.expected}

        def keep_record(written):
            record["output"] = {"size": written.st_size, "mtime_ns": written.st_mtime_ns}
            self.journal.add(relative_path, record)

        with PIXEL_BUDGET.reserve(_pixels_of(data)):
            status, output, pixels = colorize_image_bytes(
                data, path, functools.partial(inference.colorize_image, self.colorizer),
                keep_color=self.config.keep_color, max_pixels=self.config.max_pixels)
            outputs.write_atomically(self.config.output, target, output, before_replace=keep_record)
            if self.config.compare and pixels is not None:
                compare = compare_path_for(self.config, relative_path)
                outputs.write_atomically(self.config.output, compare, encode_like(compare, compare_image(*pixels)))
        # Paths printable: Beam's coders refuse a name that is not UTF-8 (files.printable_path).
        return {"path": files.printable_path(path), "output": files.printable_path(target), "status": status,
                "megapixels": round(pixels[1].shape[0] * pixels[1].shape[1] / 1e6, 3) if pixels is not None else None}


class ColorizeImages(beam.PTransform):
    """(path, relative path) work items -> colorized files; results and failures as outputs."""

    def __init__(self, config, work, expected=None):
        super().__init__()
        self.config = config
        self.work = work
        self.expected = expected

    def expand(self, pbegin):
        expected = self.expected or made_with(self.config)
        return (pbegin
                | "ListWork" >> beam.Create(files.to_elements(self.work))
                | "Colorize" >> beam.ParDo(ColorizeFiles(self.config, len(self.work), expected)).with_outputs(
                    FAILURE_TAG, main="results"))


def run_colorize(config, pipeline_options, argv=None):
    """The whole job: validate, lock, plan, colorize, record, report. Returns the report dict.

    A full disk or an output that cannot be written ends with a report too, as far as one
    can be written; the caller tells the user from report["stopped"] and the failures.
    """
    started = time.monotonic()
    # A missing or foreign model, or a setting out of range, fails here, before any work.
    shared_colorizer(config)
    found, refused = list_inputs(config.input)
    check_paths(config)
    with outputs.OutputLock(config.output):
        leftovers = outputs.remove_leftovers(config.output)
        if leftovers:
            logger.info(f"removed {leftovers:,} temporary files left by an interrupted run")
        legacy = (not os.path.exists(os.path.join(outputs.job_folder(config.output), outputs.STATE_NAME))
                  and os.path.exists(os.path.join(config.output, LEGACY_LOCK_NAME)))
        state = outputs.StateRecord(config.output)
        expected = made_with(config)
        ignored = [files.failure_record(path, "not_an_image",
                                        f"the extension is not one of {', '.join(sorted(OUTPUT_FORMATS))}")
                   for path, _ in found if os.path.splitext(path)[1].lower() not in OUTPUT_FORMATS]
        found = [(path, relative) for path, relative in found
                 if os.path.splitext(path)[1].lower() in OUTPUT_FORMATS]
        plan = plan_work(config, found, state, expected, legacy)
        logger.info(f"{len(found):,} files under {config.input}: {len(plan.work):,} to colorize "
                    f"({len(plan.redone):,} to redo), {plan.up_to_date:,} up to date"
                    + (f", {len(refused) + len(plan.refused)} refused" if refused or plan.refused else ""))
        results, failures = [], refused + plan.refused
        stopped = None
        if plan.work:
            try:
                run_results, run_failures = _run_pipeline(config, plan.work, expected, pipeline_options)
            except outputs.OutputError as error:
                run_results, run_failures, stopped = [], [], str(error)
            results += run_results
            failures += run_failures
        stopped = stopped or next((failure["detail"] for failure in failures
                                   if failure["reason"] == "output_stopped"), None)
        orphaned = plan.orphaned
        if config.remove_orphans and orphaned and not stopped:
            removed = len(orphaned)
            orphaned = remove_orphans(config, state, orphaned)
            logger.info(f"removed {removed - len(orphaned):,} outputs whose input was deleted")
        state.merge_journals()
        report = {
            "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "input": config.input,
            "output": config.output,
            "model": config.model,
            "made_with": expected,
            "counts": _counts(found, refused, ignored, plan, results, failures),
            "megapixels": round(sum(result.get("megapixels") or 0 for result in results), 2),
            "seconds": round(time.monotonic() - started, 1),
            "failures": sorted(failures, key=lambda failure: failure["path"]),
            "ignored": ignored,
            "redone": plan.redone,
            "orphaned": [{key: files.printable_path(value) for key, value in orphan.items()} for orphan in orphaned],
            "removed_orphans": len(plan.orphaned) - len(orphaned) if config.remove_orphans and not stopped else 0,
            "stopped": stopped,
            "command": list(sys.argv if argv is None else argv),
            "config": dataclasses.asdict(config),
            "report": report_path(config.output),
        }
        output_of = {files.printable_path(path): output_path_for(config, relative_path)
                     for path, relative_path in plan.work}
        colorized = sorted(output_of[result["path"]] for result in results if result["status"] == "colorized")
        try:
            state.save()
            if config.contact_sheet and colorized and not stopped:
                chosen = colorized[:CONTACT_SHEET_LIMIT]
                sheet = os.path.join(outputs.job_folder(config.output), CONTACT_SHEET_NAME)
                outputs.write_atomically(config.output, sheet, contact_sheet(
                    chosen, [os.path.relpath(path, config.output) for path in chosen]))
                report["contact_sheet"] = {"path": sheet, "images": len(chosen), "of": len(colorized)}
            outputs.write_atomically(config.output, report_path(config.output),
                                     files.json_text(report, indent=1).encode("utf-8"))
        except outputs.OutputError as error:
            report["stopped"] = report["stopped"] or str(error)
            report["report"] = None
    return report


def _run_pipeline(config, work, expected, pipeline_options):
    """Colorize the work items on Beam; returns (results, failures).

    Raises OutputError when Beam's own files cannot be written (a full disk).
    """
    with files.glob_free(config.output) as output:
        staging = outputs.staging_folder(output)
        try:
            with beam.Pipeline(options=pipeline_options) as pipeline:
                results = pipeline | "ColorizeImages" >> ColorizeImages(config, work, expected)
                _ = (results.results | "ResultLines" >> beam.Map(json.dumps)
                     | "WriteResults" >> beam.io.WriteToText(os.path.join(staging, "results"),
                                                             shard_name_template=""))
                _ = (results[FAILURE_TAG] | "FailureLines" >> beam.Map(json.dumps)
                     | "WriteFailures" >> beam.io.WriteToText(os.path.join(staging, "failures"),
                                                              shard_name_template=""))
            return _read_lines(os.path.join(staging, "results")), _read_lines(os.path.join(staging, "failures"))
        except Exception as error:
            cause = _os_error_in(error)
            if cause is None:
                raise
            raise outputs.OutputError(getattr(cause, "filename", None) or staging, cause) from error
        finally:
            shutil.rmtree(staging, ignore_errors=True)


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


def _counts(found, refused, ignored, plan, results, failures):
    counts = {"files": len(found) + len(refused) + len(ignored), "colorized": 0, "passed_through": 0,
              "up_to_date": plan.up_to_date, "redone": len(plan.redone), "not_done": 0,
              "ignored": len(ignored), "failed": len(failures), "orphaned": len(plan.orphaned)}
    for result in results:
        counts[result["status"]] += 1
    return counts


def _read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def summarize(report):
    """The lines the job prints when it is done."""
    counts = report["counts"]
    lines = [f"colorized {counts['colorized']:,}, passed through {counts['passed_through']:,}, "
             f"up to date {counts['up_to_date']:,}, failed {counts['failed']:,}"
             + (f", ignored {counts['ignored']:,} files that are not images" if counts["ignored"] else "")
             + " "
             f"({report['megapixels']:,.1f} megapixels in {report['seconds']:.0f} s) -> "
             f"{files.printable_path(report['output'])}"]
    if report["redone"]:
        reasons = collections.Counter(redone["reason"] for redone in report["redone"])
        lines.append(f"  redone {len(report['redone']):,} earlier outputs: " + ", ".join(
            f"{count:,} because {REDO_REASONS[reason]}" for reason, count in sorted(reasons.items())))
    if report["stopped"]:
        lines.append(f"  stopped: {report['stopped']}" + (
            f" ({counts['not_done']:,} inputs not done)" if counts["not_done"] else ""))
    for failure in report["failures"][:10]:
        lines.append(f"  failed: {failure['path']}: {failure['reason']}: {failure['detail']}")
    if len(report["failures"]) > 10:
        lines.append(f"  ... and {len(report['failures']) - 10} more")
    if report["orphaned"]:
        lines.append(f"  {len(report['orphaned']):,} outputs have no input any more (it was deleted); they are "
                     "listed in the report, and --remove-orphans deletes them")
    if report["removed_orphans"]:
        lines.append(f"  removed {report['removed_orphans']:,} outputs whose input was deleted")
    if report["report"] and (report["failures"] or report["orphaned"]):
        lines.append(f"  the full list is in {files.printable_path(report['report'])}")
    return "\n".join(lines)
