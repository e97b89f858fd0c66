"""The colorize job's Beam transforms: a folder of photos in, full-resolution color photos out.

Each input file is written to the same relative path under the output folder, in its own
format, through a temporary name and an atomic rename, so that a killed run never leaves
a partial file and the next run finishes the work. An input is up to date, and skipped,
when its output exists and is newer than it (like `make`); --overwrite redoes everything.
Files without an image extension are ignored and listed in the report; files with one
that cannot be colorized are failures, listed with the reason.
"""

import contextlib
import dataclasses
import datetime
import errno
import fcntl
import functools
import io
import json
import os
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

from pipeline import console, files, images
from pipeline.console import Progress, logger

REPORT_NAME = "colorize-report.json"
CONTACT_SHEET_NAME = "colorize-contact-sheet.jpg"
CONTACT_SHEET_LIMIT = 100  # images on the sheet: the first ones by path
CONTACT_CELL = 240  # pixels on the long side of each thumbnail
LOCK_NAME = ".colorize.lock"
COMPARE_SUFFIX = ".compare"
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
TEMPORARY_MARK = ".colorize-tmp-"  # in the names of files being written
STAGING_PREFIX = ".staging-"  # folders under the output in which a run collects its results


class LockedError(RuntimeError):
    """Another colorize run is writing to the same output folder."""


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
    contact_sheet: bool = False  # also write colorize-contact-sheet.jpg of this run's results
    max_pixels: int = images.MAX_PIXELS


# ---------------------------------------------------------------------------------------
# Listing the input safely.


def list_inputs(input_path):
    """(path, relative path) of every file to colorize, and the files refused while listing."""
    return files.list_files(input_path, skip=lambda name: TEMPORARY_MARK in name)


def remove_leftovers(output):
    """Delete the temporary files and staging folders that a killed run left in the output.

    Call only under the OutputLock: then no other run is writing them.
    """
    removed = 0
    for directory, subdirectories, names in os.walk(output):
        for name in list(subdirectories):
            if directory == output and name.startswith(STAGING_PREFIX):
                subdirectories.remove(name)
                shutil.rmtree(os.path.join(directory, name), ignore_errors=True)
                removed += 1
        for name in names:
            if TEMPORARY_MARK in name:
                os.remove(os.path.join(directory, name))
                removed += 1
    return removed


def output_path_for(config, relative_path):
    """Where the colorized copy of an input goes: the same relative path under the output."""
    return os.path.join(config.output, relative_path)


def is_up_to_date(input_path, output_path):
    """True when the output exists and is at least as new as the input."""
    try:
        return os.stat(output_path).st_mtime_ns >= os.stat(input_path).st_mtime_ns
    except FileNotFoundError:
        return False


def check_paths(config):
    """Refuse an output inside the input, or an output that cannot be written, before any work."""
    output = os.path.realpath(config.output)
    root = os.path.realpath(files.input_root(config.input))
    if os.path.commonpath([output, root]) == root:
        raise ValueError(f"the output {config.output} is inside the input {config.input}; a later run would "
                         "colorize its own results: choose an output folder outside the input")
    try:
        os.makedirs(config.output, exist_ok=True)
        probe = os.path.join(config.output, f".write-test-{uuid.uuid4().hex}")
        with open(probe, "wb") as file:
            file.write(b"ok")
        os.remove(probe)
    except OSError as error:
        raise ValueError(f"cannot write to the output folder {config.output} ({error.strerror}); "
                         "choose a folder you can write to with --output") from error


class OutputLock:
    """An exclusive lock on the output folder, so two runs never write the same files."""

    def __init__(self, output):
        self.path = os.path.join(output, LOCK_NAME)
        self.file = None

    def __enter__(self):
        self.file = open(self.path, "a+")
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            self.file.seek(0)
            holder = self.file.read().strip() or "another process"
            self.file.close()
            raise LockedError(f"another colorize run ({holder}) is writing to {os.path.dirname(self.path)}; "
                              "wait for it to finish, or choose another --output") from error
        self.file.seek(0)
        self.file.truncate()
        self.file.write(f"pid {os.getpid()} since {datetime.datetime.now().isoformat(timespec='seconds')}")
        self.file.flush()
        return self

    def __exit__(self, *exc_info):
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()


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


def frame_count(data):
    """How many frames of content an image file holds, counted on the file: open_image returns one frame.

    A camera's MPO file is a JPEG whose later frames are previews, so it counts as one.
    """
    try:
        with Image.open(io.BytesIO(data)) as original:
            return 1 if original.format == "MPO" else getattr(original, "n_frames", 1)
    except (OSError, EOFError, SyntaxError) as error:
        raise images.UnusableImage("corrupt", f"cannot count the frames ({error})") from error


def pixels_and_alpha(image):
    """(uint8 pixels, alpha uint8 array or None) of a Pillow image of any mode.

    The pixels are 8-bit grayscale (H, W) for a grayscale image of any depth, which
    colorizes with less work than its RGB copy and to the same result, and RGB (H, W, 3)
    otherwise.
    """
    if image.mode in images.GRAY_MODES:
        return images.to_gray8(image), None
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info)
    if not has_alpha:
        return images.to_rgb(image), None
    rgba = image.convert("RGBA")
    return np.asarray(rgba.convert("RGB")), np.asarray(rgba)[..., 3]


def colorize_image_bytes(data, path, colorize, keep_color=False, max_pixels=images.MAX_PIXELS):
    """Colorize one file's bytes; returns (status, output bytes, (pixels in, RGB out) or None).

    `colorize` maps uint8 pixels, grayscale (H, W) or RGB (H, W, 3), to RGB (H, W, 3).
    status is "colorized" or "passed_through" (a color input with keep_color). Raises
    UnusableImage with the reason for anything that cannot be colorized.
    """
    pillow_format, options = output_format(path)
    image = images.open_image(data, max_pixels=max_pixels)
    frames = frame_count(data)
    if frames > 1:
        raise images.UnusableImage("animated", f"an animation of {frames} frames; extract the frames and "
                                               "colorize them as separate images")
    pixels, alpha = pixels_and_alpha(image)
    if keep_color and pixels.ndim == 3 and not images.is_grayscale(pixels):
        return "passed_through", data, None
    colorized = colorize(pixels)
    result = Image.fromarray(colorized)
    if alpha is not None and pillow_format in ("PNG", "WEBP", "TIFF", "GIF"):
        result.putalpha(Image.fromarray(alpha))
    buffer = io.BytesIO()
    result.save(buffer, format=pillow_format, **options)
    return "colorized", buffer.getvalue(), (pixels, colorized)


def compare_image(pixels_in, rgb_out):
    """A side-by-side picture: input (grayscale or RGB) | colorized."""
    height, width = pixels_in.shape[:2]
    canvas = np.full((height, width * 2 + 8, 3), 255, dtype=np.uint8)
    canvas[:, :width] = pixels_in[..., None] if pixels_in.ndim == 2 else pixels_in
    canvas[:, width + 8:] = rgb_out
    return canvas


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


def write_atomically(path, data):
    """Write bytes to `path` through a temporary name in the same folder and an atomic rename.

    On object stores (gs://, s3://) an object appears only when its upload completes.
    """
    if "://" in path:
        with FileSystems.create(path) as file:
            file.write(data)
        return
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, f".{os.path.basename(path)}{TEMPORARY_MARK}{uuid.uuid4().hex[:8]}")
    try:
        with open(temporary, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


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
    """Width x height from the file's header (no decoding); 0 when it is not a readable image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.width * image.height
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


class ColorizeFiles(beam.DoFn):
    """Colorizes files; loads the model once per worker in setup()."""

    def __init__(self, config, total):
        self.config = config
        self.total = total
        self.run_id = uuid.uuid4().hex  # the same in every copy of this DoFn: threads share a progress count
        self.colorizer = None
        self.progress = None

    def setup(self):
        console.quiet_worker()
        self.colorizer = shared_colorizer(self.config)
        self.progress = Progress.shared(self.run_id, "images colorized", total=self.total)

    def process(self, element):
        from model import inference

        path, relative_path = files.from_element(element)
        started = time.monotonic()
        target = output_path_for(self.config, relative_path)
        try:
            data = images.read_image_file(path, self.config.max_pixels)
            with PIXEL_BUDGET.reserve(_pixels_of(data)):
                status, output, pixels = colorize_image_bytes(
                    data, path, functools.partial(inference.colorize_image, self.colorizer),
                    keep_color=self.config.keep_color, max_pixels=self.config.max_pixels)
                write_atomically(target, output)
                if self.config.compare and pixels is not None:
                    buffer = io.BytesIO()
                    Image.fromarray(compare_image(*pixels)).save(buffer, format="JPEG", quality=90)
                    write_atomically(os.path.splitext(target)[0] + COMPARE_SUFFIX + ".jpg", buffer.getvalue())
        except images.UnusableImage as error:
            Metrics.counter("colorize", f"failed_{error.reason}").inc()
            yield beam.pvalue.TaggedOutput(FAILURE_TAG, files.failure_record(path, error.reason, error.detail))
        except OSError as error:
            Metrics.counter("colorize", "failed_unreadable").inc()
            yield beam.pvalue.TaggedOutput(FAILURE_TAG, files.failure_record(path, "io_error",
                                                                             f"{error.strerror or error}"))
        else:
            Metrics.counter("colorize", status).inc()
            # Paths printable: Beam's coders refuse a name that is not UTF-8 (files.printable_path).
            yield {"path": files.printable_path(path), "output": files.printable_path(target), "status": status,
                   "megapixels": round(pixels[1].shape[0] * pixels[1].shape[1] / 1e6, 3)
                   if pixels is not None else None,
                   "seconds": round(time.monotonic() - started, 3)}
        self.progress.add()


class ColorizeImages(beam.PTransform):
    """(path, relative path) work items -> colorized files; results and failures as outputs."""

    def __init__(self, config, work):
        super().__init__()
        self.config = config
        self.work = work

    def expand(self, pbegin):
        return (pbegin
                | "ListWork" >> beam.Create(files.to_elements(self.work))
                | "Colorize" >> beam.ParDo(ColorizeFiles(self.config, len(self.work))).with_outputs(
                    FAILURE_TAG, main="results"))


def run_colorize(config, pipeline_options, argv=None):
    """The whole job: validate, lock, plan, colorize, report. Returns the report dict."""
    started = time.monotonic()
    # A missing or foreign model, or a setting out of range, fails here, before any work.
    shared_colorizer(config)
    found, refused = list_inputs(config.input)
    check_paths(config)
    with OutputLock(config.output):
        leftovers = remove_leftovers(config.output)
        if leftovers:
            logger.info(f"removed {leftovers:,} temporary files left by an interrupted run")
        work, up_to_date = [], 0
        ignored = [files.failure_record(path, "not_an_image",
                                        f"the extension is not one of {', '.join(sorted(OUTPUT_FORMATS))}")
                   for path, _ in found if os.path.splitext(path)[1].lower() not in OUTPUT_FORMATS]
        found = [(path, relative) for path, relative in found
                 if os.path.splitext(path)[1].lower() in OUTPUT_FORMATS]
        for path, relative_path in found:
            if not config.overwrite and is_up_to_date(path, output_path_for(config, relative_path)):
                up_to_date += 1
            else:
                work.append((path, relative_path))
        logger.info(f"{len(found):,} files under {config.input}: {len(work):,} to colorize, "
                    f"{up_to_date:,} up to date" + (f", {len(refused)} refused" if refused else ""))
        results, failures = [], list(refused)
        if work:
            with files.glob_free(config.output) as output:
                staging = os.path.join(output, f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}")
                try:
                    with beam.Pipeline(options=pipeline_options) as pipeline:
                        outputs = pipeline | "ColorizeImages" >> ColorizeImages(config, work)
                        _ = (outputs.results | "ResultLines" >> beam.Map(json.dumps)
                             | "WriteResults" >> beam.io.WriteToText(os.path.join(staging, "results"),
                                                                     shard_name_template=""))
                        _ = (outputs[FAILURE_TAG] | "FailureLines" >> beam.Map(json.dumps)
                             | "WriteFailures" >> beam.io.WriteToText(os.path.join(staging, "failures"),
                                                                      shard_name_template=""))
                    results = _read_lines(os.path.join(staging, "results"))
                    failures += _read_lines(os.path.join(staging, "failures"))
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
        counts = {"files": len(found) + len(refused) + len(ignored), "colorized": 0, "passed_through": 0,
                  "up_to_date": up_to_date, "ignored": len(ignored), "failed": len(failures)}
        for result in results:
            counts[result["status"]] += 1
        megapixels = sum(result["megapixels"] or 0 for result in results)
        seconds = time.monotonic() - started
        report = {
            "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "input": config.input,
            "output": config.output,
            "model": config.model,
            "counts": counts,
            "megapixels": round(megapixels, 2),
            "seconds": round(seconds, 1),
            "failures": sorted(failures, key=lambda failure: failure["path"]),
            "ignored": ignored,
            "command": list(sys.argv if argv is None else argv),
            "config": dataclasses.asdict(config),
        }
        output_of = {files.printable_path(path): output_path_for(config, relative_path) for path, relative_path in work}
        colorized = sorted(output_of[result["path"]] for result in results if result["status"] == "colorized")
        if config.contact_sheet and colorized and "://" not in config.output:
            chosen = colorized[:CONTACT_SHEET_LIMIT]
            write_atomically(os.path.join(config.output, CONTACT_SHEET_NAME), contact_sheet(
                chosen, [os.path.relpath(path, config.output) for path in chosen]))
            report["contact_sheet"] = {"path": os.path.join(config.output, CONTACT_SHEET_NAME),
                                       "images": len(chosen), "of": len(colorized)}
        write_atomically(os.path.join(config.output, REPORT_NAME),
                         files.json_text(report, indent=1).encode("utf-8"))
    return report


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
    for failure in report["failures"][:10]:
        lines.append(f"  failed: {failure['path']}: {failure['reason']}: {failure['detail']}")
    if len(report["failures"]) > 10:
        lines.append(f"  ... and {len(report['failures']) - 10} more")
    if report["failures"]:
        lines.append(f"  the full list is in {files.printable_path(os.path.join(report['output'], REPORT_NAME))}")
    return "\n".join(lines)
