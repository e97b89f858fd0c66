"""Tests for pipeline/prepare/shards.py: examples, shards and counts on TestPipeline."""

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.util import assert_that, equal_to
from tensorflow.core.example import example_pb2

from pipeline.io import images
from pipeline.prepare import job as prepare, schema, shards as prepare_shards
from tests.pipeline.prepare_helpers import in_process_pipeline, read_shards


def describe_example(item):
    """(split, id, label, height, width) of a (split, serialized example) pair."""
    split, serialized = item
    features = example_pb2.Example.FromString(serialized).features.feature
    return (split, features[schema.ID_KEY].bytes_list.value[0].decode("utf-8"),
            features[schema.LABEL_KEY].int64_list.value[0],
            features[schema.HEIGHT_KEY].int64_list.value[0], features[schema.WIDTH_KEY].int64_list.value[0])



def test_examples_keep_the_split_id_and_label_of_their_source_image():
    rng = np.random.default_rng(0)
    source_images = [
        images.SourceImage("folder:a.jpg", "train", schema.NO_LABEL, rng.integers(0, 256, (20, 30, 3), np.uint8)),
        images.SourceImage("folder:b/c.png", "validation", schema.NO_LABEL, rng.integers(0, 256, (9, 9, 3), np.uint8)),
        images.SourceImage("cifar10:test/00003", "test", 7, rng.integers(0, 256, (32, 32, 3), np.uint8)),
    ]
    config = prepare.PrepareConfig(source="unused", output="unused", size=8)

    with in_process_pipeline() as pipeline:
        examples = pipeline | beam.Create(source_images) | prepare_shards.ToColorizationExamples(config)
        assert_that(examples | beam.Map(describe_example), equal_to([
            ("train", "folder:a.jpg", -1, 8, 8),
            ("validation", "folder:b/c.png", -1, 8, 8),
            ("test", "cifar10:test/00003", 7, 8, 8),
        ]))


def test_random_crops_give_each_crop_its_own_id_in_the_images_split():
    rgb = np.random.default_rng(0).integers(0, 256, (20, 30, 3), np.uint8)
    config = prepare.PrepareConfig(source="unused", output="unused", size=8, policy="random-crops",
                                   crops_per_image=3)

    with in_process_pipeline() as pipeline:
        examples = (pipeline
                    | beam.Create([images.SourceImage("folder:a.jpg", "validation", schema.NO_LABEL, rgb)])
                    | prepare_shards.ToColorizationExamples(config))
        assert_that(examples | beam.Map(describe_example), equal_to([
            ("validation", f"folder:a.jpg#crop{index}", -1, 8, 8) for index in range(3)
        ]))


@pytest.mark.slow
def test_examples_are_written_to_their_own_splits_shards_and_counted_with_the_failures(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (8, 8, 3), np.uint8)
    examples = [(split, schema.serialize_example(rgb, f"{split}/{index}"))
                for split, count in (("train", 3), ("validation", 2), ("test", 1)) for index in range(count)]
    failures = [{"path": "a.gif", "reason": "grayscale", "detail": ""}, {"path": "b", "reason": "empty", "detail": ""},
                {"path": "c.png", "reason": "grayscale", "detail": ""}]

    with in_process_pipeline() as pipeline:
        example_pcoll = pipeline | "Examples" >> beam.Create(examples)
        _ = example_pcoll | prepare_shards.WriteSplits(str(tmp_path), {"train": 2, "validation": 1, "test": 1})
        _ = (example_pcoll, pipeline | "Failures" >> beam.Create(failures)) | prepare_shards.WriteReport(str(tmp_path))

    ids = {split: sorted(example["id"].numpy().decode("utf-8") for example in read_shards(tmp_path, split))
           for split in prepare.SPLITS}
    assert ids == {"train": ["train/0", "train/1", "train/2"], "validation": ["validation/0", "validation/1"],
                   "test": ["test/0"]}
    assert len(list(tmp_path.glob(f"train-*{schema.SHARD_SUFFIX}"))) == 2
    assert prepare_shards.read_counts(str(tmp_path)) == prepare_shards.Counts(
        examples={"train": 3, "validation": 2, "test": 1}, skipped={"grayscale": 2, "empty": 1})
    assert len((tmp_path / schema.FAILURES_NAME).read_text().splitlines()) == 3


def test_an_example_of_a_split_without_planned_shards_stops_the_run():
    with pytest.raises(RuntimeError, match="no shards were planned"):
        prepare_shards.split_index(("extra", b""), 2, ["train", "validation"])

