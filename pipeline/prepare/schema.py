"""The TFRecord schema of the colorization shards: the one place that knows its keys.

Each record is a `tf.train.Example` with these features:

    image/gray     bytes   PNG, mode L (8-bit grayscale), height x width
    image/rgb      bytes   PNG, mode RGB (8-bit), height x width
    image/height   int64
    image/width    int64
    image/id       bytes   stable id: "<source>/<relative path or index>[#crop<k>]"
    image/label    int64   class index where the source has labels, else -1

The Beam writer uses `serialize_example` and the tf.data reader uses `feature_spec()`
through `parse_example`, so both always agree. Shards are gzip-compressed.
"""

import io
import json

import numpy as np
from PIL import Image

SCHEMA_VERSION = 1
NO_LABEL = -1
COMPRESSION = "GZIP"
SHARD_SUFFIX = ".tfrecord.gz"
SHARD_TEMPLATE = "-SSSSS-of-NNNNN"  # Beam's template: train-00000-of-00004.tfrecord.gz
MANIFEST_NAME = "manifest.json"
FAILURES_NAME = "failures.jsonl"

GRAY_KEY = "image/gray"
RGB_KEY = "image/rgb"
HEIGHT_KEY = "image/height"
WIDTH_KEY = "image/width"
ID_KEY = "image/id"
LABEL_KEY = "image/label"


def feature_spec():
    """The `tf.io.parse_example` spec of one record."""
    import tensorflow as tf

    return {
        GRAY_KEY: tf.io.FixedLenFeature([], tf.string),
        RGB_KEY: tf.io.FixedLenFeature([], tf.string),
        HEIGHT_KEY: tf.io.FixedLenFeature([], tf.int64),
        WIDTH_KEY: tf.io.FixedLenFeature([], tf.int64),
        ID_KEY: tf.io.FixedLenFeature([], tf.string),
        LABEL_KEY: tf.io.FixedLenFeature([], tf.int64, default_value=NO_LABEL),
    }


def encode_png(array):
    """PNG bytes of a uint8 array shaped (H, W) or (H, W, 3)."""
    buffer = io.BytesIO()
    # Level 1 is several times faster than the default and only a few percent larger.
    Image.fromarray(array).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def to_gray(rgb):
    """8-bit grayscale of an RGB uint8 array, by ITU-R 601 luma as Pillow computes it."""
    return np.asarray(Image.fromarray(rgb).convert("L"))


def serialize_example(rgb, example_id, label=NO_LABEL):
    """A serialized `tf.train.Example` for one RGB uint8 image of shape (H, W, 3).

    Written in the protocol buffer wire format by hand, so that Beam workers that only
    write shards never import TensorFlow (15-18 s of start-up per worker process).
    """
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected a uint8 (H, W, 3) image, got {rgb.dtype} {rgb.shape}")
    height, width = rgb.shape[:2]
    features = {
        GRAY_KEY: _bytes_feature(encode_png(to_gray(rgb))),
        RGB_KEY: _bytes_feature(encode_png(rgb)),
        HEIGHT_KEY: _int64_feature(height),
        WIDTH_KEY: _int64_feature(width),
        ID_KEY: _bytes_feature(example_id.encode("utf-8")),
        LABEL_KEY: _int64_feature(label),
    }
    # Example.features (1) -> Features.feature (1), a map: entries of key (1) and value (2).
    entries = b"".join(_field(1, _field(1, key.encode("utf-8")) + _field(2, value))
                       for key, value in features.items())
    return _field(1, entries)


def _varint(value):
    value &= (1 << 64) - 1  # an int64 below zero is sent as its 64-bit two's complement
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number, payload):
    """A length-delimited field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _bytes_feature(value):
    return _field(1, _field(1, value))  # Feature.bytes_list (1) -> BytesList.value (1)


def _int64_feature(value):
    return _field(3, _field(1, _varint(int(value))))  # Feature.int64_list (3) -> packed Int64List.value (1)


def parse_example(serialized):
    """Decode one serialized record into tensors: gray (H, W, 1), rgb (H, W, 3) uint8, id, label."""
    import tensorflow as tf

    parsed = tf.io.parse_single_example(serialized, feature_spec())
    gray = tf.io.decode_png(parsed[GRAY_KEY], channels=1)
    rgb = tf.io.decode_png(parsed[RGB_KEY], channels=3)
    return {
        "gray": gray,
        "rgb": rgb,
        "height": parsed[HEIGHT_KEY],
        "width": parsed[WIDTH_KEY],
        "id": parsed[ID_KEY],
        "label": parsed[LABEL_KEY],
    }


def read_manifest(directory, missing_ok=False):
    """The manifest.json of a shard folder (local or gs://, s3://) as a dict; None if there is none and
    `missing_ok`, else FileNotFoundError saying to run colorize-prepare."""
    from apache_beam.io.filesystems import FileSystems

    path = FileSystems.join(directory, MANIFEST_NAME)
    if not FileSystems.exists(path):
        if missing_ok:
            return None
        raise FileNotFoundError(f"{path} does not exist: {directory} is not a shard folder; write one with "
                                "colorize-prepare --source ... --output " + directory)
    with FileSystems.open(path) as file:
        return json.loads(file.read().decode("utf-8"))
