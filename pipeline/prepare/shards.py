"""The prepare job's examples and shards: SourceImages -> serialized examples -> gzip TFRecord shards.

Beside the shards, WriteReport writes the failures file and the counts per split and per
skip reason, from the pipeline's own outputs, so that they hold on every runner.
"""

import json
import typing

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from pipeline.io import files, images
from pipeline.io.console import SharedProgress
from pipeline.prepare import schema

EXAMPLES_PER_SHARD_32PX = 5_000  # about 20 MB per shard; scaled down for larger images
COUNTS_NAME = "_counts.jsonl"


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


def shards_for(estimated_examples, image_size, requested):
    """The number of shards for a split: the user's choice, or about 20 MB each."""
    if requested:
        return requested
    per_shard = max(64, EXAMPLES_PER_SHARD_32PX * 32 * 32 // (image_size * image_size))
    return max(1, -(-int(estimated_examples) // per_shard))

