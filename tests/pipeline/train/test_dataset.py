"""Tests for pipeline/train/dataset.py: finding shards and reading them as training batches."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from model import color
from pipeline.prepare import schema
from pipeline.train import dataset

IMAGE_SIZE = 16  # the shard_folder fixture's examples
BATCH_SIZE = 4
EXAMPLES = {"train": 14, "validation": 6, "test": 4}  # what the fixture's stable hashes give


def read_originals(files):
    """Every image of some shards, as uint8 arrays in file order."""
    records = tf.data.TFRecordDataset(files, compression_type=schema.COMPRESSION)
    return [schema.parse_example(record)["rgb"].numpy() for record in records]


def copy_of(shard_folder, tmp_path):
    copy = tmp_path / "shards"
    shutil.copytree(shard_folder, copy)
    return copy


def edit_manifest(folder, change):
    path = folder / schema.MANIFEST_NAME
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def test_find_shards_lists_the_files_of_a_split(shard_folder):
    for split in EXAMPLES:
        files = dataset.find_shards(str(shard_folder), split)
        assert files and all(f"/{split}-" in path for path in files)
    assert len(read_originals(dataset.find_shards(str(shard_folder), "validation"))) == EXAMPLES["validation"]


def test_find_shards_accepts_a_file_pattern(shard_folder):
    files = dataset.find_shards(str(shard_folder / f"train-*{schema.SHARD_SUFFIX}"), "train")
    assert files == dataset.find_shards(str(shard_folder), "train")


def test_eval_batches_have_the_documented_shapes_and_ranges(shard_folder):
    files = dataset.find_shards(str(shard_folder), "validation")
    batches = list(dataset.make_dataset(files, BATCH_SIZE, training=False).as_numpy_iterator())
    # Six images: one full batch and the remainder, none dropped.
    assert [len(network_input) for network_input, _ in batches] == [4, 2]
    for network_input, lab in batches:
        assert network_input.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE, 1)
        assert lab.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE, 3)
        assert network_input.dtype == np.float32 and lab.dtype == np.float32
        assert network_input.min() >= -1.0 and network_input.max() <= 1.0
        assert lab[..., 0].min() >= 0.0 and lab[..., 0].max() <= 100.0
        assert np.abs(lab[..., 1:]).max() < 130.0
        np.testing.assert_allclose(network_input[..., 0], lab[..., 0] / 50.0 - 1.0, atol=1e-5)


def test_eval_mode_is_finite_and_deterministic(shard_folder):
    files = dataset.find_shards(str(shard_folder), "test")
    evaluation = dataset.make_dataset(files, BATCH_SIZE, training=False)
    first = [lab for _, lab in evaluation.as_numpy_iterator()]
    second = [lab for _, lab in evaluation.as_numpy_iterator()]
    assert sum(len(lab) for lab in first) == EXAMPLES["test"]
    for one, other in zip(first, second, strict=True):
        np.testing.assert_array_equal(one, other)


def test_eval_targets_are_the_stored_images_unchanged(shard_folder):
    files = dataset.find_shards(str(shard_folder), "test")
    originals = np.stack(read_originals(files))
    lab = np.concatenate([lab for _, lab in dataset.make_dataset(files, BATCH_SIZE, training=False)])
    expected = color.rgb_to_lab(tf.constant(originals, dtype=tf.float32) / 255.0).numpy()
    np.testing.assert_allclose(lab, expected, atol=1e-3)


def test_training_mode_repeats_in_full_batches(shard_folder):
    files = dataset.find_shards(str(shard_folder), "train")
    batches = 3 * EXAMPLES["train"] // BATCH_SIZE  # three passes over the data
    training = dataset.make_dataset(files, BATCH_SIZE, training=True, seed=1).take(batches)
    sizes = [len(lab) for _, lab in training.as_numpy_iterator()]
    assert sizes == [BATCH_SIZE] * batches


@pytest.mark.slow
def test_training_mode_augments(shard_folder):
    files = dataset.find_shards(str(shard_folder), "train")
    originals = np.stack(read_originals(files))
    original_lab = color.rgb_to_lab(tf.constant(originals, dtype=tf.float32) / 255.0).numpy()
    training = dataset.make_dataset(files, BATCH_SIZE, training=True, seed=2).take(4)
    seen = np.concatenate([lab for _, lab in training.as_numpy_iterator()])
    unchanged = [np.any(np.all(np.isclose(image, original_lab, atol=1e-3), axis=(1, 2, 3))) for image in seen]
    # A sample is unchanged only without flip and with a zero shift on both axes (1 in 50).
    assert sum(unchanged) <= len(seen) // 2, f"{sum(unchanged)} of {len(seen)} training images are unchanged"


def test_augment_flips_and_shifts_but_keeps_size():
    # Columns increase left to right; away from the reflected border a shift keeps that
    # order and only a flip reverses it.
    width = 32
    gradient = np.tile((np.arange(width) * 8).astype(np.uint8)[None, :, None], (24, 1, 3))
    center = slice(width // 8, width - width // 8)
    directions = set()
    tf.random.set_seed(0)
    for _ in range(30):
        result = dataset.augment(tf.constant(gradient)).numpy()
        assert result.shape == gradient.shape and result.dtype == np.uint8
        steps = np.diff(result[0, center, 0].astype(int))
        assert np.all(steps > 0) or np.all(steps < 0)
        directions.add(bool(steps[0] > 0))
    assert directions == {True, False}


def test_missing_folder_says_to_run_prepare(tmp_path):
    with pytest.raises(dataset.ShardError, match=r"no manifest\.json.*colorize-prepare"):
        dataset.find_shards(str(tmp_path / "missing"), "train")


def test_folder_without_manifest_is_an_unfinished_run(shard_folder, tmp_path):
    copy = copy_of(shard_folder, tmp_path)
    (copy / schema.MANIFEST_NAME).unlink()
    with pytest.raises(ValueError, match="not the output of a finished colorize-prepare run"):
        dataset.find_shards(str(copy), "train")


def test_pattern_matching_nothing_says_to_run_prepare(tmp_path):
    with pytest.raises(dataset.ShardError, match="no shards match .*colorize-prepare"):
        dataset.find_shards(str(tmp_path / "train-*.tfrecord.gz"), "train")


def test_other_schema_version_is_refused(shard_folder, tmp_path):
    copy = copy_of(shard_folder, tmp_path)
    edit_manifest(copy, lambda manifest: manifest.update(schema_version=schema.SCHEMA_VERSION + 98))
    with pytest.raises(dataset.ShardError) as raised:
        dataset.find_shards(str(copy), "train")
    message = str(raised.value)
    assert f"schema version {schema.SCHEMA_VERSION + 98}" in message
    assert f"reads {schema.SCHEMA_VERSION}" in message and "re-run colorize-prepare" in message


def test_missing_split_names_the_splits_there_are(shard_folder, tmp_path):
    copy = copy_of(shard_folder, tmp_path)
    edit_manifest(copy, lambda manifest: manifest["splits"].pop("test"))
    with pytest.raises(dataset.ShardError, match=r"no 'test' split \(it has train, validation\)"):
        dataset.find_shards(str(copy), "test")


def test_shard_listed_but_missing_is_named(shard_folder, tmp_path):
    copy = copy_of(shard_folder, tmp_path)
    missing = dataset.find_shards(str(copy), "validation")[0]
    (copy / missing.rsplit("/", 1)[1]).unlink()
    with pytest.raises(dataset.ShardError, match=f"{missing} is listed in the manifest but missing"):
        dataset.find_shards(str(copy), "validation")


def test_shard_errors_are_value_errors():
    assert issubclass(dataset.ShardError, ValueError)


@pytest.mark.slow
def test_the_training_reader_does_not_import_beam():
    code = "import sys; from pipeline.train import dataset; print('apache_beam' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
