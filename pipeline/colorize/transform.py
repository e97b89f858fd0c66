"""The colorize job's Beam transform: (path, relative path) work items in, colorized files written.

`ColorizeImages` reads each file, colorizes it at full resolution (pipeline/colorize/formats.py)
and writes it through an atomic rename, with the record of what made it added to a journal
first. Results and failures are the transform's two outputs: the job counts from them, on
any runner (the Dask runner has no metrics).
"""

import contextlib
import functools
import io
import os
import threading
import time
import uuid

import apache_beam as beam
from apache_beam.utils import shared

from pipeline.colorize import formats as colorized_photos, metadata, plan as colorize_plan, signing
from pipeline.io import console, files, images, outputs

FAILURE_TAG = "failures"
# The colorizer's decoding settings, as resolved from the options and the model's defaults,
# that an output's provenance names (pipeline/colorize/metadata.py).
PROVENANCE_SETTINGS = ("temperature", "saturation", "agreement_power", "working_size")
# About 15 bytes of working memory per pixel: one 50-megapixel image, or two of 30, at a time.
PIXEL_BUDGET_PIXELS = 60_000_000

# The loaded model, once per process: the job's threads, its driver on an in-process runner,
# and every copy of the DoFn on a worker share it (apache_beam.utils.shared).
_MODEL = shared.Shared()
# Runs that stopped writing (a full disk): their remaining work items are skipped, not attempted.
_STOPPED_RUNS = set()


def shared_colorizer(config):
    """The model of this config, loaded once per process and shared by its threads.

    A loaded model serves concurrent calls; loading and tracing it once instead of once
    per thread saves about half a second per thread at start-up, and its memory. A model
    file retrained in place, or other settings, load it afresh.
    """
    from model import inference

    modified = os.path.getmtime(config.model) if os.path.exists(config.model) else None
    return _MODEL.acquire(
        functools.partial(inference.load, config.model, config.temperature, config.working_size,
                          saturation=config.saturation, agreement_power=config.agreement_power),
        tag=(config.model, modified, config.temperature, config.working_size, config.saturation,
             config.agreement_power))


@contextlib.contextmanager
def loaded_model(config):
    """The model of this config, loaded now and held while the job runs, so that an in-process
    runner's workers find it loaded; a missing or foreign model, or a setting out of range, fails here.

    Shared keeps only its most recently acquired object alive by itself, so any other
    acquisition in the process (Beam's DirectRunner takes one for its Prism handle; our
    LocalRunner takes none, but a user's --runner may) would let the model be collected
    between the driver's check and the workers' setup, and loaded twice.
    """
    colorizer = shared_colorizer(config)
    yield colorizer


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


PIXEL_BUDGET = PixelBudget(PIXEL_BUDGET_PIXELS)


def confidence_of(confidences):
    """An output's confidence (model/inference.confidence_of), rounded: its frames' lowest; None when
    nothing was colorized (a color photo passed through)."""
    return round(min(confidences), 4) if confidences else None


def pixels_of(data, max_pixels):
    """Width x height x frames from the file's header (no decoding); 0 when it is not a readable image
    (colorized_photos then says why)."""
    try:
        with images.open_header(io.BytesIO(data), max_pixels=max_pixels, min_side=0) as image:
            return image.width * image.height * getattr(image, "n_frames", 1)
    except images.UnusableImage:
        return 0
    except (OSError, ValueError, EOFError, SyntaxError):  # counting frames reads past a header Pillow accepted
        return 0


class ColorizeFiles(beam.DoFn):
    """Colorizes files; the model is loaded once per worker process, in setup().

    Each output's record (what made it) is added to a journal before the output is
    renamed into place. A full disk or a read-only output stops the work: the items left
    are passed over as not done, for the next run.
    """

    def __init__(self, config, total, expected, guidance=None):
        self.config = config
        self.expected = expected  # colorize_plan.made_with(config), computed once by the driver
        self.guidance = guidance  # guidance.RunGuidance with the palettes, or None
        self.shared_progress = console.SharedProgress("images colorized", total=total)
        self.run_id = uuid.uuid4().hex  # the same in every copy of this DoFn: a stop reaches them all
        self.colorizer = None
        self.colorize_pixels = None
        self.progress = None
        self.journal = None
        self.credentials = None  # signing.Credentials with --c2pa-cert: read by each worker, never pickled

    def setup(self):
        console.quiet_worker()
        self.colorizer = shared_colorizer(self.config)
        from pipeline.colorize import batching  # imports TensorFlow, as the model does

        self.colorize_pixels = batching.image_colorizer(self.colorizer)  # batched with a GPU
        self.progress = self.shared_progress.acquire()
        self.journal = outputs.Journal(self.config.output)
        if signing.enabled(self.config):
            self.credentials = signing.load(self.config.c2pa_cert, self.config.c2pa_key)

    def process(self, element):
        path, relative_path = files.from_element(element)
        if self.run_id in _STOPPED_RUNS:
            yield {"path": files.printable_path(path), "status": "not_done"}
            return
        started = time.monotonic()
        try:
            result = self._colorize(path, relative_path)
        except images.UnusableImage as error:
            yield beam.pvalue.TaggedOutput(FAILURE_TAG, files.failure_record(path, error.reason, error.detail))
        except outputs.OutputError as error:
            if error.stops_run:
                _STOPPED_RUNS.add(self.run_id)
            yield beam.pvalue.TaggedOutput(FAILURE_TAG, {
                **files.failure_record(path, "output_stopped" if error.stops_run else "write_failed",
                                       files.printable_path(str(error))),
                "output": files.printable_path(error.path)})
        except OSError as error:
            yield beam.pvalue.TaggedOutput(FAILURE_TAG, files.unreadable_record(path, error))
        else:
            yield {**result, "seconds": round(time.monotonic() - started, 3)}
        self.progress.add()

    def _colorize(self, path, relative_path):
        target = colorize_plan.output_path_for(self.config, relative_path)
        # The identity before reading and the hash of the bytes read: if the file changes while
        # it is read, the next run sees an identity that differs and a content that does too.
        identity = colorize_plan.input_identity(path)
        data = images.read_image_file(path, self.config.max_pixels)
        record = {"input": {**identity, "path": path, "sha256": outputs.content_hash(data)},
                  "made_with": self.expected if self.guidance is None
                  else self.guidance.made_with(self.expected, relative_path)}

        def keep_record(written):
            record["output"] = {"size": written.st_size, "mtime_ns": written.st_mtime_ns}
            record["confidence"] = confidence_of(confidences)
            self.journal.add(relative_path, record)

        confidences = []  # of each frame colorized (one for a photo)
        with PIXEL_BUDGET.reserve(pixels_of(data, self.config.max_pixels)):
            status, output, pixels = colorized_photos.colorize_image_bytes(
                data, path, self._pixel_colorizer(relative_path, confidences),
                keep_color=self.config.keep_color, max_pixels=self.config.max_pixels,
                provenance=self._provenance(), credentials=self.credentials)
            outputs.write_atomically(self.config.output, target, output, before_replace=keep_record)
            if self.config.compare and pixels is not None:
                compare = colorize_plan.compare_path_for(self.config, relative_path)
                outputs.write_atomically(self.config.output, compare,
                                         colorized_photos.compare_image_bytes(compare, *pixels))
        # Paths printable: Beam's coders refuse a name that is not UTF-8 (files.printable_path).
        return {"path": files.printable_path(path), "output": files.printable_path(target), "status": status,
                "megapixels": round(pixels[1].shape[0] * pixels[1].shape[1] / 1e6, 3) if pixels is not None else None,
                # A toned scan (sepia, cyan) was colorized from its lightness as a gray one is.
                "toned": pixels is not None and pixels[0].ndim == 3 and images.is_toned(pixels[0]),
                "confidence": record["confidence"]}  # set by keep_record as the output was put in place

    def _pixel_colorizer(self, relative_path, confidences):
        """uint8 pixels -> RGB, with this image's hints and reference (checked against the pixels' size);
        each frame's confidence is appended to `confidences`."""
        from model import inference

        def colorize(pixels):
            guidance = inference.NO_GUIDANCE if self.guidance is None else \
                self.guidance.guidance_for(relative_path, *pixels.shape[:2])
            rgb, confidence = self.colorize_pixels(pixels, guidance)
            confidences.append(confidence)
            return rgb

        return colorize

    def _provenance(self):
        """What made the colors, for the output's metadata; None with --no-provenance."""
        if self.config.no_provenance:
            return None
        settings = {name: getattr(self.colorizer, name) for name in PROVENANCE_SETTINGS}
        settings["keep_color"] = self.config.keep_color
        return metadata.Provenance(model=self.expected["model"], settings=settings)


class ColorizeImages(beam.PTransform):
    """(path, relative path) work items -> colorized files; results and failures as outputs."""

    def __init__(self, config, work, expected=None, guidance=None):
        super().__init__()
        self.config = config
        self.work = work
        self.expected = expected
        self.guidance = guidance

    def expand(self, pbegin):
        expected = self.expected or colorize_plan.made_with(self.config)
        return (pbegin
                | "ListWork" >> beam.Create(files.to_elements(self.work))
                | "Colorize" >> beam.ParDo(ColorizeFiles(self.config, len(self.work), expected, self.guidance))
                .with_outputs(FAILURE_TAG, main="results"))
