"""Tests for pipeline/prepare.py: the Beam composites on TestPipeline, then whole prepare runs."""

import collections
import json
import os
import posixpath
import shutil

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to
from tensorflow.core.example import example_pb2

from pipeline import dataset, images, outputs, prepare, schema

IN_PROCESS = ["--direct_running_mode=in_memory"]
TWO_WORKERS = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]
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


def expected_folder_shards(image_folder):
    """split -> Counter of ids: each color image exactly once, in its split."""
    return {split: collections.Counter(ids) for split, ids in expected_folder_splits(image_folder).items()}


def describe_example(item):
    """(split, id, label, height, width) of a (split, serialized example) pair."""
    split, serialized = item
    features = example_pb2.Example.FromString(serialized).features.feature
    return (split, features[schema.ID_KEY].bytes_list.value[0].decode("utf-8"),
            features[schema.LABEL_KEY].int64_list.value[0],
            features[schema.HEIGHT_KEY].int64_list.value[0], features[schema.WIDTH_KEY].int64_list.value[0])


def read_shards(output, split):
    """The parsed examples of one split's shards, read the way a training job reads them."""
    files = sorted(str(path) for path in output.glob(f"{split}-*-of-*{schema.SHARD_SUFFIX}"))
    records = tf.data.TFRecordDataset(files, compression_type="GZIP")
    return [schema.parse_example(record) for record in records]


def ids_by_split(output, manifest):
    """split -> Counter of the ids in its shards, for every split the manifest lists."""
    return {split: collections.Counter(example["id"].numpy().decode("utf-8") for example in read_shards(output, split))
            for split in manifest["splits"]}


def read_failures(output, root):
    """(relative path, reason) of each line of failures.jsonl."""
    lines = (output / schema.FAILURES_NAME).read_text(encoding="utf-8").splitlines()
    return [(posixpath.relpath(record["path"], str(root)), record["reason"]) for record in map(json.loads, lines)]


# ---------------------------------------------------------------------------------------
# Composites on TestPipeline.


def test_examples_keep_the_split_id_and_label_of_their_source_image():
    rng = np.random.default_rng(0)
    source_images = [
        images.SourceImage("folder:a.jpg", "train", schema.NO_LABEL, rng.integers(0, 256, (20, 30, 3), np.uint8)),
        images.SourceImage("folder:b/c.png", "validation", schema.NO_LABEL, rng.integers(0, 256, (9, 9, 3), np.uint8)),
        images.SourceImage("cifar10:test/00003", "test", 7, rng.integers(0, 256, (32, 32, 3), np.uint8)),
    ]
    config = prepare.PrepareConfig(source="unused", output="unused", size=8)

    with in_process_pipeline() as pipeline:
        examples = pipeline | beam.Create(source_images) | prepare.ToColorizationExamples(config)
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
                    | prepare.ToColorizationExamples(config))
        assert_that(examples | beam.Map(describe_example), equal_to([
            ("validation", f"folder:a.jpg#crop{index}", -1, 8, 8) for index in range(3)
        ]))


def split_and_id(source_image):
    return source_image.split, source_image.image_id


def relative_path_and_reason(failure, root):
    return posixpath.relpath(failure["path"], root), failure["reason"]


def test_reading_a_folder_gives_its_color_images_and_a_failure_per_unusable_file(image_folder):
    config = folder_config(image_folder, "unused")
    files, _ = prepare.list_image_files(str(image_folder.path))

    with in_process_pipeline() as pipeline:
        decoded = pipeline | prepare.ReadImageFolder(files, config)
        assert_that(decoded[prepare.IMAGES_TAG] | beam.Map(split_and_id), equal_to([
            (split, image_id) for split, ids in expected_folder_splits(image_folder).items() for image_id in ids
        ]), label="CheckImages")
        assert_that(decoded[prepare.FAILURE_TAG] | beam.Map(relative_path_and_reason, str(image_folder.path)),
                    equal_to(list(image_folder.bad.items())), label="CheckFailures")


def test_a_file_gone_before_it_is_read_is_an_unreadable_failure(tmp_path):
    decode = prepare.DecodeImageFiles(prepare.PrepareConfig(source=str(tmp_path), output="unused"), total=1)
    decode.setup()

    [output] = decode.process((str(tmp_path / "deleted.jpg"), "deleted.jpg"))

    assert output.tag == prepare.FAILURE_TAG
    assert output.value["reason"] == "unreadable"
    assert output.value["path"] == str(tmp_path / "deleted.jpg")


def test_a_folder_is_listed_recursively_with_paths_relative_to_it(tmp_path):
    folder = tmp_path / "Holiday [2019]"  # brackets, which a file pattern would read as a choice of "2019"
    (folder / "day 1").mkdir(parents=True)
    (folder / "day 1" / "beach [1].jpg").write_bytes(b"jpeg")
    (folder / "sunset.png").write_bytes(b"png")
    (tmp_path / "Holiday 2").mkdir()
    (tmp_path / "Holiday 2" / "other.jpg").write_bytes(b"jpeg")

    files, refused = prepare.list_image_files(str(folder) + "/")

    assert files == [(str(folder / "day 1" / "beach [1].jpg"), "day 1/beach [1].jpg"),
                     (str(folder / "sunset.png"), "sunset.png")]
    assert refused == []


def test_links_out_of_the_folder_are_refused_and_reported(tmp_path):
    folder, outside = tmp_path / "photos", tmp_path / "private"
    folder.mkdir()
    outside.mkdir()
    (outside / "secret.png").write_bytes(b"png")
    (folder / "own.png").write_bytes(b"png")
    (folder / "escape.png").symlink_to(outside / "secret.png")

    found, refused = prepare.list_image_files(str(folder))

    assert found == [(str(folder / "own.png"), "own.png")]
    assert [(failure["path"], failure["reason"]) for failure in refused] == [(str(folder / "escape.png"), "bad_link")]


def test_splits_follow_the_relative_path_when_the_folder_moves_and_grows(image_folder, tmp_path):
    moved = tmp_path / "elsewhere" / "photos"
    shutil.copytree(image_folder.path, moved)
    new_paths = [f"album/new{number:02d}.png" for number in range(20)]
    for relative_path in new_paths:
        shutil.copy(moved / "rgb.png", moved / relative_path)
    config = folder_config(image_folder, "unused")

    with in_process_pipeline() as pipeline:
        decoded = pipeline | prepare.ReadImageFolder(prepare.list_image_files(str(moved))[0], config)
        assert_that(decoded[prepare.IMAGES_TAG] | beam.Map(split_and_id), equal_to(
            [(split, image_id) for split, ids in expected_folder_splits(image_folder).items() for image_id in ids]
            + [(images.split_for(path, **FOLDER_FRACTIONS), f"folder:{path}") for path in new_paths]))


def test_examples_are_written_to_their_own_splits_shards_and_counted_with_the_failures(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (8, 8, 3), np.uint8)
    examples = [(split, schema.serialize_example(rgb, f"{split}/{index}"))
                for split, count in (("train", 3), ("validation", 2), ("test", 1)) for index in range(count)]
    failures = [{"path": "a.gif", "reason": "grayscale", "detail": ""}, {"path": "b", "reason": "empty", "detail": ""},
                {"path": "c.png", "reason": "grayscale", "detail": ""}]

    with in_process_pipeline() as pipeline:
        example_pcoll = pipeline | "Examples" >> beam.Create(examples)
        _ = example_pcoll | prepare.WriteSplits(str(tmp_path), {"train": 2, "validation": 1, "test": 1})
        _ = (example_pcoll, pipeline | "Failures" >> beam.Create(failures)) | prepare.WriteReport(str(tmp_path))

    ids = {split: sorted(example["id"].numpy().decode("utf-8") for example in read_shards(tmp_path, split))
           for split in prepare.SPLITS}
    assert ids == {"train": ["train/0", "train/1", "train/2"], "validation": ["validation/0", "validation/1"],
                   "test": ["test/0"]}
    assert len(list(tmp_path.glob(f"train-*{schema.SHARD_SUFFIX}"))) == 2
    assert prepare.read_counts(str(tmp_path)) == prepare.Counts(
        examples={"train": 3, "validation": 2, "test": 1}, skipped={"grayscale": 2, "empty": 1})
    assert len((tmp_path / schema.FAILURES_NAME).read_text().splitlines()) == 3


def test_an_example_of_a_split_without_planned_shards_stops_the_run():
    with pytest.raises(RuntimeError, match="no shards were planned"):
        prepare.split_index(("extra", b""), 2, ["train", "validation"])


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
    manifest = dataset.read_manifest(str(output))
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

    in_use = dataset.read_manifest(str(output))
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
    assert dataset.read_manifest(str(output)) == previous
    refused = output / outputs.JOB_FOLDER / prepare.REFUSED_FAILURES_NAME
    assert [json.loads(line)["reason"] for line in refused.read_text().splitlines()] == ["grayscale"]
