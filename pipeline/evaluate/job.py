"""The evaluate job: colorize color images from their lightness and compare with the originals.

Reads a split of the prepare job's shards (batched, all images of one size) or a folder
of color photos (one at a time, at full resolution, exactly as the colorize job does),
and measures the model beside the grayscale copy (L with a = b = 0) in the same run;
a thread per core works on a batch or photo at a time.
"""

import collections
import concurrent.futures
import csv
import dataclasses
import io
import json
import os
import time
import zlib

import numpy as np
import tensorflow as tf

from model import color, hints, inference, metrics
from pipeline.io import files, grids, images, outputs
from pipeline.io.console import Progress
from pipeline.prepare import cifar, schema
from pipeline.train import dataset

REPORT_NAME = "report.json"
GRID_NAME = "grid.png"
PER_IMAGE_NAME = "per_image.csv"
METRICS = ("mse", "psnr", "ssim", "ciede2000", "blotches", "colorfulness", "colorfulness_truth")
GRID_COLUMNS = 3  # grayscale | colorized | ground truth
GRID_CELL = 160  # pixels on the long side of each picture in the grid
GRID_GAP = 4  # white pixels between the pictures


@dataclasses.dataclass(frozen=True)
class EvaluateConfig:
    """The evaluate job's options; the CLI flags map one to one onto these fields."""

    data: str
    model: str
    output: str
    split: str = "test"
    temperatures: tuple = ()  # empty: the model's default
    saturations: tuple = ()  # chroma gains; empty: the model's default
    working_size: int | None = None
    limit: int | None = None
    batch_size: int = 250
    grid: int = 12  # images in the PNG grid
    max_pixels: int = images.MAX_PIXELS
    # Counts of true hints per image (hints.draw_true_hints, nested, seeded by the image's id):
    # each count above 0 measures the guided model with them ("_hintsN") and the hand-made
    # spread of the same hints over the automatic colors ("_spreadN"), the floor it must beat.
    hints: tuple = ()
    hint_seed: int = 29


class Accumulator:
    """Aggregate and per-class figures of one method (a model setting or the grayscale copy)."""

    def __init__(self):
        self.squared_error = 0.0
        self.values = 0
        self.per_image = {name: [] for name in METRICS}
        self.pixels = []  # of each image, to pool its share of blotches over all pixels
        self.labels = []
        self.ids = []

    @staticmethod
    def measure(predicted, truth):
        """The figures of one batch, to `record` later: computed apart so that threads can share the work."""
        difference = metrics.as_unit_float(predicted) - metrics.as_unit_float(truth)
        return (float(np.sum(difference * difference)), difference.size, np.shape(truth)[1] * np.shape(truth)[2],
                metrics.batch_metrics(predicted, truth))

    def record(self, measured, labels, ids=None):
        squared_error, values, pixels, per_image = measured
        self.squared_error += squared_error
        self.values += values
        self.pixels.extend([pixels] * len(labels))
        for name, batch_values in per_image.items():
            self.per_image[name].extend(float(value) for value in batch_values)
        self.labels.extend(int(label) for label in labels)
        self.ids.extend(ids if ids is not None else [""] * len(labels))

    def add(self, predicted, truth, labels, ids=None):
        self.record(self.measure(predicted, truth), labels, ids)

    def summary(self, class_names=None, compared=None):
        """The figures of report.json; `compared`: which images the mean image PSNR is over (default: all
        with a finite PSNR)."""
        mse = self.squared_error / max(self.values, 1)
        psnr_values = np.array(self.per_image["psnr"])
        finite = np.isfinite(psnr_values)
        compared = finite if compared is None else compared
        result = {
            "images": len(self.labels),
            "mse": mse,
            "psnr": metrics.psnr_from_mse(mse),
            "mean_image_psnr": metrics.mean_image_psnr(psnr_values, compared),
            "mean_image_psnr_images": int(compared.sum()),
            "exact_images": int(np.sum(~finite)),
            "ssim": float(np.mean(self.per_image["ssim"])),
            "ciede2000": float(np.mean(self.per_image["ciede2000"])),
            # Pooled over all pixels of all images, so larger images weigh more, as in the MSE.
            "blotches": float(np.average(self.per_image["blotches"], weights=self.pixels)),
            "blotches_worst": float(np.max(self.per_image["blotches"])),
            "blotches_worst_image": self.ids[int(np.argmax(self.per_image["blotches"]))],
            "colorfulness": float(np.mean(self.per_image["colorfulness"])),
            "colorfulness_truth": float(np.mean(self.per_image["colorfulness_truth"])),
        }
        result["colorfulness_ratio"] = result["colorfulness"] / max(result["colorfulness_truth"], 1e-9)
        labels = np.array(self.labels)
        if class_names and len(labels) and labels.min() >= 0:
            per_class = {}
            for index, name in enumerate(class_names):
                chosen = labels == index
                if chosen.any():
                    mse_values = np.array(self.per_image["mse"])[chosen]
                    per_class[name] = {
                        "images": int(chosen.sum()),
                        "mse": float(mse_values.mean()),
                        "psnr": metrics.psnr_from_mse(float(mse_values.mean())),
                        "colorfulness": float(np.mean(np.array(self.per_image["colorfulness"])[chosen])),
                        "colorfulness_truth": float(
                            np.mean(np.array(self.per_image["colorfulness_truth"])[chosen])),
                    }
            result["per_class"] = per_class
        return result


def shard_batches(data, split, batch_size, limit=None):
    """(uint8 RGB batch, labels, ids) from a split of prepared shards, in file order."""
    files = dataset.find_shards(data, split)
    records = tf.data.TFRecordDataset(files, compression_type=schema.COMPRESSION)
    parsed = records.map(schema.parse_example, num_parallel_calls=tf.data.AUTOTUNE)
    if limit:
        parsed = parsed.take(limit)
    for batch in parsed.batch(batch_size).prefetch(2).as_numpy_iterator():
        yield batch["rgb"], batch["label"], [value.decode("utf-8") for value in batch["id"]]


def folder_images(folder, max_pixels, limit=None):
    """(uint8 RGB (1, H, W, 3), labels, ids) per color image of a folder, the skipped files, and how many
    image files it found (for progress: the gray and unreadable ones among them are skipped when read)."""
    from pipeline.prepare.sources import list_image_files

    found, refused = list_image_files(folder)
    skipped = list(refused)

    def generate():
        count = 0
        for path, relative_path in found:
            if limit and count >= limit:
                return
            try:
                rgb = images.decode_color_image(images.read_image_file(path, max_pixels), max_pixels=max_pixels)
            except images.UnusableImage as error:
                skipped.append(files.failure_record(path, error.reason, error.detail))
                continue
            except OSError as error:
                skipped.append(files.unreadable_record(path, error))
                continue
            count += 1
            yield rgb[None], np.array([schema.NO_LABEL]), [files.printable_path(relative_path)]

    return generate(), skipped, len(found)


def method_name(colorizer):
    """The report's name of a colorizer's decoding: model_t0.5, with _s1.2 for a chroma gain and _a0.5 for a
    hue agreement power (model_t0.7_s1.55_a0.5)."""
    return (f"model_t{colorizer.temperature:g}" + (f"_s{colorizer.saturation:g}" if colorizer.saturation != 1.0 else "")
            + (f"_a{colorizer.agreement_power:g}" if colorizer.agreement_power else ""))


def run_evaluate(config, colorizer_factory):
    """Evaluate; writes report.json and grid.png into config.output and returns the report.

    Args:
        colorizer_factory: (temperature, saturation) -> inference.Colorizer (the loaded model,
            decoded with them; None means the model's default).
    """
    started = time.monotonic()
    is_shards = os.path.exists(os.path.join(config.data, schema.MANIFEST_NAME)) or files.is_glob(config.data)
    default = colorizer_factory(None, None)
    colorizers = {method_name(colorizer): colorizer for colorizer in (
        colorizer_factory(temperature, saturation)
        for temperature in config.temperatures or (default.temperature,)
        for saturation in config.saturations or (default.saturation,))}
    counts = sorted({int(count) for count in config.hints if count > 0})
    if any(count < 0 for count in config.hints):
        raise ValueError(f"--hints takes counts of hints per image, 0 or more, e.g. 0,1,3,10,30; got {config.hints}")
    if counts and not default.guided:
        raise ValueError("--hints measures a guided model; " + default.unsupported_message())
    guided_methods = [(f"{name}_{kind}{count}", name, count, kind == "hints")
                      for name in colorizers for count in counts for kind in ("hints", "spread")]
    methods = {name: Accumulator() for name in [*colorizers, *(method for method, *_ in guided_methods)]}
    gray = Accumulator()
    skipped = []
    if is_shards:
        manifest = schema.read_manifest(config.data) if "*" not in config.data else {}
        total = manifest.get("splits", {}).get(config.split, {}).get("examples")
        batches = shard_batches(config.data, config.split, config.batch_size, config.limit)
        class_names = cifar.CLASS_NAMES if manifest.get("source_kind") == "cifar10" else None
    else:
        batches, skipped, total = folder_images(config.data, config.max_pixels, config.limit)
        class_names = None
    total = min(total, config.limit) if total and config.limit else total
    progress = Progress("images evaluated", total=total)
    grid_rows = []

    def evaluate_batch(rgb, ids):
        gray_batch = inference.gray_copy(rgb)
        outputs = {name: inference.colorize_batch(colorizer, rgb) for name, colorizer in colorizers.items()}
        if counts:
            drawn = [hints.draw_true_hints(color.srgb8_to_lab(image), counts[-1],
                                           zlib.crc32(image_id.encode("utf-8", "backslashreplace")) ^ config.hint_seed)
                     for image, image_id in zip(rgb, ids)]
            for method, name, count, into_network in guided_methods:
                guidance = [inference.Guidance(points[:count]) for points in drawn]
                outputs[method] = inference.colorize_batch(colorizers[name], rgb, guidance, into_network)
        return (gray_batch, Accumulator.measure(gray_batch, rgb),
                {name: Accumulator.measure(output, rgb) for name, output in outputs.items()},
                next(iter(outputs.values())))

    def record(rgb, labels, ids, evaluated):
        gray_batch, gray_measured, measured, first = evaluated
        gray.record(gray_measured, labels, ids)
        for name, batch_measured in measured.items():
            methods[name].record(batch_measured, labels, ids)
        for index in range(len(rgb)):
            if len(grid_rows) < config.grid:
                grid_rows.append((gray_batch[index], first[index], rgb[index]))
        progress.add(len(rgb))

    # A batch per core at a time (the NumPy metrics and Pillow release the GIL), recorded in order.
    workers = os.cpu_count() or 1
    pending = collections.deque()

    def record_oldest(keep):
        while len(pending) > keep:
            rgb, labels, ids, future = pending.popleft()
            record(rgb, labels, ids, future.result())

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for rgb, labels, ids in batches:
            pending.append((rgb, labels, ids, pool.submit(evaluate_batch, rgb, ids)))
            record_oldest(keep=workers)
        record_oldest(keep=0)
    if not gray.labels:
        raise ValueError(f"{config.data} holds no color images to evaluate"
                         + (f" ({len(skipped)} skipped: see the report)" if skipped else "")
                         + "; evaluation needs color ground truth")
    compared = metrics.comparable_images([accumulator.per_image["psnr"] for accumulator in [gray, *methods.values()]])
    report = {
        "data": config.data,
        "split": config.split if is_shards else None,
        "model": config.model,
        "working_size": default.working_size,
        "default_temperature": default.temperature,
        "default_saturation": default.saturation,
        "default_agreement_power": default.agreement_power,
        "hints": {"counts": [0, *counts], "seed": config.hint_seed} if counts else None,
        "methods": {name: accumulator.summary(class_names, compared) for name, accumulator in methods.items()},
        "grayscale_copy": gray.summary(class_names, compared),
        "skipped": skipped,
        "seconds": round(time.monotonic() - started, 1),
    }
    # Each file through a temporary file and a rename: a killed run never leaves half a report.
    outputs.write_atomically(config.output, os.path.join(config.output, REPORT_NAME),
                             json.dumps(report, indent=1).encode("utf-8"))
    if grid_rows:
        outputs.write_atomically(config.output, os.path.join(config.output, GRID_NAME), grids.encode(
            grids.picture_grid(grid_rows, gap=GRID_GAP, cell=GRID_CELL), "PNG"))
    outputs.write_atomically(config.output, os.path.join(config.output, PER_IMAGE_NAME),
                             per_image_csv({"grayscale_copy": gray, **methods}).encode("utf-8"))
    outputs.remove_empty_job_folder(config.output)
    return report


def per_image_csv(accumulators):
    """The text of per_image.csv: one row per image and method, its id, label and every per-image figure."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(["method", "id", "label", *METRICS])
    for name, accumulator in accumulators.items():
        for index, image_id in enumerate(accumulator.ids):
            writer.writerow([name, image_id, accumulator.labels[index],
                             *(f"{accumulator.per_image[metric][index]:.6g}" for metric in METRICS)])
    return text.getvalue()


def summary_table(report):
    """The short table printed on the terminal."""
    rows = [("grayscale copy", report["grayscale_copy"])] + list(report["methods"].items())
    width = max(16, *(len(name) + 2 for name, _ in rows))  # method names grow with every decoding setting
    header = (f"{'method':<{width}}{'images':>8}{'MSE':>10}{'PSNR':>8}{'img PSNR':>10}{'SSIM':>7}{'dE2000':>8}"
              f"{'blotches':>9}{'colorful':>10}")
    lines = [header]
    for name, values in rows:
        lines.append(f"{name:<{width}}{values['images']:>8,}{values['mse']:>10.5f}{values['psnr']:>8.2f}"
                     f"{values['mean_image_psnr']:>10.2f}{values['ssim']:>7.3f}{values['ciede2000']:>8.2f}"
                     f"{values['blotches']:>9.1%}{values['colorfulness']:>10.1f}")
    truth = report["grayscale_copy"]["colorfulness_truth"]
    lines.append(f"{'ground truth':<{width}}{'':>8}{'':>10}{'':>8}{'':>10}{'':>7}{'':>8}{'':>9}{truth:>10.1f}")
    lines.append("blotches: pixels painted a vivid wrong color; worst image: " + ", ".join(
        f"{name} {values['blotches_worst']:.1%} ({values['blotches_worst_image']})"
        for name, values in report["methods"].items()))
    exact = [(name, values["exact_images"]) for name, values in rows if values["exact_images"]]
    if exact:
        lines.append(f"img PSNR is over the {report['grayscale_copy']['mean_image_psnr_images']:,} images that no "
                     "method reproduced exactly; exact: "
                     + ", ".join(f"{name} {count:,}" for name, count in exact))
    if report["skipped"]:
        lines.append(f"skipped {len(report['skipped'])} files (see report.json)")
    return "\n".join(lines)
