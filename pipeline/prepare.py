"""The prepare job's Beam transforms: image sources -> fixed-size examples -> gzip TFRecord shards.

Sources are CIFAR-10 archives (`cifar10:PATH`), TFDS datasets (`tfds:NAME[:SPLIT]`) and
folders of the user's own photos. Shards are written into a staging folder and moved into
place only when the whole pipeline succeeded and every split training needs has images.
Each run's shards have names of their own (`train-<run>-00000-of-00004.tfrecord.gz`), so
the previous run's dataset stays usable beside them until `manifest.json`, written
atomically, switches to the new one; only then are the old shards deleted. A run killed at
any point leaves one complete dataset, and the next run (locked against any other on the
same output, pipeline/outputs.py) cleans what the killed one left.
"""

import dataclasses
import datetime
import functools
import json
import os
import posixpath
import re
import shutil
import sys
import typing
import uuid

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from pipeline import cifar, files, images, outputs, schema, tfds_source
from pipeline.console import SharedProgress, logger

SOURCE_KINDS = ("cifar10:PATH", "tfds:NAME[:SPLIT]", "a folder of images")
SPLITS = ("train", "validation", "test")
EXAMPLES_PER_SHARD_32PX = 5_000  # about 20 MB per shard; scaled down for larger images
CIFAR_CHUNK = 1_000  # images per work item, so that workers share a batch file
IMAGES_TAG = "images"
FAILURE_TAG = "failures"
COUNTS_NAME = "_counts.jsonl"
SWAP_NAME = "swap.json"  # in the job folder while a run replaces the dataset: the shards it moves
REFUSED_FAILURES_NAME = "refused-run-failures.jsonl"  # in the job folder: the skipped files of a refused run
LEGACY_STAGING = re.compile(r"\.staging-[0-9a-f]{12}")  # staging folders of versions before the job folder


@dataclasses.dataclass(frozen=True)
class PrepareConfig:
    """The prepare job's options; the CLI flags map one to one onto these fields."""

    source: str
    output: str
    size: int | None = None  # None: 32 for CIFAR-10, 128 for other sources
    policy: str = "center-crop"
    crops_per_image: int = 1
    seed: int = 0
    validation_fraction: float = images.VALIDATION_FRACTION
    test_fraction: float = images.TEST_FRACTION
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
# Sources: each is read by a ReadSource into SourceImages and failure records.


class ReadSource(beam.PTransform):
    """Work items -> {"images": SourceImages, "failures": failure records}.

    `read` is a ParDo (a FlatMap for a plain function) that turns one work item into
    SourceImages, and into TaggedOutput(FAILURE_TAG, record) for an input it cannot use;
    `refused` are the records of inputs refused while listing them (links out of a folder).
    """

    def __init__(self, items, read, refused=()):
        super().__init__()
        self.items = items
        self.read = read
        self.refused = list(refused)

    def expand(self, pbegin):
        read = (pbegin
                | "ListItems" >> beam.Create(self.items)
                | "ReadItems" >> self.read.with_outputs(FAILURE_TAG, main=IMAGES_TAG))
        refused = pbegin | "Refused" >> beam.Create(self.refused)
        failures = (read[FAILURE_TAG], refused) | "AllFailures" >> beam.Flatten()
        return {IMAGES_TAG: read[IMAGES_TAG], FAILURE_TAG: failures}


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
        self.shared_progress = SharedProgress("images read", total=total)
        self.progress = None

    def setup(self):
        self.progress = self.shared_progress.acquire()

    def process(self, element):
        path, relative_path = files.from_element(element)
        try:
            data = images.read_image_file(path, self.config.max_pixels)
            rgb = images.decode_color_image(data, max_pixels=self.config.max_pixels)
        except images.UnusableImage as error:
            yield beam.pvalue.TaggedOutput(FAILURE_TAG, files.failure_record(path, error.reason, error.detail))
        except OSError as error:
            yield beam.pvalue.TaggedOutput(FAILURE_TAG, files.unreadable_record(path, error))
        else:
            # A name that is not UTF-8 is kept in the id as \xNN; the same split as any other name.
            key = files.printable_path(relative_path)
            split = images.split_for(key, self.config.validation_fraction, self.config.test_fraction)
            yield images.SourceImage(f"folder:{key}", split, schema.NO_LABEL, rgb)
        self.progress.add()


class ReadImageFolder(ReadSource):
    """Every listed file of a folder -> SourceImage, or a failure record saying why not."""

    def __init__(self, paths, config, refused=()):
        super().__init__(files.to_elements(paths), beam.ParDo(DecodeImageFiles(config, len(paths))), refused)


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


class ReadCifar10(ReadSource):
    """The 60,000 CIFAR-10 images from any of its archive formats, as SourceImages."""

    def __init__(self, batches, validation_fraction):
        chunks = [(batch, start, start + CIFAR_CHUNK) for batch in batches for start in range(0, 10_000, CIFAR_CHUNK)]
        super().__init__(chunks, beam.FlatMap(read_cifar_chunk, validation_fraction))


class ReadTfdsImages(ReadSource):
    """A TFDS image dataset's examples as SourceImages."""

    def __init__(self, dataset, validation_fraction):
        super().__init__(tfds_source.parts(dataset), beam.FlatMap(tfds_source.read_part, dataset, validation_fraction))


# ---------------------------------------------------------------------------------------
# Examples and shards.


class ToExamplesFn(beam.DoFn):
    """SourceImage -> (split, serialized tf.train.Example) per training image, with progress."""

    def __init__(self, config, total):
        self.config = config
        self.shared_progress = SharedProgress("images prepared", total=total) if total else None
        self.progress = None

    def setup(self):
        self.progress = self.shared_progress.acquire() if self.shared_progress else None

    def process(self, source_image):
        config = self.config
        for example_id, rgb in images.training_images(
                source_image, config.image_size, config.policy, config.crops_per_image, config.seed):
            yield source_image.split, schema.serialize_example(rgb, example_id, source_image.label)
        if self.progress:
            self.progress.add()


class ToColorizationExamples(beam.PTransform):
    """SourceImages -> (split, serialized example) at the configured size and policy.

    `total` (images) gives a progress line; a folder source has none here, as its files
    are already counted while they are read.
    """

    def __init__(self, config, total=None):
        super().__init__()
        self.config = config
        self.total = total

    def expand(self, source_images):
        return source_images | "Encode" >> beam.ParDo(ToExamplesFn(self.config, self.total))


def split_index(example, num_partitions, splits):
    """The partition of a (split, serialized example) pair: its split's place in `splits`."""
    if example[0] not in splits:
        raise RuntimeError(f"an example of split {example[0]!r}, for which no shards were planned ({splits})")
    return splits.index(example[0])


class WriteSplits(beam.PTransform):
    """(split, serialized example) -> gzip TFRecord shards `<split>-SSSSS-of-NNNNN.tfrecord.gz`.

    One pass divides the examples by split (beam.Partition); each split is written apart.
    """

    def __init__(self, directory, shards_per_split, run_tag=None):
        super().__init__()
        self.directory = directory
        self.shards_per_split = shards_per_split
        self.run_tag = run_tag  # in every shard's name, so that one run's names never meet another's

    def expand(self, examples):
        splits = list(self.shards_per_split)
        by_split = examples | "BySplit" >> beam.Partition(split_index, len(splits), splits)
        results = {}
        for split, split_examples in zip(splits, by_split):
            results[split] = (
                split_examples
                | f"Values[{split}]" >> beam.Values()
                | f"Write[{split}]" >> beam.io.WriteToTFRecord(
                    FileSystems.join(self.directory, f"{split}-{self.run_tag}" if self.run_tag else split),
                    file_name_suffix=schema.SHARD_SUFFIX,
                    num_shards=self.shards_per_split[split],
                    shard_name_template=schema.SHARD_TEMPLATE,
                    compression_type=beam.io.filesystem.CompressionTypes.GZIP))
        return results


class Counts(typing.NamedTuple):
    """What a run wrote and skipped: examples per split, skipped inputs per reason."""

    examples: dict
    skipped: dict


def example_count_key(example):
    """("examples", split) of a (split, serialized example) pair."""
    return "examples", example[0]


def failure_count_key(record):
    """("skipped", reason) of a failure record."""
    return "skipped", record["reason"]


def count_line(key_and_count):
    (what, name), count = key_and_count
    return json.dumps({"what": what, "name": name, "count": count})


class WriteReport(beam.PTransform):
    """Counts per split and per skip reason, and the failures file, into the staging folder.

    The counts come from the pipeline's own outputs, not Beam metrics, so they hold on every
    runner (the Dask runner has no metrics); read them with read_counts.
    """

    def __init__(self, directory):
        super().__init__()
        self.directory = directory

    def expand(self, pcolls):
        examples, failures = pcolls
        (failures
         | "FailureLines" >> beam.Map(files.json_text, sort_keys=True)
         | "WriteFailures" >> beam.io.WriteToText(
             FileSystems.join(self.directory, schema.FAILURES_NAME), shard_name_template=""))
        example_keys = examples | "ExampleKeys" >> beam.Map(example_count_key)
        failure_keys = failures | "FailureKeys" >> beam.Map(failure_count_key)
        return ((example_keys, failure_keys)
                | "AllKeys" >> beam.Flatten()
                | "Count" >> beam.combiners.Count.PerElement()
                | "CountLines" >> beam.Map(count_line)
                | "WriteCounts" >> beam.io.WriteToText(
                    FileSystems.join(self.directory, COUNTS_NAME), shard_name_template=""))


def read_counts(directory):
    """The Counts that WriteReport wrote into `directory`."""
    counts = Counts(examples={}, skipped={})
    with FileSystems.open(FileSystems.join(directory, COUNTS_NAME)) as file:
        for line in file.read().decode("utf-8").splitlines():
            record = json.loads(line)
            getattr(counts, record["what"])[record["name"]] = record["count"]
    return counts


# ---------------------------------------------------------------------------------------
# The job: validate everything, run the pipeline into staging, then move results into place.


def shards_for(estimated_examples, image_size, requested):
    """The number of shards for a split: the user's choice, or about 20 MB each."""
    if requested:
        return requested
    per_shard = max(64, EXAMPLES_PER_SHARD_32PX * 32 * 32 // (image_size * image_size))
    return max(1, -(-int(estimated_examples) // per_shard))


@dataclasses.dataclass(frozen=True)
class SourcePlan:
    """A validated source before any image is read: how to read it and how much it holds."""

    kind: str  # "cifar10", "tfds" or "folder", as manifest.json records it
    reader: ReadSource
    total: int  # images to read; files, for a folder
    estimates: dict  # split -> expected examples, for choosing shard counts


def plan_source(config):
    """Validate the source and decide how to read it; raises ValueError for the user."""
    source = config.source
    if source.startswith("cifar10:"):
        batches = cifar.find_cifar_batches(source[len("cifar10:"):])
        estimates = {"train": 50_000 * (1.0 - config.validation_fraction),
                     "validation": 50_000 * config.validation_fraction, "test": 10_000}
        return SourcePlan("cifar10", ReadCifar10(batches, config.validation_fraction), 60_000, estimates)
    if source.startswith("tfds:"):
        dataset = tfds_source.resolve(source[len("tfds:"):], config.tfds_data_dir)
        estimates = tfds_source.split_estimates(dataset, config.validation_fraction)
        return SourcePlan("tfds", ReadTfdsImages(dataset, config.validation_fraction),
                          sum(dataset.num_examples.values()), estimates)
    found, refused = list_image_files(source)
    count = len(found) * config.crops_per_image
    estimates = {"train": count * (1.0 - config.validation_fraction - config.test_fraction),
                 "validation": count * config.validation_fraction, "test": count * config.test_fraction}
    return SourcePlan("folder", ReadImageFolder(found, config, refused), len(found), estimates)


def build_pipeline(pipeline, config, plan, shards_per_split, staging, run_tag=None):
    """Add the prepare job's transforms to a pipeline."""
    source = pipeline | "ReadSource" >> plan.reader
    examples = source[IMAGES_TAG] | "ToExamples" >> ToColorizationExamples(
        config, total=None if plan.kind == "folder" else plan.total)
    _ = examples | "WriteShards" >> WriteSplits(staging, shards_per_split, run_tag)
    _ = (examples, source[FAILURE_TAG]) | "WriteReport" >> WriteReport(staging)


def _read_manifest(output):
    """The manifest now in the output folder, or None."""
    path = FileSystems.join(output, schema.MANIFEST_NAME)
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path) as file:
        return json.loads(file.read().decode("utf-8"))


def _listed_shards(manifest):
    return {name for split in (manifest or {}).get("splits", {}).values() for name in split["shards"]}


def _delete_files(output, names):
    paths = [FileSystems.join(output, name) for name in sorted(names)]
    existing = [path for path in paths if FileSystems.exists(path)]
    if existing:
        FileSystems.delete(existing)


def _move_files(sources, targets):
    FileSystems.rename(sources, targets)


def _write_manifest(output, manifest):
    outputs.write_atomically(output, FileSystems.join(output, schema.MANIFEST_NAME),
                             json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))


def finish_interrupted_swap(output):
    """Complete or undo the swap of a run killed while replacing the dataset.

    swap.json lists the shards the run was moving in and those it was replacing. If the
    manifest already lists the new ones, the old ones go; otherwise the new ones do, and
    the previous dataset stays as it was. Call only under the OutputLock.
    """
    swap_path = FileSystems.join(outputs.job_folder(output), SWAP_NAME)
    if not FileSystems.exists(swap_path):
        return
    with FileSystems.open(swap_path) as file:
        swap = json.loads(file.read().decode("utf-8"))
    listed = _listed_shards(_read_manifest(output))
    leftover = swap["old"] if set(swap["new"]) <= listed else swap["new"]
    _delete_files(output, set(leftover) - listed)
    FileSystems.delete([swap_path])


def remove_prepare_leftovers(output):
    """Staging and temporary files of killed runs: in the job folder, and the top-level
    `.staging-*` folders of versions before it. Call only under the OutputLock."""
    removed = outputs.remove_leftovers(output)
    if not outputs.is_remote(output):
        for name in os.listdir(output):
            if LEGACY_STAGING.fullmatch(name) and os.path.isdir(os.path.join(output, name)):
                shutil.rmtree(os.path.join(output, name))
                removed += 1
    return removed


def check_splits(config, counts, output):
    """Refuse a dataset that training cannot use, before the previous one is touched.

    colorize-train needs training images and, unless --validation-fraction is 0, validation
    images. Raises ValueError saying how many images were usable and what to do. `output`
    is config.output as Beam can read it (files.glob_free).
    """
    examples = {split: counts.examples.get(split, 0) for split in SPLITS}
    why = ""
    if counts.skipped:
        why = (f" ({describe_skipped(counts.skipped)}; each is listed in "
               f"{os.path.join(outputs.job_folder(config.output), REFUSED_FAILURES_NAME)})")
    previous = FileSystems.exists(FileSystems.join(output, schema.MANIFEST_NAME))
    unchanged = f"; the dataset already in {config.output} is unchanged" if previous else ""
    if not any(examples.values()):
        raise ValueError(f"no usable image in {config.source}{why}: point --source at color photos{unchanged}")
    if not examples["train"]:
        raise ValueError(f"no image of {config.source} fell into the training split ({examples}){why}: "
                         f"add images{unchanged}")
    if config.validation_fraction > 0 and not examples["validation"]:
        usable = sum(examples.values())
        raise ValueError(
            f"no image of {config.source} fell into the validation split, which colorize-train needs: "
            f"{usable:,} usable image{'s' if usable != 1 else ''}{why}, and each goes to validation with chance "
            f"{config.validation_fraction:g}: add images, or raise --validation-fraction{unchanged}")


def swap_in(staging, output, shards_per_split, counts, manifest):
    """Replace the previous dataset with this run's: new shards in, the manifest switched, old shards out.

    Until the manifest is replaced (one atomic rename) the previous dataset is whole and
    in use; after it, the new one is. swap.json says which files were moving, so that a
    run killed in between is finished by the next (finish_interrupted_swap).
    """
    shards = {}
    for split, num_shards in shards_per_split.items():
        paths = sorted(m.path for m in FileSystems.match(
            [FileSystems.join(staging, f"{split}-*{schema.SHARD_SUFFIX}")])[0].metadata_list)
        if len(paths) != num_shards:
            raise RuntimeError(f"expected {num_shards} shards for {split}, found {len(paths)} in {staging}")
        if not counts.examples.get(split):
            FileSystems.delete(paths)  # An empty split is left out rather than written as empty shards.
            continue
        shards[split] = [posixpath.basename(path) for path in paths]
    manifest["splits"] = {split: {"examples": counts.examples[split], "shards": names}
                          for split, names in shards.items()}
    new = sorted(name for names in shards.values() for name in names)
    old = sorted(_listed_shards(_read_manifest(output)))
    outputs.write_atomically(output, FileSystems.join(outputs.job_folder(output), SWAP_NAME),
                             json.dumps({"new": new, "old": old}).encode("utf-8"))
    _move_files([FileSystems.join(staging, name) for name in new], [FileSystems.join(output, name) for name in new])
    _write_manifest(output, manifest)
    FileSystems.rename([FileSystems.join(staging, schema.FAILURES_NAME)],
                       [FileSystems.join(output, schema.FAILURES_NAME)])
    _delete_files(output, set(old) - set(new))
    FileSystems.delete([FileSystems.join(outputs.job_folder(output), SWAP_NAME)])
    return manifest


def run_prepare(config, pipeline_options, argv=None):
    """Run the whole prepare job; returns the manifest (also written as manifest.json)."""
    plan = plan_source(config)
    if plan.kind == "folder":
        outputs.refuse_nesting(config.source, config.output, input_flag="--source")
    outputs.prepare_folder(config.output)
    with outputs.OutputLock(config.output, job="colorize-prepare"), files.glob_free(config.output) as output:
        # Beam reads paths as globs: a folder named like "shards [v1]" is reached through a plain link.
        finish_interrupted_swap(output)
        if remove_prepare_leftovers(output):
            logger.info(f"removed what an interrupted run left in {config.output}")
        shards_per_split = {split: shards_for(estimate, config.image_size, config.num_shards)
                            for split, estimate in plan.estimates.items() if estimate > 0}
        staging = outputs.staging_folder(output)
        run_tag = uuid.uuid4().hex[:8]
        logger.info(f"preparing {plan.total:,} {'files' if plan.kind == 'folder' else 'images'} from {config.source} "
                    f"into {config.output} ({config.image_size}x{config.image_size}, {config.policy})")
        started = datetime.datetime.now(datetime.UTC)
        try:
            with beam.Pipeline(options=pipeline_options) as pipeline:
                build_pipeline(pipeline, config, plan, shards_per_split, staging, run_tag)
            counts = read_counts(staging)
            try:
                check_splits(config, counts, output)
            except ValueError:
                FileSystems.rename([FileSystems.join(staging, schema.FAILURES_NAME)],
                                   [FileSystems.join(outputs.job_folder(output), REFUSED_FAILURES_NAME)])
                raise
            manifest = {
                "schema_version": schema.SCHEMA_VERSION,
                "source": config.source,
                "source_kind": plan.kind,
                "created": started.isoformat(timespec="seconds"),
                "image_size": config.image_size,
                "policy": config.policy,
                "crops_per_image": config.crops_per_image,
                "seed": config.seed,
                "compression": schema.COMPRESSION,
                "skipped": dict(sorted(counts.skipped.items())),
                "failures_file": schema.FAILURES_NAME,
                "command": list(sys.argv if argv is None else argv),
                "config": dataclasses.asdict(config),
                "pipeline_options": pipeline_options.get_all_options(drop_default=True),
            }
            return swap_in(staging, output, shards_per_split, counts, manifest)
        finally:
            if FileSystems.exists(staging):
                FileSystems.delete([staging])


def summarize(manifest, output):
    """The lines the job prints when it is done."""
    lines = [f"wrote {output}:"]
    for split, details in manifest["splits"].items():
        plural = "s" if details["examples"] != 1 else ""
        lines.append(f"  {split:<11}{details['examples']:>9,} image{plural} in {len(details['shards'])} "
                     f"shard{'s' if len(details['shards']) != 1 else ''}")
    if manifest["skipped"]:
        lines.append(f"  {describe_skipped(manifest['skipped'])}; see {FileSystems.join(output, schema.FAILURES_NAME)}")
    else:
        lines.append("  skipped nothing")
    return "\n".join(lines)


def describe_skipped(skipped):
    """`N files skipped: 2 grayscale, 1 not an image` for {reason: count}."""
    reasons = ", ".join(f"{count:,} {reason.replace('_', ' ')}" for reason, count in sorted(skipped.items()))
    return f"{sum(skipped.values()):,} files skipped: {reasons}"
