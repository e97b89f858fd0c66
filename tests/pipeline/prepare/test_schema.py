"""Tests for pipeline/prepare/schema.py: what the Beam writer serializes, tf.data reads back unchanged."""

import subprocess
import sys

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from apache_beam.options.pipeline_options import PipelineOptions
from PIL import Image

from pipeline.prepare import schema


def random_rgb(height, width, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_round_trip_gives_back_the_pixels_size_id_and_label():
    rgb = random_rgb(13, 21)

    parsed = schema.parse_example(schema.serialize_example(rgb, "folder:album/été.jpg", label=7))

    np.testing.assert_array_equal(parsed["rgb"].numpy(), rgb)
    expected_gray = np.asarray(Image.fromarray(rgb).convert("L"))
    np.testing.assert_array_equal(parsed["gray"].numpy(), expected_gray[:, :, None])
    assert parsed["gray"].dtype == tf.uint8 and parsed["rgb"].dtype == tf.uint8
    assert (parsed["height"].numpy(), parsed["width"].numpy()) == (13, 21)
    assert parsed["id"].numpy().decode("utf-8") == "folder:album/été.jpg"
    assert parsed["label"].numpy() == 7


def test_an_unlabelled_image_reads_back_as_no_label():
    parsed = schema.parse_example(schema.serialize_example(random_rgb(8, 8), "folder:a.png"))

    assert parsed["label"].numpy() == schema.NO_LABEL == -1


@pytest.mark.parametrize("array", [
    np.zeros((8, 8), np.uint8),
    np.zeros((8, 8, 4), np.uint8),
    np.zeros((8, 8, 3), np.float32),
], ids=["gray", "rgba", "float"])
def test_only_uint8_rgb_images_are_serialized(array):
    with pytest.raises(ValueError, match=r"expected a uint8 \(H, W, 3\) image"):
        schema.serialize_example(array, "folder:x.png")


def test_shards_written_by_beam_read_back_with_plain_tf_data(tmp_path):
    images = {f"folder:{index}.png": random_rgb(9 + index, 16, seed=index) for index in range(5)}
    records = [schema.serialize_example(rgb, image_id, label=3) for image_id, rgb in images.items()]
    with beam.Pipeline(options=PipelineOptions(["--direct_running_mode=in_memory"])) as pipeline:
        _ = (pipeline
             | beam.Create(records)
             | beam.io.WriteToTFRecord(str(tmp_path / "train"), file_name_suffix=schema.SHARD_SUFFIX, num_shards=2,
                                       shard_name_template=schema.SHARD_TEMPLATE,
                                       compression_type=beam.io.filesystem.CompressionTypes.GZIP))
    files = sorted(str(path) for path in tmp_path.glob(f"train-*-of-00002{schema.SHARD_SUFFIX}"))
    assert len(files) == 2

    dataset = tf.data.TFRecordDataset(files, compression_type=schema.COMPRESSION)
    parsed = [tf.io.parse_single_example(record, schema.feature_spec()) for record in dataset]

    assert sorted(features[schema.ID_KEY].numpy().decode("utf-8") for features in parsed) == sorted(images)
    for features in parsed:
        rgb = images[features[schema.ID_KEY].numpy().decode("utf-8")]
        np.testing.assert_array_equal(tf.io.decode_png(features[schema.RGB_KEY]).numpy(), rgb)
        assert (features[schema.HEIGHT_KEY].numpy(), features[schema.WIDTH_KEY].numpy()) == rgb.shape[:2]
        assert features[schema.LABEL_KEY].numpy() == 3


@pytest.mark.parametrize("label", [schema.NO_LABEL, 0, 9, 2**40])
def test_hand_written_record_is_the_example_tensorflow_would_write(label):
    rgb = np.random.default_rng(label % 7).integers(0, 256, (6, 4, 3), dtype=np.uint8)
    ours = tf.train.Example.FromString(schema.serialize_example(rgb, "photos/été #crop3", label))

    def feature(**kind):
        return tf.train.Feature(**kind)

    expected = tf.train.Example(features=tf.train.Features(feature={
        schema.GRAY_KEY: feature(bytes_list=tf.train.BytesList(value=[schema.encode_png(schema.to_gray(rgb))])),
        schema.RGB_KEY: feature(bytes_list=tf.train.BytesList(value=[schema.encode_png(rgb)])),
        schema.HEIGHT_KEY: feature(int64_list=tf.train.Int64List(value=[6])),
        schema.WIDTH_KEY: feature(int64_list=tf.train.Int64List(value=[4])),
        schema.ID_KEY: feature(bytes_list=tf.train.BytesList(value=["photos/été #crop3".encode()])),
        schema.LABEL_KEY: feature(int64_list=tf.train.Int64List(value=[label])),
    }))
    assert ours == expected


def test_writing_records_does_not_import_tensorflow():
    code = ("import sys, numpy as np; from pipeline.prepare import schema; "
            "schema.serialize_example(np.zeros((2, 2, 3), np.uint8), 'x'); "
            "print('tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
