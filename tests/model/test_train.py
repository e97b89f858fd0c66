"""Tests for model/train.py: tiny runs on tiny shards that finish, resume after a kill and fine-tune."""

import csv
import dataclasses
import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest

from model import callbacks, inference, network, run_folder, train
from pipeline.train import job as training

OUTPUT_FILES = (run_folder.MODEL_NAME, inference.MODEL_CONFIG_NAME, run_folder.RUN_DESCRIPTION_NAME,
                run_folder.CONFIG_NAME, run_folder.HISTORY_NAME)
# The older network at its smallest, two steps of 4,096 pixels an epoch: seconds per run.
TINY_RUN = {"steps_per_epoch": 2, "validation_images": 8, "architecture": network.UNET_ARCHITECTURE, "base_filters": 4,
            "batch_pixels": 4096, "jit_compile": False}
# The default, pretrained architecture on a random-weight encoder. Its 14 training images make
# 7 batches: the first pass, which fills the cache, ends in the second epoch. The 32-pixel
# shards are enlarged to 128 pixels, whose colors the network predicts at 32.
PRETRAINED_RUN = {"steps_per_epoch": 4, "validation_images": 4, "batch_pixels": 32768, "jit_compile": False}


class SimulatedKill(Exception):
    """Raised from inside fit() to stop a run the way a kill would: mid-run, without export."""


def tiny_config(data, output, epochs, **fields):
    data = data if isinstance(data, tuple) else (data,)
    return train.TrainConfig(data=tuple(str(folder) for folder in data), output=str(output), epochs=epochs,
                             **{**TINY_RUN, **fields})


def read_history(output):
    return json.loads((output / run_folder.HISTORY_NAME).read_text())


@pytest.fixture(scope="module")
def finished_run(shard_folder, tmp_path_factory):
    """The output folder of a finished one-epoch run (named with brackets, which a glob would misread)."""
    output = tmp_path_factory.mktemp("finished-run") / "run [1]"
    training.run_training(tiny_config(shard_folder, output, epochs=1))
    return output


@pytest.mark.slow
def test_a_finished_run_writes_the_model_and_its_records(finished_run):
    for name in OUTPUT_FILES:
        assert (finished_run / name).exists(), f"{name} is missing"
    description = json.loads((finished_run / inference.MODEL_CONFIG_NAME).read_text())
    assert description["architecture"] == network.UNET_ARCHITECTURE
    assert description["architecture_version"] == network.geometry_of(network.UNET_ARCHITECTURE).architecture_version
    assert description["train_config"]["base_filters"] == 4
    assert json.loads((finished_run / run_folder.CONFIG_NAME).read_text())["epochs"] == 1
    history = read_history(finished_run)
    assert len(history["loss"]) == 1 and len(history["val_loss"]) == 1
    # The rate of the epoch's last step: the second of two, half way along the cosine.
    assert history["learning_rate"] == [pytest.approx(0.002 * (0.01 + 0.99 * 0.5))]


@pytest.mark.slow
def test_the_written_model_loads_for_colorizing(finished_run):
    colorizer = inference.load(str(finished_run / run_folder.MODEL_NAME))
    assert colorizer.temperature == inference.DEFAULT_TEMPERATURE


@pytest.mark.slow
def test_a_mixed_run_reports_validation_per_folder_and_over_all_images(prepare_shards, tmp_path):
    small, large = prepare_shards(16), prepare_shards(32)
    output = tmp_path / "mixed"
    # 4 validation images asked per folder: all 6 of the 16 px split fit its one batch of 16,
    # and the 32 px folder gives one batch of 4 (4,096 pixels per batch).
    training.run_training(tiny_config((small, large), output, epochs=1, validation_images=4))
    history = read_history(output)
    names = callbacks.folder_names([small, large])
    small_loss, large_loss = (history[f"val_{name}_loss"][0] for name in names)
    assert small_loss != large_loss
    assert history["val_loss"][0] == pytest.approx((6 * small_loss + 4 * large_loss) / 10, rel=1e-5)
    assert all(f"val_{name}_rgb_mse_t05" in history for name in names)


def kill_after_one_epoch(monkeypatch):
    """Make the next run stop with SimulatedKill once every callback has seen its first epoch."""
    original_epoch_end = callbacks.EpochFigures.on_epoch_end

    def epoch_end_then_kill(self, epoch, logs=None):
        original_epoch_end(self, epoch, logs)
        monkeypatch.undo()
        raise SimulatedKill()

    monkeypatch.setattr(callbacks.EpochFigures, "on_epoch_end", epoch_end_then_kill)


@pytest.fixture(scope="module")
def killed_run(shard_folder, finished_run, tmp_path_factory):
    """The finished one-epoch run, moved, given more epochs and killed after its second: the tests resume copies."""
    output = tmp_path_factory.mktemp("killed-run") / "moved-run"
    shutil.copytree(finished_run, output)
    with pytest.MonkeyPatch.context() as monkeypatch:
        kill_after_one_epoch(monkeypatch)
        with pytest.raises(SimulatedKill):
            training.run_training(tiny_config(shard_folder, output, epochs=3, resume=True))
    return output


@pytest.mark.slow
def test_resume_extends_a_finished_run_and_survives_a_kill(shard_folder, finished_run, killed_run, tmp_path):
    output = tmp_path / "moved-again"
    shutil.copytree(killed_run, output)

    # More epochs for the finished one-epoch run, killed after its second epoch (killed_run)...
    assert len(read_history(output)["epoch"]) == 1  # nothing exported yet
    with open(output / run_folder.HISTORY_CSV_NAME) as file:
        assert [row["epoch"] for row in csv.DictReader(file)] == ["0", "1"]

    # ...and resumed with the same config: it goes on from the third epoch, not from scratch.
    training.run_training(tiny_config(shard_folder, output, epochs=3, resume=True))
    for name in OUTPUT_FILES:
        assert (output / name).exists(), f"{name} is missing"
    history = read_history(output)
    assert history["epoch"] == [0.0, 1.0, 2.0]
    assert history["loss"][:1] == read_history(finished_run)["loss"]


@pytest.mark.slow
def test_a_run_killed_while_writing_its_backup_resumes_from_the_backup_before(shard_folder, finished_run, killed_run,
                                                                              tmp_path):
    output = tmp_path / "killed-while-saving"
    shutil.copytree(killed_run, output)
    # What an out-of-memory kill while the second epoch's backup was being written left (seen on a real run):
    latest = output / run_folder.BACKUP_DIR / run_folder.BACKUP_WEIGHTS_NAME
    latest.write_bytes(latest.read_bytes()[:96])

    training.run_training(tiny_config(shard_folder, output, epochs=3, resume=True))
    history = read_history(output)
    assert history["epoch"] == [0.0, 1.0, 2.0]  # the second epoch again, from the first one's backup
    assert history["loss"][:1] == read_history(finished_run)["loss"]


@pytest.mark.slow
def test_a_run_folder_from_before_run_json_resumes_from_its_old_description(shard_folder, finished_run, tmp_path):
    output = tmp_path / "old-run"
    shutil.copytree(finished_run, output)
    started = json.loads((output / run_folder.RUN_DESCRIPTION_NAME).read_text())
    (output / run_folder.RUN_DESCRIPTION_NAME).rename(output / run_folder.LEGACY_RUN_DESCRIPTION_NAME)

    training.run_training(tiny_config(shard_folder, output, epochs=2, resume=True))
    assert read_history(output)["epoch"] == [0.0, 1.0]
    model_description = json.loads((output / inference.MODEL_CONFIG_NAME).read_text())
    assert model_description["rebalancing_weights"] == started["rebalancing_weights"]
    assert sorted(path.name for path in output.glob("*.partial")) == []


@pytest.mark.slow
def test_a_run_folder_from_before_the_pretrained_network_resumes(shard_folder, finished_run, tmp_path):
    output = tmp_path / "older-run"
    shutil.copytree(finished_run, output)
    config = json.loads((output / run_folder.CONFIG_NAME).read_text())
    for key in ("architecture", "encoder", "encoder_weights"):
        del config[key]
    (output / run_folder.CONFIG_NAME).write_text(json.dumps(config))

    training.run_training(tiny_config(shard_folder, output, epochs=2, resume=True, architecture=None))
    assert read_history(output)["epoch"] == [0.0, 1.0]
    assert json.loads((output / inference.MODEL_CONFIG_NAME).read_text())["architecture"] == network.UNET_ARCHITECTURE


@pytest.mark.slow
def test_init_from_fine_tunes_a_written_model_in_a_fresh_history(shard_folder, finished_run, tmp_path, monkeypatch):
    # The output folder holds an earlier run: a new run (without resume) starts afresh.
    output = tmp_path / "fine-tuned"
    shutil.copytree(finished_run, output)
    source = tmp_path / "source.keras"
    shutil.copy(finished_run / run_folder.MODEL_NAME, source)
    loads = []
    monkeypatch.setattr(train, "load_colorizer", lambda path: loads.append(path) or inference.load_colorizer(path))
    training.run_training(tiny_config(shard_folder, output, epochs=1, init_from=str(source)))
    assert loads == [str(source)]  # loaded once, though its architecture chooses the datasets too
    assert (output / run_folder.MODEL_NAME).stat().st_mtime > (finished_run / run_folder.MODEL_NAME).stat().st_mtime
    assert read_history(output)["epoch"] == [0.0]
    assert json.loads((output / run_folder.CONFIG_NAME).read_text())["init_from"] == str(source)

    # A fine-tune goes on with resume, without init_from, and its record keeps where it started.
    training.run_training(tiny_config(shard_folder, output, epochs=2, resume=True))
    assert read_history(output)["epoch"] == [0.0, 1.0]
    assert json.loads((output / run_folder.CONFIG_NAME).read_text())["init_from"] == str(source)
    assert json.loads((output / inference.MODEL_CONFIG_NAME).read_text())["train_config"]["init_from"] == str(source)


@pytest.mark.slow
def test_a_fine_tune_keeps_its_parents_decoding_defaults_through_a_resume(shard_folder, finished_run, tmp_path):
    parent = tmp_path / "parent"
    parent.mkdir()
    shutil.copy(finished_run / run_folder.MODEL_NAME, parent / run_folder.MODEL_NAME)
    description = json.loads((finished_run / inference.MODEL_CONFIG_NAME).read_text())
    description.update(default_temperature=0.4, prior_correction=0.3, saturation=1.2)
    (parent / inference.MODEL_CONFIG_NAME).write_text(json.dumps(description))
    output = tmp_path / "child"
    training.run_training(tiny_config(shard_folder, output, epochs=1, init_from=str(parent / run_folder.MODEL_NAME)))
    training.run_training(tiny_config(shard_folder, output, epochs=2, resume=True))

    child = json.loads((output / inference.MODEL_CONFIG_NAME).read_text())
    assert (child["default_temperature"], child["prior_correction"], child["saturation"]) == (0.4, 0.3, 1.2)
    assert "working_size" not in child
    colorizer = inference.load(str(output / run_folder.MODEL_NAME))
    assert (colorizer.temperature, colorizer.saturation) == (0.4, 1.2)
    # The correction applies to the child's own rebalancing weights, recomputed on its data.
    expected = -0.3 * np.log(np.asarray(child["rebalancing_weights"], dtype=np.float32))
    np.testing.assert_allclose(colorizer.logit_shift, expected, rtol=1e-6)


def test_resume_may_change_only_the_limits(tmp_path):
    config = train.TrainConfig(data=("shards",), output=str(tmp_path), epochs=3)
    (tmp_path / run_folder.CONFIG_NAME).write_text(config.to_json())
    longer = train.TrainConfig(data=("shards",), output=str(tmp_path), epochs=10, time_budget=5.0, resume=True)
    train.check_resumable(longer, str(tmp_path))
    wider = train.TrainConfig(data=("shards",), output=str(tmp_path), epochs=3, base_filters=32, resume=True)
    with pytest.raises(ValueError, match="base_filters: 16 -> 32"):
        train.check_resumable(wider, str(tmp_path))


def test_a_damaged_backup_without_an_earlier_one_is_refused_before_reading_any_data(tmp_path):
    config = train.TrainConfig(data=("shards",), output=str(tmp_path), resume=True)
    (tmp_path / run_folder.CONFIG_NAME).write_text(dataclasses.replace(config, resume=False).to_json())
    backup = tmp_path / run_folder.BACKUP_DIR
    backup.mkdir()
    train.check_resumable(config, str(tmp_path))  # killed before its first backup: it starts over
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.save_weights(backup / run_folder.BACKUP_WEIGHTS_NAME)
    train.check_resumable(config, str(tmp_path))
    (backup / run_folder.BACKUP_WEIGHTS_NAME).write_bytes((backup / run_folder.BACKUP_WEIGHTS_NAME).read_bytes()[:96])
    with pytest.raises(ValueError, match="latest.weights.h5\\) is damaged: the run was killed while writing it"):
        training.run_training(config)  # the folder "shards" does not exist: it would be the first error
    model.save_weights(tmp_path / "before.weights.h5")
    shutil.copy(tmp_path / "before.weights.h5", backup / (run_folder.BACKUP_WEIGHTS_NAME + ".bkp"))  # Keras restores it
    train.check_resumable(config, str(tmp_path))


def test_a_run_that_cannot_resume_says_so_before_reading_any_data(tmp_path):
    (tmp_path / run_folder.CONFIG_NAME).write_text(train.TrainConfig(data=("shards",), output=str(tmp_path)).to_json())
    changed = train.TrainConfig(data=("shards",), output=str(tmp_path), learning_rate=0.01, resume=True)
    with pytest.raises(ValueError, match="learning_rate: 0.002 -> 0.01"):
        training.run_training(changed)  # the folder "shards" does not exist: it would be the first error


def test_the_encoder_weights_are_found_wherever_the_job_starts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = train.encoder_weights_path(train.TrainConfig(data=("shards",), output="out", encoder="lite1"))
    repository = os.path.dirname(os.path.dirname(os.path.abspath(train.__file__)))
    assert path == os.path.join(repository, "data", "downloads", "efficientnet-lite1.weights.npz")


def test_missing_encoder_weights_say_how_to_fetch_them(tmp_path, monkeypatch):
    monkeypatch.setattr(train, "ENCODER_WEIGHTS_FOLDER", str(tmp_path / "downloads"))
    config = train.TrainConfig(data=("shards",), output=str(tmp_path / "out"))
    with pytest.raises(ValueError, match="fetch_efficientnet.py --variant lite0") as raised:
        train.build_network(config, network.PRETRAINED_ARCHITECTURE, 10)
    assert str(tmp_path / "downloads" / "efficientnet-lite0.weights.npz") in str(raised.value)


@pytest.mark.slow
def test_a_pretrained_run_trains_the_decoder_on_cached_features_and_ships_the_whole_network(
        prepare_shards, encoder_weights, tmp_path):
    shard_folder = prepare_shards(32)
    output = tmp_path / "pretrained"
    config = {**PRETRAINED_RUN, "encoder_weights": encoder_weights}
    training.run_training(train.TrainConfig(data=(str(shard_folder),), output=str(output), epochs=2, **config))
    description = json.loads((output / inference.MODEL_CONFIG_NAME).read_text())
    assert description["architecture"] == network.PRETRAINED_ARCHITECTURE
    assert (description["downsampling"], description["output_stride"], description["smallest_side"]) == (32, 4, 128)
    assert len(read_history(output)["loss"]) == 2
    # Their features were cached in one complete pass.
    cached = sorted(path.name for path in (output / run_folder.FEATURE_CACHE_DIR).iterdir())
    assert any(name.endswith(".index") for name in cached) and not any(name.endswith(".lockfile") for name in cached)
    colorizer = inference.load(str(output / run_folder.MODEL_NAME))
    assert colorizer.model.name == network.PRETRAINED_ARCHITECTURE
    # The encoder stayed frozen: the shipped network carries the given weights unchanged.
    with np.load(encoder_weights) as archive:
        given = {name: archive[name] for name in archive.files}
    shipped = {f"{layer.name}/{weight.name}": np.asarray(weight)
               for layer in colorizer.model.get_layer("features").get_layer(index=2).layers for weight in layer.weights}
    assert shipped.keys() == given.keys()
    for name, value in given.items():
        np.testing.assert_array_equal(shipped[name], value)
    assert inference.colorize_image(colorizer, np.zeros((20, 30, 3), dtype=np.uint8)).shape == (20, 30, 3)
    # The colorize job loads it without the training module: in a fresh interpreter, while the resume
    # below runs (seconds of TensorFlow's import), from a copy, since the resume writes the model again.
    copied = tmp_path / "copied"
    copied.mkdir()
    for name in (run_folder.MODEL_NAME, inference.MODEL_CONFIG_NAME):
        shutil.copy(output / name, copied / name)
    script = "import sys; from model import inference; print(inference.load(sys.argv[1]).model.name)"
    with subprocess.Popen([sys.executable, "-c", script, str(copied / run_folder.MODEL_NAME)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as loading:
        # Resumed for a third epoch: it keeps its architecture without being told, and its completed cache.
        training.run_training(train.TrainConfig(data=(str(shard_folder),), output=str(output), epochs=3,
                                                resume=True, **config))
        assert read_history(output)["epoch"] == [0.0, 1.0, 2.0]
        assert sorted(path.name for path in (output / run_folder.FEATURE_CACHE_DIR).iterdir()) == cached
        loaded, errors = loading.communicate(timeout=300)
    assert loaded.strip() == network.PRETRAINED_ARCHITECTURE, errors[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("from_stride, learning", [(16, ("block6", "block7")),
                                                   (8, ("block4", "block5", "block6", "block7"))])
def test_a_run_can_fine_tune_the_encoder_top_and_ships_it_in_the_whole_network(prepare_shards, encoder_weights,
                                                                                tmp_path, from_stride, learning):
    shard_folder = prepare_shards(32)
    output = tmp_path / "fine-tuned-top"
    config = {**PRETRAINED_RUN, "encoder_weights": encoder_weights, "fine_tune_encoder": True,
              "fine_tune_from_stride": from_stride, "feature_dropout": 0.2, "learning_rate": 0.01}
    # One epoch: its four steps change the learning stages' weights; a second added 2 s of CPU and nothing to check.
    training.run_training(train.TrainConfig(data=(str(shard_folder),), output=str(output), epochs=1, **config))
    colorizer = inference.load(str(output / run_folder.MODEL_NAME))
    encoder = network.encoder_of(colorizer.model)
    with np.load(encoder_weights) as archive:
        given = {name: archive[name] for name in archive.files}
    changed = {f"{layer.name}/{weight.name}" for layer in encoder.layers for weight in layer.weights
               if not np.array_equal(np.asarray(weight), given[f"{layer.name}/{weight.name}"])}
    # The convolutions of the stages above from_stride learned; the stages below and every BatchNorm did not.
    assert changed and all(name.startswith(learning) and "_conv/" in name for name in changed)
    assert {f"{learning[0]}a_project_conv/kernel", "block7a_project_conv/kernel"} <= changed
    assert inference.colorize_image(colorizer, np.zeros((20, 30, 3), dtype=np.uint8)).shape == (20, 30, 3)


def test_the_older_network_has_no_encoder_to_fine_tune(tmp_path):
    with pytest.raises(ValueError, match="options of the pretrained network"):
        train.architecture_for(train.TrainConfig(data=("shards",), output=str(tmp_path),
                                                 architecture=network.UNET_ARCHITECTURE, fine_tune_encoder=True))
    with pytest.raises(ValueError, match="from 0 up to 1"):
        train.TrainConfig(data=("shards",), output=str(tmp_path), feature_dropout=1.0)
