"""The prepare job's Beam transforms: image sources -> fixed-size examples -> gzip TFRecord shards.

Sources are CIFAR-10 archives (`cifar10:PATH`), TFDS datasets (`tfds:NAME[:SPLIT]`) and
folders of the user's own photos. Shards are written into a staging folder and moved into
place only when the whole pipeline succeeded; `manifest.json` is written last, so a folder
without a manifest is an unfinished run, never a complete-looking one.
"""

import dataclasses
import datetime
import functools
import json
import os
import posixpath
import sys
import uuid

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from pipeline import cifar, files, images, schema, tfds_source
from pipeline.console import Progress, logger

SOURCE_KINDS = ("cifar10:PATH", "tfds:NAME[:SPLIT]", "a folder of images")
SPLITS = ("train", "validation", "test")
EXAMPLES_PER_SHARD_32PX = 5_000  # about 20 MB per shard; scaled down for larger images
CIFAR_CHUNK = 1_000  # images per work item, so that workers share a batch file
FAILURE_TAG = "failures"
COUNTS_NAME = "_counts.jsonl"


@dataclasses.dataclass(frozen=True)
class PrepareConfig:
    """The prepare job's options; the CLI flags map one to one onto these fields."""

    source: str
    output: str
    size: int | None = None  # None: 32 for CIFAR-10, 128 for other sources
    policy: str = "center-crop"
    crops_per_image: int = 1
    seed: int = 0
    validation_fraction: float = 0.1
    test_fraction: float = 0.1
    max_pixels: int = images.MAX_PIXELS
    num_shards: int = 0  # 0: chosen from the number of examples
    tfds_data_dir: str | None = None

    def __post_init__(self):
        if self.policy not in images.POLICIES:
            raise ValueError(f"--policy must be one of {', '.join(images.POLICIES)}, not {self.policy!r}")
        if self.size is not None and self.size < images.MIN_SIDE:
            raise ValueError(f"--size must be at least {images.MIN_SIDE} pixels")
        if self.crops_per_image < 1:
            raise ValueError("--crops-per-image must be at least 1")
        if self.policy == "center-crop" and self.crops_per_image != 1:
            raise ValueError("--crops-per-image needs --policy random-crops")
        for name in ("validation_fraction", "test_fraction"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"--{name.replace('_', '-')} must be in [0, 1)")
        if self.validation_fraction + self.test_fraction >= 1.0:
            raise ValueError("--validation-fraction plus --test-fraction must leave images for training")

    @property
    def image_size(self):
        if self.size is not None:
            return self.size
        return 32 if self.source.startswith("cifar10:") else 128


# ---------------------------------------------------------------------------------------
# Sources: each yields `images.SourceImage`; folders also yield failures.


def list_image_files(root):
    """Files under `root` (recursively) as (path, relative path), and the links refused.

    Raises ValueError for a missing or empty folder, before any work starts.
    """
    found, refused = files.list_files(root)
    if not found and not refused:
        raise ValueError(f"input folder {root} holds no files; point --source at a folder of images")
    return found, refused


class DecodeImageFiles(beam.DoFn):
    """Reads and decodes one file; good images go to the main output, the rest to failures."""

    def __init__(self, config, total):
        self.config = config
        self.total = total
        self.run_id = uuid.uuid4().hex  # the same in every copy of this DoFn: threads share a progress count
        self.progress = None

    def setup(self):
        self.progress = Progress.shared(self.run_id, "images read", total=self.total)

    def process(self, element):
        path, relative_path = files.from_element(element)
        try:
            data = images.read_image_file(path, self.config.max_pixels)
            rgb = images.decode_color_image(data, max_pixels=self.config.max_pixels)
        except images.UnusableImage as error:
            yield self._failure(path, error.reason, error.detail)
        except OSError as error:
            yield self._failure(path, "unreadable", f"cannot read the file ({error})")
        else:
            # A name that is not UTF-8 is kept in the id as \xNN; the same split as any other name.
            key = files.printable_path(relative_path)
            split = images.split_for(key, self.config.validation_fraction, self.config.test_fraction)
            yield images.SourceImage(f"folder:{key}", split, schema.NO_LABEL, rgb)
        self.progress.add()

    @staticmethod
    def _failure(path, reason, detail):
        Metrics.counter("prepare", f"skipped_{reason}").inc()
        return beam.pvalue.TaggedOutput(FAILURE_TAG, files.failure_record(path, reason, detail))


class ReadImageFolder(beam.PTransform):
    """Every file under a folder -> SourceImage, with unusable files as a `failures` output."""

    def __init__(self, paths, config):
        super().__init__()
        self.paths = paths
        self.config = config

    def expand(self, pbegin):
        return (pbegin
                | "ListFiles" >> beam.Create(files.to_elements(self.paths))
                | "Decode" >> beam.ParDo(DecodeImageFiles(self.config, len(self.paths))).with_outputs(
                    FAILURE_TAG, main="images"))


@functools.lru_cache(maxsize=2)
def _cifar_batch_images(batch):
    return list(cifar.read_cifar_batch(batch))


def read_cifar_chunk(chunk, validation_fraction):
    """SourceImages of one slice of a CIFAR-10 batch; the official test split is kept."""
    batch, start, stop = chunk
    for index, label, rgb in _cifar_batch_images(batch)[start:stop]:
        image_id = f"cifar10:{batch.split}/{index:05d}"
        split = batch.split
        if split == "train":
            split = images.split_for(image_id, validation_fraction, 0.0)
        yield images.SourceImage(image_id, split, int(label), rgb)


class ReadCifar10(beam.PTransform):
    """The 60,000 CIFAR-10 images from any of its archive formats, as SourceImages."""

    def __init__(self, batches, validation_fraction):
        super().__init__()
        self.batches = batches
        self.validation_fraction = validation_fraction

    def expand(self, pbegin):
        chunks = [(batch, start, start + CIFAR_CHUNK)
                  for batch in self.batches for start in range(0, 10_000, CIFAR_CHUNK)]
        return (pbegin
                | "ListChunks" >> beam.Create(chunks)
                | "ReadChunks" >> beam.FlatMap(read_cifar_chunk, self.validation_fraction))


class ReadTfdsImages(beam.PTransform):
    """A TFDS image dataset's examples as SourceImages."""

    def __init__(self, dataset, validation_fraction):
        super().__init__()
        self.dataset = dataset
        self.validation_fraction = validation_fraction

    def expand(self, pbegin):
        return (pbegin
                | "ListParts" >> beam.Create(tfds_source.parts(self.dataset))
                | "ReadParts" >> beam.FlatMap(tfds_source.read_part, self.dataset, self.validation_fraction))


# ---------------------------------------------------------------------------------------
# Examples and shards.


class ToExamplesFn(beam.DoFn):
    """SourceImage -> (split, serialized tf.train.Example) per training image, with progress."""

    def __init__(self, config, total):
        self.config = config
        self.total = total
        self.run_id = uuid.uuid4().hex  # the same in every copy of this DoFn: threads share a progress count
        self.progress = None

    def setup(self):
        # Folder sources already report as their files are read; one line per step is enough.
        self.progress = Progress.shared(self.run_id, "images prepared", total=self.total) if self.total else None

    def process(self, source_image):
        config = self.config
        for example_id, rgb in images.training_images(
                source_image, config.image_size, config.policy, config.crops_per_image, config.seed):
            Metrics.counter("prepare", f"examples_{source_image.split}").inc()
            yield source_image.split, schema.serialize_example(rgb, example_id, source_image.label)
        if self.progress:
            self.progress.add()


class ToColorizationExamples(beam.PTransform):
    """SourceImages -> (split, serialized example) at the configured size and policy."""

    def __init__(self, config, total=None):
        super().__init__()
        self.config = config
        self.total = total

    def expand(self, source_images):
        return source_images | "Encode" >> beam.ParDo(ToExamplesFn(self.config, self.total))


class WriteSplits(beam.PTransform):
    """(split, serialized example) -> gzip TFRecord shards `<split>-SSSSS-of-NNNNN.tfrecord.gz`."""

    def __init__(self, directory, shards_per_split):
        super().__init__()
        self.directory = directory
        self.shards_per_split = shards_per_split

    def expand(self, examples):
        results = {}
        for split, num_shards in self.shards_per_split.items():
            results[split] = (
                examples
                | f"Select[{split}]" >> beam.Filter(lambda item, wanted: item[0] == wanted, split)
                | f"Values[{split}]" >> beam.Values()
                | f"Write[{split}]" >> beam.io.WriteToTFRecord(
                    FileSystems.join(self.directory, split),
                    file_name_suffix=schema.SHARD_SUFFIX,
                    num_shards=num_shards,
                    shard_name_template=schema.SHARD_TEMPLATE,
                    compression_type=beam.io.filesystem.CompressionTypes.GZIP))
        return results


def count_key(item):
    """The key under which an example or a failure is counted in the manifest."""
    if isinstance(item, tuple):
        return f"examples/{item[0]}"
    return f"skipped/{item['reason']}"


class WriteReport(beam.PTransform):
    """Counts per split and per skip reason, and the failures file, into the staging folder."""

    def __init__(self, directory):
        super().__init__()
        self.directory = directory

    def expand(self, pcolls):
        examples, failures = pcolls
        (failures
         | "FailureLines" >> beam.Map(files.json_text, sort_keys=True)
         | "WriteFailures" >> beam.io.WriteToText(
             FileSystems.join(self.directory, schema.FAILURES_NAME), shard_name_template=""))
        return ((examples, failures)
                | "Merge" >> beam.Flatten()
                | "CountKeys" >> beam.Map(count_key)
                | "Count" >> beam.combiners.Count.PerElement()
                | "CountLines" >> beam.Map(lambda pair: json.dumps({"key": pair[0], "count": pair[1]}))
                | "WriteCounts" >> beam.io.WriteToText(
                    FileSystems.join(self.directory, COUNTS_NAME), shard_name_template=""))


# ---------------------------------------------------------------------------------------
# The job: validate everything, run the pipeline into staging, then move results into place.


def shards_for(estimated_examples, image_size, requested):
    """The number of shards for a split: the user's choice, or about 20 MB each."""
    if requested:
        return requested
    per_shard = max(64, EXAMPLES_PER_SHARD_32PX * 32 * 32 // (image_size * image_size))
    return max(1, -(-int(estimated_examples) // per_shard))


def check_writable(output):
    """Create the output folder and prove it is writable, or raise ValueError saying so."""
    probe = FileSystems.join(output, f".write-test-{uuid.uuid4().hex}")
    try:
        if "://" in output:
            with FileSystems.create(probe) as file:
                file.write(b"ok")
            FileSystems.delete([probe])
        else:  # Plain calls: Beam's would read brackets in a local folder's name as a pattern.
            os.makedirs(output, exist_ok=True)
            with open(probe, "wb") as file:
                file.write(b"ok")
            os.remove(probe)
    except Exception as error:  # Any file-system error means the same thing to the user here.
        raise ValueError(f"cannot write to the output folder {output} ({error}); "
                         "choose a folder you can write to with --output") from error


def plan_source(config):
    """Validate the source and decide splits and work; returns (kind, detail, total, estimates)."""
    source = config.source
    train_share = 1.0 - config.validation_fraction
    if source.startswith("cifar10:"):
        batches = cifar.find_cifar_batches(source[len("cifar10:"):])
        estimates = {"train": 50_000 * train_share, "validation": 50_000 * config.validation_fraction,
                     "test": 10_000}
        return "cifar10", batches, 60_000, estimates
    if source.startswith("tfds:"):
        dataset = tfds_source.resolve(source[len("tfds:"):], config.tfds_data_dir)
        estimates = tfds_source.split_estimates(dataset, config.validation_fraction)
        return "tfds", dataset, sum(estimates.values()), estimates
    found, refused = list_image_files(source)
    count = len(found) * config.crops_per_image
    estimates = {"train": count * (1.0 - config.validation_fraction - config.test_fraction),
                 "validation": count * config.validation_fraction, "test": count * config.test_fraction}
    return "folder", (found, refused), len(found), estimates


def build_pipeline(pipeline, config, kind, detail, total, shards_per_split, staging):
    """Add the prepare job's transforms to a pipeline."""
    if kind == "cifar10":
        source_images = pipeline | "ReadCifar10" >> ReadCifar10(detail, config.validation_fraction)
        failures = pipeline | "NoFailures" >> beam.Create([])
    elif kind == "tfds":
        source_images = pipeline | "ReadTfds" >> ReadTfdsImages(detail, config.validation_fraction)
        failures = pipeline | "NoFailures" >> beam.Create([])
    else:
        found, refused = detail
        decoded = pipeline | "ReadFolder" >> ReadImageFolder(found, config)
        source_images = decoded.images
        failures = (decoded[FAILURE_TAG], pipeline | "RefusedLinks" >> beam.Create(refused)) | beam.Flatten()
    examples = source_images | "ToExamples" >> ToColorizationExamples(
        config, total=None if kind == "folder" else total)
    _ = examples | "WriteShards" >> WriteSplits(staging, shards_per_split)
    _ = (examples, failures) | "WriteReport" >> WriteReport(staging)


def _read_counts(staging):
    counts = {}
    with FileSystems.open(FileSystems.join(staging, COUNTS_NAME)) as file:
        for line in file.read().decode("utf-8").splitlines():
            record = json.loads(line)
            counts[record["key"]] = record["count"]
    return counts


def _move_into_place(staging, output, shards_per_split, counts):
    """Replace the previous run's results with this run's; the manifest comes last."""
    old = [m.path for pattern in (f"*-?????-of-?????{schema.SHARD_SUFFIX}", schema.FAILURES_NAME,
                                  schema.MANIFEST_NAME)
           for m in FileSystems.match([FileSystems.join(output, pattern)])[0].metadata_list]
    manifest_path = FileSystems.join(output, schema.MANIFEST_NAME)
    # The manifest goes first, so an interrupted swap never looks complete.
    if manifest_path in old:
        FileSystems.delete([manifest_path])
        old.remove(manifest_path)
    if old:
        FileSystems.delete(old)
    shards = {}
    for split, num_shards in shards_per_split.items():
        paths = sorted(m.path for m in FileSystems.match(
            [FileSystems.join(staging, f"{split}-*{schema.SHARD_SUFFIX}")])[0].metadata_list)
        if len(paths) != num_shards:
            raise RuntimeError(f"expected {num_shards} shards for {split}, found {len(paths)} in {staging}")
        if not counts.get(f"examples/{split}"):
            FileSystems.delete(paths)  # An empty split is left out rather than written as empty shards.
            continue
        targets = [FileSystems.join(output, posixpath.basename(path)) for path in paths]
        FileSystems.rename(paths, targets)
        shards[split] = [posixpath.basename(path) for path in targets]
    FileSystems.rename([FileSystems.join(staging, schema.FAILURES_NAME)],
                       [FileSystems.join(output, schema.FAILURES_NAME)])
    return shards


def run_prepare(config, pipeline_options, argv=None):
    """Run the whole prepare job; returns the manifest (also written as manifest.json)."""
    kind, detail, total, estimates = plan_source(config)
    if kind == "folder" and "://" not in config.source:
        source, target = os.path.realpath(config.source), os.path.realpath(config.output)
        if os.path.commonpath([source, target]) == source:
            raise ValueError(f"the output {config.output} is inside the source {config.source}; a re-run would "
                             "read its own shards as images: choose an output folder outside the source")
    check_writable(config.output)
    # Beam reads paths as globs: a folder named like "shards [v1]" is reached through a plain link.
    with files.glob_free(config.output) as output:
        shards_per_split = {split: shards_for(estimate, config.image_size, config.num_shards)
                            for split, estimate in estimates.items() if estimate > 0}
        staging = FileSystems.join(output, f".staging-{uuid.uuid4().hex[:12]}")
        logger.info(f"preparing {total:,} {'files' if kind == 'folder' else 'images'} from {config.source} "
                    f"into {config.output} ({config.image_size}x{config.image_size}, {config.policy})")
        started = datetime.datetime.now(datetime.UTC)
        try:
            with beam.Pipeline(options=pipeline_options) as pipeline:
                build_pipeline(pipeline, config, kind, detail, total, shards_per_split, staging)
            counts = _read_counts(staging)
            shards = _move_into_place(staging, output, shards_per_split, counts)
        finally:
            if FileSystems.exists(staging):
                FileSystems.delete([staging])
        manifest = {
            "schema_version": schema.SCHEMA_VERSION,
            "source": config.source,
            "source_kind": kind,
            "created": started.isoformat(timespec="seconds"),
            "image_size": config.image_size,
            "policy": config.policy,
            "crops_per_image": config.crops_per_image,
            "seed": config.seed,
            "compression": schema.COMPRESSION,
            "splits": {split: {"examples": counts[f"examples/{split}"], "shards": names}
                       for split, names in shards.items()},
            "skipped": {key.split("/", 1)[1]: value for key, value in sorted(counts.items())
                        if key.startswith("skipped/")},
            "failures_file": schema.FAILURES_NAME,
            "command": list(sys.argv if argv is None else argv),
            "config": dataclasses.asdict(config),
            "pipeline_options": pipeline_options.get_all_options(drop_default=True),
        }
        temporary = FileSystems.join(output, f".{schema.MANIFEST_NAME}.tmp")
        with FileSystems.create(temporary) as file:
            file.write(json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
        FileSystems.rename([temporary], [FileSystems.join(output, schema.MANIFEST_NAME)])
        return manifest


def summarize(manifest, output):
    """The lines the job prints when it is done."""
    lines = [f"wrote {output}:"]
    for split, details in manifest["splits"].items():
        plural = "s" if details["examples"] != 1 else ""
        lines.append(f"  {split:<11}{details['examples']:>9,} image{plural} in {len(details['shards'])} "
                     f"shard{'s' if len(details['shards']) != 1 else ''}")
    skipped = manifest["skipped"]
    if skipped:
        reasons = ", ".join(f"{count:,} {reason.replace('_', ' ')}" for reason, count in skipped.items())
        lines.append(f"  skipped {sum(skipped.values()):,} files ({reasons}); "
                     f"see {FileSystems.join(output, schema.FAILURES_NAME)}")
    else:
        lines.append("  skipped nothing")
    return "\n".join(lines)
