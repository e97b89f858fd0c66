"""Tests for model/callbacks.py: figures, clock, schedules, logs and limits, driven by hand with a fake clock."""

import csv
import itertools
import random
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

from model import callbacks, run_folder
from model.train import TrainConfig


class FakeClock:
    """A clock that the test moves by hand."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def fake_model(rate=1.0):
    return types.SimpleNamespace(stop_training=False, optimizer=types.SimpleNamespace(learning_rate=tf.Variable(rate)))


def run_epochs(callback_list, clock, epoch_seconds, steps=1, logs=None, first_epoch=0, model=None):
    """Drive callbacks through epochs of the given lengths; returns how many ran before one stopped.

    `logs`: the epoch logs, one dict per epoch (default: none).
    """
    model = model or fake_model()
    for callback in callback_list:
        callback.set_model(model)
        callback.on_train_begin({})
    for index, seconds in enumerate(epoch_seconds):
        epoch = first_epoch + index
        for callback in callback_list:
            callback.on_epoch_begin(epoch, {})
        for step in range(steps):
            for callback in callback_list:
                callback.on_train_batch_begin(step, {})
            clock.now += seconds / steps
        for callback in callback_list:
            callback.on_epoch_end(epoch, dict(logs[index]) if logs else {})
        if model.stop_training:
            return index + 1
    return len(epoch_seconds)


def budget_callbacks(minutes, clock, tmp_path):
    run_clock = callbacks.RunClock(str(tmp_path / run_folder.CLOCK_NAME), resume=False, clock=clock)
    return [run_clock, callbacks.TimeBudget(minutes, run_clock)]


@pytest.mark.parametrize("order", [1, -1])
def test_time_budget_stops_before_an_epoch_would_end_past_it(tmp_path, order):
    clock = FakeClock()
    # One minute; after 20 s and 45 s, another 25-second epoch would end at 70 s.
    assert run_epochs(budget_callbacks(1.0, clock, tmp_path)[::order], clock, [20.0, 25.0, 10.0, 10.0]) == 2


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
    run_clock = callbacks.RunClock(str(tmp_path / run_folder.CLOCK_NAME), resume=True, clock=resumed_clock)
    assert run_epochs([run_clock, callbacks.TimeBudget(2.5, run_clock)], resumed_clock, [30.0] * 5) == 1


def test_an_epoch_done_again_after_a_kill_is_counted_once(tmp_path):
    clock = FakeClock()
    path = str(tmp_path / run_folder.CLOCK_NAME)
    run_epochs([callbacks.RunClock(path, clock=clock)], clock, [30.0] * 3)
    # Killed while epoch 2's backup was written: the backup holds epochs 0 and 1, so epoch 2 runs again.
    resumed_clock = FakeClock()
    run_clock = callbacks.RunClock(path, resume=True, clock=resumed_clock)
    run_epochs([run_clock], resumed_clock, [20.0], first_epoch=2)
    assert run_clock.elapsed() == pytest.approx(80.0)
    assert run_folder.read_json(path) == {"trained_seconds": pytest.approx(80.0),
                                          "at_epoch_end": {"0": 30.0, "1": 60.0, "2": pytest.approx(80.0)}}


def test_a_clock_file_from_before_per_epoch_times_resumes_from_its_total(tmp_path):
    path = str(tmp_path / run_folder.CLOCK_NAME)
    run_folder.write_json(path, {"trained_seconds": 50.0})
    clock = FakeClock()
    run_clock = callbacks.RunClock(path, resume=True, clock=clock)
    run_epochs([run_clock], clock, [10.0], first_epoch=4)
    assert run_clock.elapsed() == pytest.approx(60.0)


def test_a_clock_without_a_file_counts_in_memory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    clock = FakeClock()
    run_clock = callbacks.RunClock(None, clock=clock)
    run_epochs([run_clock], clock, [3.0, 4.0])
    assert run_clock.elapsed() == pytest.approx(7.0)
    assert list(tmp_path.iterdir()) == []


def rates_of(schedule, callback_list, clock, epoch_seconds, steps):
    """The learning rate at every step of epochs driven through the callbacks."""
    rates = []
    recorder = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda step, logs: rates.append(float(schedule.model.optimizer.learning_rate.numpy())))
    run_epochs(callback_list + [recorder], clock, epoch_seconds, steps=steps)
    return rates


def test_cosine_schedule_decays_to_its_floor_by_the_end_of_the_budget(tmp_path):
    clock = FakeClock()
    run_clock = callbacks.RunClock(str(tmp_path / run_folder.CLOCK_NAME), resume=False, clock=clock)
    schedule = callbacks.CosineToBudget(0.002, epochs=1000, steps_per_epoch=10, run_clock=run_clock, minutes=1.0)
    rates = rates_of(schedule, [run_clock, schedule], clock, [15.0] * 4, steps=10)
    assert rates[0] == pytest.approx(0.002)
    assert rates[20] == pytest.approx(0.002 * (0.01 + 0.99 * 0.5))  # half the budget gone: about half the rate
    assert all(later <= earlier for earlier, later in itertools.pairwise(rates))
    assert rates[-1] == pytest.approx(0.002 * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * 58.5 / 60))))


def test_cosine_schedule_follows_the_epochs_without_a_budget(tmp_path):
    clock = FakeClock()
    run_clock = callbacks.RunClock(str(tmp_path / run_folder.CLOCK_NAME), resume=False, clock=clock)
    schedule = callbacks.CosineToBudget(1.0, epochs=4, steps_per_epoch=2, run_clock=run_clock)
    rates = rates_of(schedule, [run_clock, schedule], clock, [1.0] * 4, steps=2)
    assert rates[4] == pytest.approx(0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * 0.5)))  # epoch 2 of 4 begins


def validation_logs(*losses):
    return [{"val_loss": loss} for loss in losses]


def test_the_plateau_schedule_halves_the_rate_after_two_epochs_without_improvement_and_then_stops():
    schedule = callbacks.PlateauSchedule(0.002, stop_patience=4)
    model = fake_model()
    rates = []
    recorder = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda step, logs: rates.append(float(model.optimizer.learning_rate.numpy())))
    epochs = run_epochs([recorder, schedule], FakeClock(), [1.0] * 10,
                        logs=validation_logs(4.0, 3.9, 3.95, 3.91, 3.92, 3.93, 3.94, 3.95, 3.96, 3.97), model=model)
    # The best is epoch 2's; epochs 3 and 4 do not beat it (the rate halves), nor 5 and 6 (the run stops).
    assert epochs == 6
    assert rates == pytest.approx([0.002, 0.002, 0.002, 0.002, 0.001, 0.001])


def test_a_resumed_plateau_run_goes_on_as_if_never_killed(tmp_path):
    losses = (4.1, 3.9, 4.0, 3.95, 3.97, 3.96, 3.98)
    uninterrupted = callbacks.PlateauSchedule(0.002, stop_patience=5)
    model = fake_model()
    rates = []
    recorder = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda step, logs: rates.append(float(model.optimizer.learning_rate.numpy())))
    assert run_epochs([recorder, uninterrupted], FakeClock(), [1.0] * 7, logs=validation_logs(*losses),
                      model=model) == 7
    assert rates == pytest.approx([0.002] * 4 + [0.001] * 2 + [0.0005])

    # Killed after epoch 5 (index 4) was logged, and after epoch 6's history row but before its backup:
    # the resumed run repeats epoch 6 (index 5).
    history = "epoch,learning_rate,val_loss\n" + "".join(
        f"{epoch},{rate},{loss}\n" for epoch, (rate, loss) in enumerate(zip(rates, losses[:6])))
    (tmp_path / run_folder.HISTORY_CSV_NAME).write_text(history)
    resumed = callbacks.PlateauSchedule(0.002, stop_patience=5,
                                        history_path=str(tmp_path / run_folder.HISTORY_CSV_NAME))
    model = fake_model()
    resumed_rates = []
    recorder = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda step, logs: resumed_rates.append(float(model.optimizer.learning_rate.numpy())))
    assert run_epochs([recorder, resumed], FakeClock(), [1.0] * 2, logs=validation_logs(*losses[5:]),
                      first_epoch=5, model=model) == 2
    assert resumed_rates == pytest.approx(rates[5:])


@pytest.mark.parametrize("schedule", ["cosine", "plateau"])
def test_only_the_plateau_schedule_stops_a_stalled_run(tmp_path, schedule):
    config = TrainConfig(data=("shards",), output=str(tmp_path), schedule=schedule, early_stopping_patience=3)
    chosen = [callback for callback in callbacks.callbacks_for(config)
              if isinstance(callback, (callbacks.CosineToBudget, callbacks.PlateauSchedule))]
    stalled = validation_logs(*[4.0] * 10)
    assert run_epochs(chosen, FakeClock(), [1.0] * 10, logs=stalled) == (4 if schedule == "plateau" else 10)


def test_a_run_with_a_budget_has_a_time_limit(tmp_path):
    config = TrainConfig(data=("shards",), output=str(tmp_path), time_budget=10.0)
    assert any(isinstance(callback, callbacks.TimeBudget) for callback in callbacks.callbacks_for(config))


def test_history_csv_keeps_its_columns_when_a_resumed_run_logs_new_figures(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss,val_loss\n0,4.5,4.4\n")
    callback = callbacks.HistoryCSV(str(path))
    callback.on_epoch_end(1, {"loss": 4.3, "val_loss": 4.2, "val_cifar_loss": 4.1})
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["val_loss"] for row in rows] == ["4.4", "4.2"]
    assert [row["val_cifar_loss"] for row in rows] == ["", "4.1"]
    assert [row["epoch"] for row in rows] == ["0", "1"]


def test_history_csv_replaces_an_epoch_repeated_after_a_kill(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss\n0,4.5\n1,4.3\n")
    callbacks.HistoryCSV(str(path)).on_epoch_end(1, {"loss": 4.2})
    assert path.read_text().splitlines() == ["epoch,loss", "0,4.5", "1,4.2"]


def test_folder_names_are_short_and_distinct():
    assert callbacks.folder_names(["runs/cifar10-shards/", "gs://b/photos [v2]", "x/photos_v2"]) == [
        "cifar10_shards", "photos_v2", "photos_v2_3"]


@pytest.fixture(scope="module")
def regression():
    """A compiled one-weight model (y = w x, w = 1) and two validation sets on which it errs by 1 and by 2."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")])
    model.compile(optimizer=keras.optimizers.SGD(0.25), loss="mse", metrics=["mae"])
    ones = tf.data.Dataset.from_tensor_slices((np.ones((6, 1)), np.full((6, 1), 2.0))).batch(3)
    twos = tf.data.Dataset.from_tensor_slices((np.ones((2, 1)), np.full((2, 1), 3.0))).batch(2)
    return model, [ones, twos]


def test_every_callback_sees_the_epochs_validation_figures_and_rate_wherever_it_stands(regression):
    model, validation = regression
    seen = []
    recorder = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(dict(logs)))
    others = [keras.callbacks.LambdaCallback() for _ in range(3)]
    for position in (0, 3):
        listed = others[:position] + [recorder] + others[position:]
        figures = callbacks.EpochFigures(listed, validation, ["ones", "twos"], model, epochs=1, steps=1, verbose=0)
        figures.on_train_begin()
        figures.on_epoch_end(0, {"loss": 9.0})
        figures.on_train_end()
    for logs in seen:
        assert logs["loss"] == 9.0 and logs["learning_rate"] == pytest.approx(0.25)
        assert (logs["val_ones_loss"], logs["val_twos_loss"]) == (pytest.approx(1.0), pytest.approx(4.0))
        # Over all images, each weighing the same: six err by 1, two by 2.
        assert logs["val_loss"] == pytest.approx((6 * 1.0 + 2 * 4.0) / 8)
        assert logs["val_mae"] == pytest.approx((6 * 1.0 + 2 * 2.0) / 8)


def test_one_folder_gives_the_overall_figures_only(regression):
    model, validation = regression
    seen = []
    recorder = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(dict(logs)))
    figures = callbacks.EpochFigures([recorder], validation[:1], ["ones"], model, epochs=1, steps=1, verbose=0)
    figures.on_train_begin()
    figures.on_epoch_end(0, {})
    figures.on_train_end()
    assert sorted(seen[0]) == ["learning_rate", "val_loss", "val_mae"]


def test_validation_sets_of_unknown_length_are_read_to_their_end_without_keras_warning(regression, recwarn):
    model, validation = regression
    # Read from files, a validation set's length is unknown until it is read; a filter makes it so here.
    unknown = [dataset.filter(lambda x, y: True) for dataset in validation]
    assert all(int(dataset.cardinality()) == int(tf.data.UNKNOWN_CARDINALITY) for dataset in unknown)
    seen = []
    recorder = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(dict(logs)))
    figures = callbacks.EpochFigures([recorder], unknown, ["ones", "twos"], model, epochs=1, steps=1, verbose=0)
    figures.on_train_begin()
    for epoch in range(2):
        figures.on_epoch_end(epoch, {})
    figures.on_train_end()
    assert [logs["val_loss"] for logs in seen] == [pytest.approx((6 * 1.0 + 2 * 4.0) / 8)] * 2
    assert not [warning for warning in recwarn if "ran out of data" in str(warning.message)]


def test_the_run_callbacks_do_not_depend_on_their_order(tmp_path):
    config = TrainConfig(data=("shards",), output=str(tmp_path), schedule="plateau", time_budget=1.0,
                         early_stopping_patience=2)
    outcomes = set()
    for seed in range(3):
        clock = FakeClock()
        chosen = [callback for callback in callbacks.callbacks_for(config)
                  if isinstance(callback, (callbacks.RunClock, callbacks.PlateauSchedule, callbacks.TimeBudget))]
        for callback in chosen:
            if isinstance(callback, callbacks.RunClock):
                callback.clock = clock
        random.Random(seed).shuffle(chosen)
        outcomes.add(run_epochs(chosen, clock, [10.0] * 8, logs=validation_logs(4.0, 3.0, 3.5, 3.4, 3.3, 3.2, 3.1, 3.0)))
    assert outcomes == {4}
