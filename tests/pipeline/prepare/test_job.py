"""Tests for pipeline/prepare/job.py: whole prepare runs, killed runs, refused datasets."""

import collections
import json
import os
import posixpath
import shutil

import numpy as np
import pytest
import tensorflow as tf
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.io import images, outputs
from pipeline.prepare import job as prepare, schema
from pipeline.train import dataset
from tests.pipeline.prepare_helpers import (
    FOLDER_FRACTIONS,
    IN_PROCESS,
    expected_folder_splits,
    folder_config,
    read_shards,
)

TWO_WORKERS = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]


def expected_folder_shards(image_folder):
    """split -> Counter of ids: each color image exactly once, in its split."""
    return {split: collections.Counter(ids) for split, ids in expected_folder_splits(image_folder).items()}


def ids_by_split(output, manifest):
    """split -> Counter of the ids in its shards, for every split the manifest lists."""
    return {split: collections.Counter(example["id"].numpy().decode("utf-8") for example in read_shards(output, split))
            for split in manifest["splits"]}


def read_failures(output, root):
    """(relative path, reason) of each line of failures.jsonl."""
    lines = (output / schema.FAILURES_NAME).read_text(encoding="utf-8").splitlines()
    return [(posixpath.relpath(record["path"], str(root)), record["reason"]) for record in map(json.loads, lines)]


# ---------------------------------------------------------------------------------------
# Whole runs of the prepare job.


@pytest.mark.slow
def test_folder_run_writes_every_color_image_once_and_reports_every_skipped_file(image_folder, tmp_path):
    output = tmp_path / "shards"
    config = folder_config(image_folder, output, num_shards=2)

    manifest = prepare.run_prepare(config, PipelineOptions(IN_PROCESS), argv=["colorize-prepare", "--size", "16"])

    expected = expected_folder_splits(image_folder)
    assert json.loads((output / schema.MANIFEST_NAME).read_text()) == manifest
    assert manifest["schema_version"] == schema.SCHEMA_VERSION
    assert manifest["image_size"] == 16 and manifest["policy"] == "center-crop"
    assert manifest["command"] == ["colorize-prepare", "--size", "16"]
    assert {split: details["examples"] for split, details in manifest["splits"].items()} == {
        split: len(ids) for split, ids in expected.items()}
    assert manifest["skipped"] == dict(collections.Counter(image_folder.bad.values()))

    assert ids_by_split(output, manifest) == expected_folder_shards(image_folder)
    assert {example["rgb"].shape for example in read_shards(output, "train")} == {(16, 16, 3)}

    failures = read_failures(output, image_folder.path)
    assert sorted(failures) == sorted(image_folder.bad.items())  # each bad file once, with its reason

    shard_files = {name for details in manifest["splits"].values() for name in details["shards"]}
    assert len(shard_files) == 2 * len(expected)
    assert {path.name for path in output.iterdir()} == shard_files | {
        schema.MANIFEST_NAME, schema.FAILURES_NAME, outputs.JOB_FOLDER}


@pytest.mark.slow
def test_a_link_out_of_the_folder_is_a_reported_failure_of_the_run(image_folder, tmp_path):
    outside = tmp_path / "private"
    outside.mkdir()
    shutil.copy(image_folder.path / "rgb.png", outside / "secret.png")
    (image_folder.path / "escape.png").symlink_to(outside / "secret.png")
    output = tmp_path / "shards"

    manifest = prepare.run_prepare(folder_config(image_folder, output), PipelineOptions(IN_PROCESS), argv=[])

    assert ("escape.png", "bad_link") in read_failures(output, image_folder.path)
    assert manifest["skipped"]["bad_link"] == 1
    assert ids_by_split(output, manifest) == expected_folder_shards(image_folder)  # the secret is not in any shard


@pytest.mark.slow
def test_a_name_that_is_not_utf8_is_prepared_and_odd_files_are_skipped_with_a_reason(image_folder, tmp_path):
    latin1 = os.path.join(os.fsencode(image_folder.path), b"lat\xe9.png")  # from an old Windows disk
    shutil.copy(image_folder.path / "rgb.png", latin1)
    os.mkfifo(image_folder.path / "pipe.png")  # reading it would wait for a writer forever
    output = tmp_path / "shards"

    manifest = prepare.run_prepare(folder_config(image_folder, output), PipelineOptions(IN_PROCESS), argv=[])

    split = images.split_for("lat\\xe9.png", **FOLDER_FRACTIONS)
    assert ids_by_split(output, manifest)[split]["folder:lat\\xe9.png"] == 1
    assert ("pipe.png", "not_a_file") in read_failures(output, image_folder.path)
    assert manifest["skipped"]["not_a_file"] == 1


@pytest.mark.slow
def test_an_output_folder_with_glob_characters_in_its_name_gets_the_shards(image_folder, tmp_path):
    output = tmp_path / "shards [v1]"  # Beam's file sinks read their path as a pattern

    manifest = prepare.run_prepare(folder_config(image_folder, output), PipelineOptions(IN_PROCESS), argv=[])

    assert ids_by_split(output, manifest) == expected_folder_shards(image_folder)
    assert [path.name for path in output.iterdir() if path.name.startswith(".")] == [outputs.JOB_FOLDER]
    assert [name for name in os.listdir(output / outputs.JOB_FOLDER) if name.startswith(outputs.STAGING_PREFIX)] == []
    # The training reader takes the folder as a folder, not as a pattern.
    assert dataset.find_shards(str(output), "train") == [
        str(output / name) for name in manifest["splits"]["train"]["shards"]]


@pytest.mark.slow
def test_a_second_run_replaces_the_first_runs_shards(image_folder, tmp_path):
    output = tmp_path / "shards"
    prepare.run_prepare(folder_config(image_folder, output, num_shards=3), PipelineOptions(IN_PROCESS), argv=[])
    assert len(list(output.glob(f"train-*-of-00003{schema.SHARD_SUFFIX}"))) == 3

    manifest = prepare.run_prepare(folder_config(image_folder, output, num_shards=1), PipelineOptions(IN_PROCESS),
                                   argv=[])

    assert sorted(manifest["splits"]) == sorted(expected_folder_splits(image_folder))
    shard_names = {name for details in manifest["splits"].values() for name in details["shards"]}
    assert all(name.endswith(f"-00000-of-00001{schema.SHARD_SUFFIX}") for name in shard_names)
    assert {path.name for path in output.iterdir()} == shard_names | {
        schema.MANIFEST_NAME, schema.FAILURES_NAME, outputs.JOB_FOLDER}
    assert ids_by_split(output, manifest) == expected_folder_shards(image_folder)
    assert len(read_failures(output, image_folder.path)) == len(image_folder.bad)


@pytest.mark.slow
def test_cifar_run_keeps_the_official_test_split_and_the_labels(cifar_archive, tmp_path):
    output = tmp_path / "shards"
    config = prepare.PrepareConfig(source=f"cifar10:{cifar_archive.path}", output=str(output),
                                   validation_fraction=0.2, num_shards=1)

    manifest = prepare.run_prepare(config, PipelineOptions(IN_PROCESS), argv=[])

    examples = {split: read_shards(output, split) for split in manifest["splits"]}
    ids = {split: {example["id"].numpy().decode("utf-8") for example in found} for split, found in examples.items()}
    official_test = {image_id for image_id in cifar_archive.labels if image_id.startswith("cifar10:test/")}
    carved = {image_id for image_id in cifar_archive.labels
              if image_id.startswith("cifar10:train/") and images.split_for(image_id, 0.2, 0.0) == "validation"}
    assert carved  # the fixture's ids put some training images into validation
    assert ids == {"test": official_test, "validation": carved,
                   "train": set(cifar_archive.labels) - official_test - carved}
    assert sum(len(found) for found in examples.values()) == len(cifar_archive.labels)  # none twice
    assert manifest["image_size"] == 32 and manifest["skipped"] == {}
    assert (output / schema.FAILURES_NAME).read_text() == ""
    for example in [example for found in examples.values() for example in found]:
        image_id = example["id"].numpy().decode("utf-8")
        assert example["label"].numpy() == cifar_archive.labels[image_id]
        np.testing.assert_array_equal(example["rgb"].numpy(), cifar_archive.images[image_id])


@pytest.mark.slow
def test_tfds_run_reads_a_prepared_dataset_and_carves_validation_from_train(tfds_data_dir, tmp_path):
    output = tmp_path / "shards"
    config = prepare.PrepareConfig(source="tfds:cifar10", output=str(output), size=16, num_shards=1,
                                   validation_fraction=0.25, tfds_data_dir=tfds_data_dir)

    manifest = prepare.run_prepare(config, PipelineOptions(IN_PROCESS), argv=[])

    train_ids = {f"tfds:cifar10/train/{index:06d}" for index in range(12)}
    carved = {image_id for image_id in train_ids if images.split_for(image_id, 0.25, 0.0) == "validation"}
    assert carved  # the ids put some training images into validation
    assert ids_by_split(output, manifest) == {
        "train": collections.Counter(train_ids - carved), "validation": collections.Counter(carved),
        "test": collections.Counter(f"tfds:cifar10/test/{index:06d}" for index in range(4))}
    labels = {split: collections.Counter(int(example["label"].numpy()) for example in read_shards(output, split))
              for split in manifest["splits"]}
    # The fixture labels its images 0, 1, 2, ... in each TFDS split.
    assert labels["train"] + labels["validation"] == collections.Counter(index % 10 for index in range(12))
    assert labels["test"] == collections.Counter(range(4))


@pytest.mark.slow
def test_two_worker_processes_write_the_same_examples_as_one(image_folder, tmp_path):
    output = tmp_path / "shards"

    manifest = prepare.run_prepare(folder_config(image_folder, output), PipelineOptions(TWO_WORKERS), argv=[])

    # The same ids in the same splits as the in-process run above, which checks them against these too.
    assert ids_by_split(output, manifest) == expected_folder_shards(image_folder)
    assert manifest["skipped"] == dict(collections.Counter(image_folder.bad.values()))
    assert sorted(read_failures(output, image_folder.path)) == sorted(image_folder.bad.items())


# ---------------------------------------------------------------------------------------
# Killed runs, two runs at once, too few images: the previous dataset stays usable.


def dataset_as_training_reads_it(output):
    """split -> Counter of ids, read through the manifest's shard list as colorize-train reads it."""
    manifest = schema.read_manifest(str(output))
    found = {}
    for split in manifest["splits"]:
        records = tf.data.TFRecordDataset(dataset.find_shards(str(output), split), compression_type="GZIP")
        found[split] = collections.Counter(
            schema.parse_example(record)["id"].numpy().decode("utf-8") for record in records)
    return found


def names_in(output):
    return sorted(name for name in os.listdir(output) if name != outputs.JOB_FOLDER)


@pytest.mark.slow
def test_what_killed_runs_left_is_removed_by_the_next_run(image_folder, tmp_path):
    output = tmp_path / "shards"
    job_folder = output / outputs.JOB_FOLDER
    legacy = output / ".staging-0123456789ab"  # where versions before the job folder staged a run
    (legacy / "beam-temp").mkdir(parents=True)
    (legacy / "beam-temp" / "part").write_bytes(b"x" * 1000)
    (job_folder / "staging-fedcba987654").mkdir(parents=True)
    (job_folder / "staging-fedcba987654" / f"train-1-00000-of-00001{schema.SHARD_SUFFIX}").write_bytes(b"half")
    (job_folder / outputs.TEMPORARY_FOLDER).mkdir()
    (job_folder / outputs.TEMPORARY_FOLDER / "0badcafe").write_bytes(b"half a manifest")
    (output / ".staging-holiday").mkdir()  # not a name a run gives its staging folder: kept

    manifest = prepare.run_prepare(folder_config(image_folder, output), PipelineOptions(IN_PROCESS), argv=[])

    assert sorted(os.listdir(job_folder)) == [outputs.LOCK_NAME, outputs.TEMPORARY_FOLDER]
    assert os.listdir(job_folder / outputs.TEMPORARY_FOLDER) == []
    assert not legacy.exists() and (output / ".staging-holiday").exists()
    assert dataset_as_training_reads_it(output) == ids_by_split(output, manifest)


def kill_while_moving_shards(monkeypatch):
    """The run is killed after moving the first of its shards into the output folder."""
    move = prepare._move_files

    def move_one_then_die(sources, targets):
        move(sources[:1], targets[:1])
        raise KeyboardInterrupt

    monkeypatch.setattr(prepare, "_move_files", move_one_then_die)


def kill_at(name):
    def kill(monkeypatch):
        def die(*args):
            raise KeyboardInterrupt

        monkeypatch.setattr(prepare, name, die)
    return kill


@pytest.mark.parametrize("kill, switched", [
    (kill_while_moving_shards, False),
    (kill_at("_write_manifest"), False),  # every new shard in place, the manifest not yet replaced
    (kill_at("_delete_files"), True),  # the new manifest in place, the old shards not yet deleted
])
@pytest.mark.slow
def test_a_run_killed_during_the_swap_leaves_one_usable_dataset_and_the_next_run_cleans_up(
        image_folder, tmp_path, monkeypatch, kill, switched):
    output = tmp_path / "shards"
    previous = prepare.run_prepare(folder_config(image_folder, output, num_shards=2), PipelineOptions(IN_PROCESS),
                                   argv=[])
    complete = ids_by_split(output, previous)
    new_config = folder_config(image_folder, output, num_shards=1)

    kill(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        prepare.run_prepare(new_config, PipelineOptions(IN_PROCESS), argv=[])
    monkeypatch.undo()

    in_use = schema.read_manifest(str(output))
    assert (in_use == previous) is not switched
    assert dataset_as_training_reads_it(output) == complete

    latest = prepare.run_prepare(new_config, PipelineOptions(IN_PROCESS), argv=[])
    listed = [name for details in latest["splits"].values() for name in details["shards"]]
    assert names_in(output) == sorted([*listed, schema.MANIFEST_NAME, schema.FAILURES_NAME])
    assert dataset_as_training_reads_it(output) == complete


def test_two_runs_into_one_output_are_locked_out(image_folder, tmp_path):
    output = tmp_path / "shards"
    output.mkdir()
    with outputs.OutputLock(str(output)), pytest.raises(outputs.LockedError, match="is writing to"):
        prepare.run_prepare(folder_config(image_folder, output), PipelineOptions(IN_PROCESS), argv=[])
    assert names_in(output) == []


@pytest.mark.slow
def test_one_usable_image_is_a_clear_error_and_the_previous_dataset_stays(image_folder, tmp_path):
    output = tmp_path / "shards"
    previous = prepare.run_prepare(folder_config(image_folder, output), PipelineOptions(IN_PROCESS), argv=[])
    before = {name: (output / name).read_bytes() for name in names_in(output)}
    one = tmp_path / "one photo"
    one.mkdir()
    name = next(f"photo{index}.png" for index in range(100)
                if images.split_for(f"photo{index}.png", **FOLDER_FRACTIONS) == "train")
    shutil.copy(image_folder.path / "rgb.png", one / name)
    shutil.copy(image_folder.path / "gray.png", one / "gray.png")

    message = (f"no image of {one} fell into the validation split, which colorize-train needs: 1 usable image "
               f"\\(1 files skipped: 1 grayscale; .*\\), .*: add images, or raise --validation-fraction; the dataset "
               f"already in {output} is unchanged")
    with pytest.raises(ValueError, match=message):
        prepare.run_prepare(folder_config(image_folder, output, source=str(one)), PipelineOptions(IN_PROCESS), argv=[])

    assert {name: (output / name).read_bytes() for name in names_in(output)} == before
    assert schema.read_manifest(str(output)) == previous
    refused = output / outputs.JOB_FOLDER / prepare.REFUSED_FAILURES_NAME
    assert [json.loads(line)["reason"] for line in refused.read_text().splitlines()] == ["grayscale"]
