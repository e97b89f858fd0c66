"""Tests for jobs/train.py (colorize-train): its flags, and the one-line errors a user sees.

The training itself (model/train.py) is tested in tests/model/test_train.py.
"""

import json
import logging
import shutil

import keras
import pytest

from jobs import train as train_job
from model import run_folder, train
from pipeline.prepare import schema
from pipeline.train import job as training

NOT_A_MULTIPLE_OF_8 = 20  # pixels; the network needs sides that are multiples of 8


def tiny_run_flags(data, output, epochs):
    return ["--data", str(data), "--output", str(output), "--epochs", str(epochs), "--steps-per-epoch", "2",
            "--validation-images", "8", "--architecture", "lab-unet-classifier", "--base-filters", "4",
            "--batch-pixels", "4096", "--no-jit"]


def pretrained_run_flags(data, output, encoder_weights):
    return ["--data", str(data), "--output", str(output), "--epochs", "1", "--steps-per-epoch", "4",
            "--validation-images", "4", "--encoder-weights", encoder_weights, "--batch-pixels", "32768", "--no-jit"]


def run_expecting_user_error(argv, capsys):
    """Run the CLI, expect exit status 2, and return its one-line message."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as raised:
        train_job.main(argv)
    assert raised.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


@pytest.fixture(autouse=True)
def restore_logging():
    """The CLI points the root logger at this test's stderr, which closes when the test ends."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def started_config(monkeypatch):
    """The TrainConfig that the CLI hands to the training, caught instead of trained."""
    caught = []
    monkeypatch.setattr(training, "run_training", caught.append)
    return caught


def test_the_flags_map_onto_the_config(started_config, tmp_path):
    train_job.main(["--data", "a", "--data", "b", "--data-weights", "0.25,0.75", "--output", str(tmp_path),
                    "--time-budget", "30", "--epochs", "7", "--steps-per-epoch", "11", "--batch-pixels", "8192",
                    "--validation-images", "64", "--learning-rate", "0.001", "--schedule", "plateau",
                    "--architecture", "lab-unet-classifier", "--encoder", "lite1", "--encoder-weights", "w.npz",
                    "--base-filters", "8", "--rebalance-power", "0.3", "--init-from", "parent.keras", "--seed", "5",
                    "--no-jit"])
    assert started_config == [train.TrainConfig(
        data=("a", "b"), data_weights=(0.25, 0.75), output=str(tmp_path), time_budget=30.0, epochs=7,
        steps_per_epoch=11, batch_pixels=8192, validation_images=64, learning_rate=0.001, schedule="plateau",
        architecture="lab-unet-classifier", encoder="lite1", encoder_weights="w.npz", base_filters=8,
        rebalance_power=0.3, init_from="parent.keras", seed=5, jit_compile=False)]


def test_the_encoder_fine_tune_flags_map_onto_the_config(started_config, tmp_path):
    train_job.main(["--data", "a", "--output", str(tmp_path), "--fine-tune-encoder", "--fine-tune-from-stride", "8",
                    "--feature-dropout", "0.1"])
    assert started_config == [train.TrainConfig(data=("a",), output=str(tmp_path), fine_tune_encoder=True,
                                                fine_tune_from_stride=8, feature_dropout=0.1)]


def test_a_fine_tune_stride_without_the_fine_tune_is_a_user_error(started_config, tmp_path, capsys):
    message = run_expecting_user_error(["--data", "a", "--output", str(tmp_path), "--fine-tune-from-stride", "8"],
                                       capsys)
    assert "add --fine-tune-encoder" in message and not started_config


def test_the_defaults_are_the_configs(started_config, tmp_path):
    train_job.main(["--data", "a", "--output", str(tmp_path)])
    assert started_config == [train.TrainConfig(data=("a",), output=str(tmp_path))]


def test_missing_shards_are_a_user_error(tmp_path, capsys):
    message = run_expecting_user_error(tiny_run_flags(tmp_path / "no-shards", tmp_path / "out", 1), capsys)
    assert "no-shards" in message and "colorize-prepare" in message


@pytest.mark.slow
def test_shards_of_another_schema_version_are_a_user_error(shard_folder, tmp_path, capsys):
    data = tmp_path / "old-shards"
    shutil.copytree(shard_folder, data)
    manifest = json.loads((data / schema.MANIFEST_NAME).read_text())
    manifest["schema_version"] = schema.SCHEMA_VERSION + 1
    (data / schema.MANIFEST_NAME).write_text(json.dumps(manifest))
    message = run_expecting_user_error(tiny_run_flags(data, tmp_path / "out", 1), capsys)
    assert "schema version" in message and "re-run colorize-prepare" in message


@pytest.mark.slow
def test_image_size_not_a_multiple_of_8_is_a_user_error(prepare_shards, tmp_path, capsys):
    data = prepare_shards(NOT_A_MULTIPLE_OF_8)
    message = run_expecting_user_error(tiny_run_flags(data, tmp_path / "out", 1), capsys)
    assert "20x20" in message and "multiples of 8" in message


def test_init_from_a_model_of_another_architecture_is_a_user_error(shard_folder, tmp_path, capsys):
    other = tmp_path / "other.keras"
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(other)
    message = run_expecting_user_error(
        tiny_run_flags(shard_folder, tmp_path / "out", 1) + ["--init-from", str(other)], capsys)
    assert str(other) in message and "lab-unet-classifier" in message


def test_init_from_a_missing_file_is_a_user_error(shard_folder, tmp_path, capsys):
    message = run_expecting_user_error(
        tiny_run_flags(shard_folder, tmp_path / "out", 1) + ["--init-from", str(tmp_path / "none.keras")], capsys)
    assert "does not exist" in message


def test_resume_with_a_changed_config_is_a_user_error(shard_folder, tmp_path, capsys):
    output = tmp_path / "changed"
    output.mkdir()
    flags = tiny_run_flags(shard_folder, output, 1)
    config = train.TrainConfig(data=(str(shard_folder),), output=str(output), epochs=1, steps_per_epoch=2,
                               validation_images=8, architecture="lab-unet-classifier", base_filters=4,
                               batch_pixels=4096, jit_compile=False)
    (output / run_folder.CONFIG_NAME).write_text(config.to_json())
    message = run_expecting_user_error(flags + ["--resume", "--learning-rate", "0.01"], capsys)
    assert "learning_rate: 0.002 -> 0.01" in message and "--resume" in message


def test_resume_without_a_previous_run_is_a_user_error(shard_folder, tmp_path, capsys):
    message = run_expecting_user_error(tiny_run_flags(shard_folder, tmp_path / "empty", 1) + ["--resume"], capsys)
    assert "holds no config.json" in message


def test_resume_and_init_from_together_are_a_user_error(shard_folder, tmp_path, capsys):
    message = run_expecting_user_error(
        tiny_run_flags(shard_folder, tmp_path / "out", 1) + ["--resume", "--init-from", "parent.keras"], capsys)
    assert "choose one" in message


@pytest.mark.slow
def test_a_pretrained_run_without_the_encoder_weights_says_how_to_fetch_them(prepare_shards, tmp_path, capsys):
    flags = pretrained_run_flags(prepare_shards(32), tmp_path / "run", str(tmp_path / "missing.weights.npz"))
    message = run_expecting_user_error(flags, capsys)
    assert "missing.weights.npz" in message and "data/fetch_efficientnet.py --variant lite0" in message


@pytest.mark.slow
def test_shards_too_small_for_the_pretrained_network_are_a_user_error(shard_folder, encoder_weights, tmp_path,
                                                                      capsys):
    message = run_expecting_user_error(pretrained_run_flags(shard_folder, tmp_path / "run", encoder_weights), capsys)
    assert "16x16" in message and "--size 32" in message
