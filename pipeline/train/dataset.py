"""The tf.data reader of the prepare job's shards: what the training job feeds to Keras.

    dataset = make_dataset("runs/cifar10-shards/train-*.tfrecord.gz", batch_size=64, training=True)

Yields (L in [0, 100] scaled for the network as L/50 - 1, shape (H, W, 1); Lab target
(H, W, 3)) pairs; shuffling and augmentation (flips, shifted crops) only when training.
"""

import os

import tensorflow as tf

from model import color
from pipeline.io.files import has_glob_characters
from pipeline.prepare import schema

SHUFFLE_BUFFER = 4_096  # examples
CYCLE_LENGTH = 4  # shards read at once


class ShardError(ValueError):
    """Shards that cannot be read as this version's training data; the message says why."""


def find_shards(directory_or_pattern, split):
    """The shard files of one split, checked against the manifest's schema version and list."""
    # A pattern, unless it names a folder: a folder called "shards [v1]" is a folder.
    if has_glob_characters(directory_or_pattern) and not tf.io.gfile.isdir(directory_or_pattern):
        files = sorted(tf.io.gfile.glob(directory_or_pattern))
        if not files:
            raise ShardError(f"no shards match {directory_or_pattern}; run colorize-prepare first")
        return files
    manifest = schema.read_manifest(directory_or_pattern, missing_ok=True)
    if manifest is None:
        raise ShardError(f"{directory_or_pattern} has no {schema.MANIFEST_NAME}: it is not the output of a "
                         "finished colorize-prepare run; run colorize-prepare --output "
                         f"{directory_or_pattern} (again)")
    version = manifest.get("schema_version")
    if version != schema.SCHEMA_VERSION:
        raise ShardError(f"{directory_or_pattern} holds shards of schema version {version}, but this "
                         f"version reads {schema.SCHEMA_VERSION}; re-run colorize-prepare")
    if split not in manifest["splits"]:
        raise ShardError(f"{directory_or_pattern} has no {split!r} split (it has "
                         f"{', '.join(manifest['splits']) or 'none'})")
    files = [os.path.join(directory_or_pattern, name) for name in manifest["splits"][split]["shards"]]
    missing = [path for path in files if not tf.io.gfile.exists(path)]
    if missing:
        raise ShardError(f"{missing[0]} is listed in the manifest but missing; re-run colorize-prepare")
    return files


def to_lightness_and_lab(rgb):
    """Network input and target from uint8 RGB (..., H, W, 3)."""
    lab = color.rgb_to_lab(tf.cast(rgb, tf.float32) / 255.0)
    return color.normalize_l(lab[..., :1]), lab


def augment(rgb, seed=None):
    """A random horizontal flip and a random shift of up to 1/8 of the side (reflected border)."""
    rgb = tf.image.random_flip_left_right(rgb, seed=seed)
    shape = tf.shape(rgb)
    pad_h, pad_w = shape[0] // 8, shape[1] // 8
    padded = tf.pad(rgb, [[pad_h, pad_h], [pad_w, pad_w], [0, 0]], mode="REFLECT")
    return tf.image.random_crop(padded, shape, seed=seed)


def enlarge_input(lightness, lab, size):
    """The network input enlarged to size x size (a thumbnail for the pretrained network), the target kept."""
    enlarged = tf.image.resize(lightness, (size, size), method="bicubic")
    return tf.clip_by_value(enlarged, -1.0, 1.0), lab


def make_dataset(files, batch_size, training, seed=None, repeat=None, cache=False, input_size=None,
                 image_size=None):
    """Batches of (network input, Lab target) from shard files of one image size.

    Args:
        files: shard paths (see `find_shards`).
        training: shuffle files and examples, augment, and repeat forever.
        cache: keep decoded images in memory after the first pass (small sets such as CIFAR-10).
        input_size: the network input's side, if larger than the images' (the target keeps their size).
        image_size: the images' side (the manifest's), which makes the batches' shapes static.
    """
    repeat = training if repeat is None else repeat
    file_dataset = tf.data.Dataset.from_tensor_slices(list(files))
    if training:
        file_dataset = file_dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    records = file_dataset.interleave(
        lambda path: tf.data.TFRecordDataset(path, compression_type=schema.COMPRESSION),
        cycle_length=CYCLE_LENGTH, num_parallel_calls=tf.data.AUTOTUNE, deterministic=not training)
    rgb = records.map(lambda record: schema.parse_example(record)["rgb"], num_parallel_calls=tf.data.AUTOTUNE)
    if image_size is not None:
        rgb = rgb.map(lambda image: tf.ensure_shape(image, (image_size, image_size, 3)))
    if cache:
        rgb = rgb.cache()
    if repeat:
        rgb = rgb.repeat()
    if training:
        rgb = rgb.shuffle(SHUFFLE_BUFFER, seed=seed).map(
            lambda image: augment(image, seed), num_parallel_calls=tf.data.AUTOTUNE)
    pairs = rgb.batch(batch_size, drop_remainder=training, num_parallel_calls=tf.data.AUTOTUNE)
    # Lab on whole batches is one vectorised op instead of thousands of small ones.
    pairs = pairs.map(to_lightness_and_lab, num_parallel_calls=tf.data.AUTOTUNE)
    if input_size is not None and input_size != pairs.element_spec[0].shape[1]:
        pairs = pairs.map(lambda lightness, lab: enlarge_input(lightness, lab, input_size),
                          num_parallel_calls=tf.data.AUTOTUNE)
    return pairs.prefetch(tf.data.AUTOTUNE)
