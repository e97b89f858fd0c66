"""Tests for the colorize-prepare command line: a user's mistakes end in one line and exit status 2."""

import json
import logging
import os
import subprocess
import sys
import tarfile

import numpy as np
import pytest
from PIL import Image

from jobs import common
from jobs import prepare as prepare_job
from pipeline.io import console, outputs
from pipeline.prepare import job as prepare

CIFAR_RECORD_BYTES = 1 + 32 * 32 * 3  # a label byte, then the pixels


@pytest.fixture(autouse=True)
def restore_logging():
    """main() sets logging up for a terminal; the tests that follow get pytest's back."""
    names = ("", console.LOGGER_NAME, *console.NOISY_LOGGERS)
    handlers = logging.getLogger().handlers[:]
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    logging.getLogger().handlers[:] = handlers
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def run_main(argv, capsys):
    """(exit status, stdout, stderr) of colorize-prepare with these arguments, run in this process."""
    try:
        prepare_job.main(argv)
        status = 0
    except SystemExit as stop:
        status = stop.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def write_color_photos(folder, count=2):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for index in range(count):
        Image.fromarray(rng.integers(0, 256, (24, 30, 3), dtype=np.uint8)).save(folder / f"photo{index}.png")
    return folder


def write_cifar_binary_archive(path, label_of_first_test_image=0):
    """A CIFAR-10 binary archive of one all-black image per batch."""
    folder = path.parent / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    for name in [f"data_batch_{number}" for number in range(1, 6)] + ["test_batch"]:
        record = bytearray(CIFAR_RECORD_BYTES)
        if name == "test_batch":
            record[0] = label_of_first_test_image
        (folder / f"{name}.bin").write_bytes(bytes(record))
    with tarfile.open(path, "w:gz") as archive:
        archive.add(folder, arcname=folder.name)
    return path


def assert_one_error_line(status, stderr, message):
    """Exit status 2, and stderr is one line: 'error: ' and the message."""
    assert status == 2
    assert stderr.startswith("error: ") and stderr.count("\n") == 1 and message in stderr, stderr


def shard_files(tmp_path):
    return list(tmp_path.rglob("*.tfrecord.gz"))


def test_missing_input_folder(tmp_path, capsys):
    status, _, stderr = run_main(["--source", str(tmp_path / "nowhere"), "--output", str(tmp_path / "out")], capsys)

    assert_one_error_line(status, stderr, "does not exist or is not a folder; pass a folder of images")
    assert not (tmp_path / "out").exists()


def test_empty_input_folder(tmp_path, capsys):
    (tmp_path / "photos").mkdir()

    status, _, stderr = run_main(["--source", str(tmp_path / "photos"), "--output", str(tmp_path / "out")], capsys)

    assert_one_error_line(status, stderr, "holds no files; point --source at a folder of images")
    assert not (tmp_path / "out").exists()


def test_output_that_cannot_be_a_folder(tmp_path, capsys):
    photos = write_color_photos(tmp_path / "photos")
    (tmp_path / "taken").write_text("a file, not a folder\n")

    status, _, stderr = run_main(["--source", str(photos), "--output", str(tmp_path / "taken" / "out")], capsys)

    assert_one_error_line(status, stderr, "choose a folder you can write to with --output")
    assert shard_files(tmp_path) == []


def test_unknown_tfds_dataset(tmp_path, capsys):
    argv = ["--source", "tfds:no_such_dataset", "--tfds-data-dir", str(tmp_path / "tfds"),
            "--output", str(tmp_path / "out")]

    status, _, stderr = run_main(argv, capsys)

    assert_one_error_line(status, stderr, "unknown TFDS dataset 'no_such_dataset'")
    assert not (tmp_path / "out").exists()


def test_cifar_archive_cut_short_by_a_failed_download(tmp_path, capsys):
    archive = write_cifar_binary_archive(tmp_path / "cifar" / "cifar-10-binary.tar.gz")
    archive.write_bytes(archive.read_bytes()[:200])

    status, _, stderr = run_main(["--source", f"cifar10:{archive}", "--output", str(tmp_path / "out")], capsys)

    assert_one_error_line(status, stderr, "cifar-10-binary.tar.gz is a damaged archive")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_cifar_archive_whose_contents_are_wrong(tmp_path, capsys):
    # The labels are only read by the pipeline's workers, so this error comes from inside Beam.
    archive = write_cifar_binary_archive(tmp_path / "cifar" / "cifar-10-binary.tar.gz", label_of_first_test_image=10)

    status, _, stderr = run_main(["--source", f"cifar10:{archive}", "--output", str(tmp_path / "out"),
                                  "--num-shards", "1"], capsys)

    assert status == 2
    progress, error = stderr.splitlines()  # the job had started, so it said what it was preparing
    assert progress.startswith("preparing ")
    assert error.startswith("error: ") and "test_batch.bin" in error and "has labels outside 0..9" in error
    assert shard_files(tmp_path) == []
    assert [path.name for path in (tmp_path / "out").iterdir()] == [outputs.JOB_FOLDER]  # no manifest
    assert not [name for name in os.listdir(tmp_path / "out" / outputs.JOB_FOLDER)
                if name.startswith(outputs.STAGING_PREFIX)]


@pytest.mark.slow
def test_a_folder_of_photos_is_prepared_and_summarized(tmp_path, capsys):
    photos = write_color_photos(tmp_path / "photos", count=3)

    status, stdout, _ = run_main(["--source", str(photos), "--output", str(tmp_path / "out"), "--size", "16",
                                  "--validation-fraction", "0", "--test-fraction", "0"], capsys)

    assert status == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["image_size"] == 16
    assert manifest["splits"]["train"]["examples"] == 3
    assert stdout.splitlines()[1].split()[:2] == ["train", "3"]
    assert "skipped nothing" in stdout


def test_the_flags_map_one_to_one_onto_the_config_and_share_its_defaults():
    args, pipeline_args = prepare_job.parse_args([
        "--source", "photos", "--output", "out", "--size", "64", "--policy", "random-crops", "--crops-per-image", "3",
        "--seed", "7", "--validation-fraction", "0.2", "--test-fraction", "0.05", "--max-pixels", "1000000",
        "--num-shards", "4", "--tfds-data-dir", "tfds", "--direct_num_workers=2"])

    assert common.config_from_flags(prepare.PrepareConfig, args) == prepare.PrepareConfig(
        source="photos", output="out", size=64, policy="random-crops", crops_per_image=3, seed=7,
        validation_fraction=0.2, test_fraction=0.05, max_pixels=1_000_000, num_shards=4, tfds_data_dir="tfds")
    assert pipeline_args == ["--direct_num_workers=2"]
    defaults, _ = prepare_job.parse_args(["--source", "photos", "--output", "out"])
    assert common.config_from_flags(prepare.PrepareConfig, defaults) == prepare.PrepareConfig(
        source="photos", output="out")


@pytest.mark.slow
def test_worker_processes_add_no_line_to_the_terminal(tmp_path):
    photos = write_color_photos(tmp_path / "photos", count=4)

    result = subprocess.run(
        [sys.executable, "-m", "jobs.prepare", "--source", str(photos), "--output", str(tmp_path / "out"), "--size", "16",
         "--validation-fraction", "0", "--test-fraction", "0",
         "--direct_running_mode=multi_processing", "--direct_num_workers=2"],
        check=False, capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stderr
    first, *others = result.stderr.splitlines()
    assert first.startswith("preparing 4 files")
    # Beam's workers printed "WARNING:root:apitools not found..." and "INFO:__main__:Logging handler created.".
    assert [line for line in others if "images read" not in line] == []  # progress lines come and go with timing


def test_help_shows_the_usage_and_an_example():
    result = subprocess.run([sys.executable, "-m", "jobs.prepare", "--help"], check=False, capture_output=True, text=True,
                            timeout=60)

    assert result.returncode == 0
    assert result.stdout.startswith("usage: colorize-prepare")
    assert "--source" in result.stdout and "colorize-prepare --source cifar10:" in result.stdout


def test_an_output_inside_the_source_folder_is_refused(tmp_path, capsys):
    import pytest
    from PIL import Image

    from jobs import prepare

    source = tmp_path / "photos"
    source.mkdir()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(source / "red.png")
    with pytest.raises(SystemExit) as exit_info:
        prepare.main(["--source", str(source), "--output", str(source / "shards")])
    assert exit_info.value.code == 2
    assert "inside the source" in capsys.readouterr().err
    assert not (source / "shards").exists()


@pytest.mark.slow
def test_zero_usable_images_is_an_error_before_training_would_fail(tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    for index in range(3):
        Image.fromarray(np.full((24, 30), 40 * index, dtype=np.uint8)).save(photos / f"gray{index}.png")

    status, _, stderr = run_main(["--source", str(photos), "--output", str(tmp_path / "out")], capsys)

    assert_one_error_line(status, stderr.splitlines()[-1] + "\n", "no usable image in")
    assert "(3 files skipped: 3 grayscale; each is listed in" in stderr
    assert shard_files(tmp_path) == [] and not (tmp_path / "out" / "manifest.json").exists()


def test_a_second_run_into_a_locked_output_exits_3(tmp_path, capsys):
    photos = write_color_photos(tmp_path / "photos")
    (tmp_path / "out").mkdir()

    with outputs.OutputLock(str(tmp_path / "out")):
        status, _, stderr = run_main(["--source", str(photos), "--output", str(tmp_path / "out")], capsys)

    assert status == 3
    assert stderr.startswith("error: another colorize-prepare run (pid ") and "is writing to" in stderr
