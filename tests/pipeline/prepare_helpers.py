"""Helpers of the prepare tests (tests/pipeline/test_prepare*.py): configs, expected splits, shard reading."""

import collections

import tensorflow as tf
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_pipeline

from pipeline.io import images
from pipeline.prepare import job as prepare, schema

IN_PROCESS = ["--direct_running_mode=in_memory"]
FOLDER_FRACTIONS = {"validation_fraction": 0.2, "test_fraction": 0.2}  # so that ten images fill every split


def in_process_pipeline():
    return test_pipeline.TestPipeline(options=PipelineOptions(IN_PROCESS))


def folder_config(image_folder, output, **changes):
    options = dict(source=str(image_folder.path), output=str(output), size=16,
                   max_pixels=image_folder.max_pixels, **FOLDER_FRACTIONS)
    return prepare.PrepareConfig(**{**options, **changes})


def expected_folder_splits(image_folder):
    """split -> ids of the folder's color images, by the stable hash of their relative paths."""
    splits = collections.defaultdict(set)
    for relative_path in image_folder.good:
        splits[images.split_for(relative_path, **FOLDER_FRACTIONS)].add(f"folder:{relative_path}")
    return dict(splits)



def read_shards(output, split):
    """The parsed examples of one split's shards, read the way a training job reads them."""
    files = sorted(str(path) for path in output.glob(f"{split}-*-of-*{schema.SHARD_SUFFIX}"))
    records = tf.data.TFRecordDataset(files, compression_type="GZIP")
    return [schema.parse_example(record) for record in records]
