"""Tests for jobs/train.py (colorize-train) and the training loop in model/train.py, on tiny shards."""

import csv
import itertools
import json
import logging
import shutil
import subprocess
import sys
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

from jobs import train as train_job
from model import durations, inference, train
from pipeline import schema

OUTPUT_FILES = (train.MODEL_NAME, "model.json", train.RUN_DESCRIPTION_NAME, train.CONFIG_NAME, train.HISTORY_NAME)
NOT_A_MULTIPLE_OF_8 = 20  # pixels; the network needs sides that are multiples of 8


class SimulatedKill(Exception):
    """Raised from inside fit() to stop a run the way a kill would: mid-run, without export."""


def tiny_run_flags(data, output, epochs):
    return ["--data", str(data), "--output", str(output), "--epochs", str(epochs), "--steps-per-epoch", "2",
            "--validation-images", "8", "--architecture", "lab-unet-classifier", "--base-filters", "4",
            "--batch-pixels", "4096", "--no-jit"]


def read_history(output):
    return json.loads((output / train.HISTORY_NAME).read_text())


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


@pytest.fixture(scope="module")
def finished_run(shard_folder, tmp_path_factory):
    """The output folder of a finished one-epoch run (named with brackets, which a glob would misread)."""
    output = tmp_path_factory.mktemp("finished-run") / "run [1]"
    train_job.main(tiny_run_flags(shard_folder, output, epochs=1))
    return output


def test_a_finished_run_writes_the_model_and_its_records(finished_run):
    for name in OUTPUT_FILES:
        assert (finished_run / name).exists(), f"{name} is missing"
    description = json.loads((finished_run / "model.json").read_text())
    assert description["architecture"] == "lab-unet-classifier"
    assert description["train_config"]["base_filters"] == 4
    assert json.loads((finished_run / train.CONFIG_NAME).read_text())["epochs"] == 1
    history = read_history(finished_run)
    assert len(history["loss"]) == 1 and len(history["val_loss"]) == 1
    # The rate of the epoch's last step: the second of two, half way along the cosine.
    assert history["learning_rate"] == [pytest.approx(0.002 * (0.01 + 0.99 * 0.5))]


def test_a_mixed_run_reports_validation_per_folder_and_over_all_images(prepare_shards, tmp_path):
    small, large = prepare_shards(16), prepare_shards(32)
    output = tmp_path / "mixed"
    # 4 validation images asked per folder: all 6 of the 16 px split fit its one batch of 16,
    # and the 32 px folder gives one batch of 4 (4,096 pixels per batch).
    train_job.main(tiny_run_flags(small, output, epochs=1) + ["--data", str(large), "--validation-images", "4"])
    history = read_history(output)
    names = train.folder_names([small, large])
    assert len(set(names)) == 2
    small_loss, large_loss = (history[f"val_{name}_loss"][0] for name in names)
    assert small_loss != large_loss
    assert history["val_loss"][0] == pytest.approx((6 * small_loss + 4 * large_loss) / 10, rel=1e-5)
    assert all(f"val_{name}_rgb_mse_t05" in history for name in names)


def test_history_csv_keeps_its_columns_when_a_resumed_run_logs_new_figures(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss,val_loss\n0,4.5,4.4\n")
    callback = train.HistoryCSV(str(path))
    callback.on_epoch_end(1, {"loss": 4.3, "val_loss": 4.2, "val_cifar_loss": 4.1})
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["val_loss"] for row in rows] == ["4.4", "4.2"]
    assert [row["val_cifar_loss"] for row in rows] == ["", "4.1"]
    assert [row["epoch"] for row in rows] == ["0", "1"]


def test_folder_names_are_short_and_distinct():
    assert train.folder_names(["runs/cifar10-shards/", "gs://b/photos [v2]", "x/photos_v2"]) == [
        "cifar10_shards", "photos_v2", "photos_v2_3"]


def test_the_written_model_loads_for_colorizing(finished_run):
    from model import inference

    colorizer = inference.load(str(finished_run / train.MODEL_NAME))
    assert colorizer.temperature == inference.DEFAULT_TEMPERATURE


def killed_after_one_epoch(monkeypatch):
    """Make the next run stop with SimulatedKill after its first epoch's checkpoints are written."""
    original_epoch_end = train.EpochLog.on_epoch_end

    def epoch_end_then_kill(self, epoch, logs=None):
        original_epoch_end(self, epoch, logs)
        monkeypatch.undo()
        raise SimulatedKill()

    # EpochLog comes after the backup, checkpoint and history callbacks, as a kill between epochs would.
    monkeypatch.setattr(train.EpochLog, "on_epoch_end", epoch_end_then_kill)


def test_resume_extends_a_finished_run_and_survives_a_kill(shard_folder, finished_run, tmp_path, monkeypatch):
    output = tmp_path / "moved-run"
    shutil.copytree(finished_run, output)

    # More epochs for the finished one-epoch run, killed after its second epoch...
    killed_after_one_epoch(monkeypatch)
    with pytest.raises(SimulatedKill):
        train_job.main(tiny_run_flags(shard_folder, output, epochs=3) + ["--resume"])
    assert len(read_history(output)["epoch"]) == 1  # nothing exported yet
    with open(output / "history.csv") as file:
        assert [row["epoch"] for row in csv.DictReader(file)] == ["0", "1"]

    # ...and resumed with the same command: it goes on from the third epoch, not from scratch.
    train_job.main(tiny_run_flags(shard_folder, output, epochs=3) + ["--resume"])
    for name in OUTPUT_FILES:
        assert (output / name).exists(), f"{name} is missing"
    history = read_history(output)
    assert history["epoch"] == [0.0, 1.0, 2.0]
    assert history["loss"][:1] == read_history(finished_run)["loss"]


def test_a_run_folder_from_before_run_json_resumes_from_its_old_description(shard_folder, finished_run, tmp_path):
    output = tmp_path / "old-run"
    shutil.copytree(finished_run, output)
    started = json.loads((output / train.RUN_DESCRIPTION_NAME).read_text())
    (output / train.RUN_DESCRIPTION_NAME).rename(output / train.LEGACY_RUN_DESCRIPTION_NAME)

    train_job.main(tiny_run_flags(shard_folder, output, epochs=2) + ["--resume"])
    assert read_history(output)["epoch"] == [0.0, 1.0]
    assert json.loads((output / "model.json").read_text())["rebalancing_weights"] == started["rebalancing_weights"]
    assert sorted(path.name for path in output.glob("*.partial")) == []


def test_init_from_fine_tunes_a_written_model_in_a_fresh_history(shard_folder, finished_run, tmp_path):
    # The output folder holds an earlier run: a new run (without --resume) starts afresh.
    output = tmp_path / "fine-tuned"
    shutil.copytree(finished_run, output)
    source = tmp_path / "source.keras"
    shutil.copy(finished_run / train.MODEL_NAME, source)
    train_job.main(tiny_run_flags(shard_folder, output, epochs=1) + ["--init-from", str(source)])
    assert (output / train.MODEL_NAME).stat().st_mtime > (finished_run / train.MODEL_NAME).stat().st_mtime
    assert read_history(output)["epoch"] == [0.0]
    assert json.loads((output / train.CONFIG_NAME).read_text())["init_from"] == str(source)

    # A fine-tune goes on with --resume, without --init-from, and its record keeps where it started.
    train_job.main(tiny_run_flags(shard_folder, output, epochs=2) + ["--resume"])
    assert read_history(output)["epoch"] == [0.0, 1.0]
    assert json.loads((output / train.CONFIG_NAME).read_text())["init_from"] == str(source)
    assert json.loads((output / "model.json").read_text())["train_config"]["init_from"] == str(source)


def test_missing_shards_are_a_user_error(tmp_path, capsys):
    message = run_expecting_user_error(tiny_run_flags(tmp_path / "no-shards", tmp_path / "out", 1), capsys)
    assert "no-shards" in message and "colorize-prepare" in message


def test_shards_of_another_schema_version_are_a_user_error(shard_folder, tmp_path, capsys):
    data = tmp_path / "old-shards"
    shutil.copytree(shard_folder, data)
    manifest = json.loads((data / schema.MANIFEST_NAME).read_text())
    manifest["schema_version"] = schema.SCHEMA_VERSION + 1
    (data / schema.MANIFEST_NAME).write_text(json.dumps(manifest))
    message = run_expecting_user_error(tiny_run_flags(data, tmp_path / "out", 1), capsys)
    assert "schema version" in message and "re-run colorize-prepare" in message


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


def test_resume_with_a_changed_config_is_a_user_error(shard_folder, finished_run, tmp_path, capsys):
    output = tmp_path / "changed"
    shutil.copytree(finished_run, output)
    message = run_expecting_user_error(
        tiny_run_flags(shard_folder, output, 1) + ["--resume", "--learning-rate", "0.01"], capsys)
    assert "learning_rate: 0.002 -> 0.01" in message and "--resume" in message


def test_resume_without_a_previous_run_is_a_user_error(shard_folder, tmp_path, capsys):
    message = run_expecting_user_error(tiny_run_flags(shard_folder, tmp_path / "empty", 1) + ["--resume"], capsys)
    assert "holds no config.json" in message


def test_resume_and_init_from_together_are_a_user_error(shard_folder, finished_run, tmp_path, capsys):
    message = run_expecting_user_error(
        tiny_run_flags(shard_folder, tmp_path / "out", 1)
        + ["--resume", "--init-from", str(finished_run / train.MODEL_NAME)], capsys)
    assert "choose one" in message


def test_resume_may_change_only_the_limits(tmp_path):
    config = train.TrainConfig(data=("shards",), output=str(tmp_path), epochs=3)
    (tmp_path / train.CONFIG_NAME).write_text(config.to_json())
    longer = train.TrainConfig(data=("shards",), output=str(tmp_path), epochs=10, time_budget=5.0, resume=True)
    train._check_resumable(longer, str(tmp_path))
    wider = train.TrainConfig(data=("shards",), output=str(tmp_path), epochs=3, base_filters=32, resume=True)
    with pytest.raises(ValueError, match="base_filters: 16 -> 32"):
        train._check_resumable(wider, str(tmp_path))


class FakeClock:
    """A clock that the test moves by hand."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def run_epochs(callbacks, clock, epoch_seconds, steps=1):
    """Drive callbacks through epochs of the given lengths; returns how many ran before one stopped."""
    model = types.SimpleNamespace(stop_training=False, optimizer=types.SimpleNamespace(learning_rate=tf.Variable(1.0)))
    for callback in callbacks:
        callback.set_model(model)
        callback.on_train_begin()
    for epoch, seconds in enumerate(epoch_seconds):
        for callback in callbacks:
            callback.on_epoch_begin(epoch)
        for step in range(steps):
            for callback in callbacks:
                callback.on_train_batch_begin(step)
            clock.now += seconds / steps
        for callback in callbacks:
            callback.on_epoch_end(epoch, {})
        if model.stop_training:
            return epoch + 1
    return len(epoch_seconds)


def budget_callbacks(minutes, clock, tmp_path):
    run_clock = train.RunClock(str(tmp_path / train.CLOCK_NAME), resume=False, clock=clock)
    return [run_clock, train.TimeBudget(minutes, run_clock)]


def test_time_budget_stops_before_an_epoch_would_end_past_it(tmp_path):
    clock = FakeClock()
    # One minute; after 20 s and 45 s, another 25-second epoch would end at 70 s.
    assert run_epochs(budget_callbacks(1.0, clock, tmp_path), clock, [20.0, 25.0, 10.0, 10.0]) == 2


def test_time_budget_lets_training_run_when_there_is_time(tmp_path):
    clock = FakeClock()
    assert run_epochs(budget_callbacks(10.0, clock, tmp_path), clock, [30.0] * 5) == 5


def test_time_budget_counts_the_slowest_epoch(tmp_path):
    clock = FakeClock()
    # After a 30-second epoch, later 5-second ones still reserve 30 s: stop at 35 s of 60.
    assert run_epochs(budget_callbacks(1.0, clock, tmp_path), clock, [30.0, 5.0, 5.0, 5.0]) == 2


def test_time_budget_counts_the_time_before_a_kill(tmp_path):
    clock = FakeClock()
    run_epochs(budget_callbacks(10.0, clock, tmp_path), clock, [30.0] * 4)
    # Resumed after 120 s of a 150-second budget: one more 30-second epoch fits, a second would not.
    resumed_clock = FakeClock()
    run_clock = train.RunClock(str(tmp_path / train.CLOCK_NAME), resume=True, clock=resumed_clock)
    assert run_epochs([run_clock, train.TimeBudget(2.5, run_clock)], resumed_clock, [30.0] * 5) == 1


def test_cosine_schedule_decays_to_its_floor_by_the_end_of_the_budget(tmp_path):
    clock = FakeClock()
    run_clock = train.RunClock(str(tmp_path / train.CLOCK_NAME), resume=False, clock=clock)
    schedule = train.CosineToBudget(0.002, epochs=1000, steps_per_epoch=10, run_clock=run_clock, minutes=1.0)
    rates = []
    recorder = types.SimpleNamespace(
        set_model=lambda model: None, on_train_begin=lambda: None, on_epoch_begin=lambda epoch: None,
        on_epoch_end=lambda epoch, logs: None,
        on_train_batch_begin=lambda step: rates.append(float(schedule.model.optimizer.learning_rate.numpy())))
    run_epochs([run_clock, schedule, recorder], clock, [15.0] * 4, steps=10)
    assert rates[0] == pytest.approx(0.002)
    assert rates[20] == pytest.approx(0.002 * (0.01 + 0.99 * 0.5))  # half the budget gone: about half the rate
    assert all(later <= earlier for earlier, later in itertools.pairwise(rates))
    assert rates[-1] == pytest.approx(0.002 * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * 58.5 / 60))))


@pytest.mark.parametrize("schedule, stops_early", [("cosine", False), ("plateau", True)])
def test_early_stopping_comes_only_with_the_plateau_schedule(tmp_path, schedule, stops_early):
    config = train.TrainConfig(data=("shards",), output=str(tmp_path), schedule=schedule, time_budget=10.0)
    callbacks = train.callbacks_for(config)
    assert any(isinstance(callback, keras.callbacks.EarlyStopping) for callback in callbacks) == stops_early
    assert any(isinstance(callback, train.TimeBudget) for callback in callbacks)


def test_cosine_schedule_follows_the_epochs_without_a_budget(tmp_path):
    clock = FakeClock()
    run_clock = train.RunClock(str(tmp_path / train.CLOCK_NAME), resume=False, clock=clock)
    schedule = train.CosineToBudget(1.0, epochs=4, steps_per_epoch=2, run_clock=run_clock)
    schedule.set_model(types.SimpleNamespace(optimizer=None))
    schedule.on_epoch_begin(2)
    assert schedule.rate(0) == pytest.approx(0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * 0.5)))


def test_format_duration():
    assert durations.format_duration(3725.4) == "1:02:05"
    assert durations.format_duration(-3) == "0:00:00"


def test_a_fine_tune_keeps_its_parents_decoding_defaults_through_a_resume(shard_folder, finished_run, tmp_path):
    parent = tmp_path / "parent"
    parent.mkdir()
    shutil.copy(finished_run / train.MODEL_NAME, parent / train.MODEL_NAME)
    description = json.loads((finished_run / "model.json").read_text())
    description.update(default_temperature=0.4, prior_correction=0.3, saturation=1.2)
    (parent / "model.json").write_text(json.dumps(description))
    output = tmp_path / "child"
    train_job.main(tiny_run_flags(shard_folder, output, epochs=1) + ["--init-from", str(parent / train.MODEL_NAME)])
    train_job.main(tiny_run_flags(shard_folder, output, epochs=2) + ["--resume"])

    child = json.loads((output / "model.json").read_text())
    assert (child["default_temperature"], child["prior_correction"], child["saturation"]) == (0.4, 0.3, 1.2)
    assert "working_size" not in child
    colorizer = inference.load(str(output / train.MODEL_NAME))
    assert (colorizer.temperature, colorizer.saturation) == (0.4, 1.2)
    # The correction applies to the child's own rebalancing weights, recomputed on its data.
    expected = -0.3 * np.log(np.asarray(child["rebalancing_weights"], dtype=np.float32))
    np.testing.assert_allclose(colorizer.logit_shift, expected, rtol=1e-6)


def test_a_resumed_plateau_run_keeps_its_best_loss_and_patience(tmp_path):
    # Epoch 1 was the best and epochs 2-4 did not improve, so with patience 2 the rate was cut after epoch 3.
    (tmp_path / train.HISTORY_CSV_NAME).write_text(
        "epoch,learning_rate,val_loss\n0,0.002,4.1\n1,0.002,3.9\n2,0.002,4.0\n3,0.002,3.95\n4,0.001,3.97\n")
    config = train.TrainConfig(data=("shards",), output=str(tmp_path), schedule="plateau", resume=True,
                               early_stopping_patience=5)
    callbacks = train.callbacks_for(config)
    for callback in callbacks:
        if isinstance(callback, (keras.callbacks.ReduceLROnPlateau, keras.callbacks.EarlyStopping,
                                 train.ResumedPatience)):
            callback.on_train_begin()
    plateau = next(callback for callback in callbacks if isinstance(callback, keras.callbacks.ReduceLROnPlateau))
    stopping = next(callback for callback in callbacks if isinstance(callback, keras.callbacks.EarlyStopping))
    assert plateau.best == stopping.best == pytest.approx(3.9)
    assert plateau.wait == 1  # epoch 4, since the cut after epoch 3
    assert stopping.wait == 3  # epochs 2, 3 and 4, since the best
    # One more epoch without improvement: the rate is cut now (patience 2), not at the resumed run's third.
    plateau.set_model(types.SimpleNamespace(optimizer=types.SimpleNamespace(learning_rate=0.001)))
    plateau.on_epoch_end(5, {"val_loss": 3.96})
    assert plateau.model.optimizer.learning_rate == pytest.approx(0.0005)


def test_a_new_plateau_run_has_no_resumed_patience(tmp_path):
    config = train.TrainConfig(data=("shards",), output=str(tmp_path), schedule="plateau")
    assert not any(isinstance(callback, train.ResumedPatience) for callback in train.callbacks_for(config))


def pretrained_run_flags(data, output, epochs, encoder_weights):
    """A tiny run of the default, pretrained architecture on a random-weight encoder.

    Its 14 training images make 7 batches: the first pass, which fills the cache, ends in the second epoch.
    The 32-pixel shards are enlarged to 128 pixels, whose colors the network predicts at 32.
    """
    return ["--data", str(data), "--output", str(output), "--epochs", str(epochs), "--steps-per-epoch", "4",
            "--validation-images", "4", "--encoder-weights", encoder_weights, "--batch-pixels", "32768", "--no-jit"]


def encoder_arrays(model):
    return [np.asarray(weight) for weight in model.get_layer("features").weights]


def test_a_pretrained_run_trains_the_decoder_on_cached_features_and_ships_the_whole_network(
        prepare_shards, encoder_weights, tmp_path):
    shard_folder = prepare_shards(32)
    output = tmp_path / "pretrained"
    train_job.main(pretrained_run_flags(shard_folder, output, 2, encoder_weights))
    description = json.loads((output / "model.json").read_text())
    assert description["architecture"] == "lab-effnet-classifier"
    assert (description["downsampling"], description["output_stride"], description["smallest_side"]) == (32, 4, 128)
    assert len(read_history(output)["loss"]) == 2
    # Their features were cached in one complete pass.
    cached = sorted(path.name for path in (output / train.FEATURE_CACHE_DIR).iterdir())
    assert any(name.endswith(".index") for name in cached) and not any(name.endswith(".lockfile") for name in cached)
    colorizer = inference.load(str(output / train.MODEL_NAME))
    assert colorizer.model.name == "lab-effnet-classifier"
    # The encoder stayed frozen: the shipped network carries the given weights unchanged.
    with np.load(encoder_weights) as archive:
        given = {name: archive[name] for name in archive.files}
    shipped = {f"{layer.name}/{weight.name}": np.asarray(weight)
               for layer in colorizer.model.get_layer("features").get_layer(index=2).layers for weight in layer.weights}
    assert shipped.keys() == given.keys()
    for name, value in given.items():
        np.testing.assert_array_equal(shipped[name], value)
    assert inference.colorize_image(colorizer, np.zeros((20, 30, 3), dtype=np.uint8)).shape == (20, 30, 3)
    # The colorize job loads it without the training module.
    script = "import sys; from model import inference; print(inference.load(sys.argv[1]).model.name)"
    loaded = subprocess.run([sys.executable, "-c", script, str(output / train.MODEL_NAME)],
                            capture_output=True, text=True, check=False)
    assert loaded.stdout.strip() == "lab-effnet-classifier", loaded.stderr[-2000:]

    # Resumed for a third epoch: it keeps its architecture without the flag, and its completed cache.
    train_job.main(pretrained_run_flags(shard_folder, output, 3, encoder_weights) + ["--resume"])
    assert read_history(output)["epoch"] == [0.0, 1.0, 2.0]
    assert sorted(path.name for path in (output / train.FEATURE_CACHE_DIR).iterdir()) == cached


def test_a_pretrained_run_without_the_encoder_weights_says_how_to_fetch_them(prepare_shards, tmp_path, capsys):
    flags = pretrained_run_flags(prepare_shards(32), tmp_path / "run", 1, str(tmp_path / "missing.weights.npz"))
    message = run_expecting_user_error(flags, capsys)
    assert "missing.weights.npz" in message and "data/fetch_efficientnet.py --variant lite0" in message


def test_shards_too_small_for_the_pretrained_network_are_a_user_error(shard_folder, encoder_weights, tmp_path,
                                                                      capsys):
    message = run_expecting_user_error(pretrained_run_flags(shard_folder, tmp_path / "run", 1, encoder_weights), capsys)
    assert "16x16" in message and "--size 32" in message


def test_a_run_folder_from_before_the_pretrained_network_resumes(shard_folder, finished_run, tmp_path):
    output = tmp_path / "older-run"
    shutil.copytree(finished_run, output)
    config = json.loads((output / train.CONFIG_NAME).read_text())
    for key in ("architecture", "encoder", "encoder_weights"):
        del config[key]
    (output / train.CONFIG_NAME).write_text(json.dumps(config))

    flags = [flag for flag in tiny_run_flags(shard_folder, output, epochs=2) if flag != "lab-unet-classifier"]
    flags.remove("--architecture")
    train_job.main(flags + ["--resume"])
    assert read_history(output)["epoch"] == [0.0, 1.0]
    assert json.loads((output / "model.json").read_text())["architecture"] == "lab-unet-classifier"
