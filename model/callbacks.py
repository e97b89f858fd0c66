"""The callbacks of a training run: its figures, clock, learning-rate schedules, logs and limits.

No callback depends on its place in the list. The epoch's figures that fit() does not
compute itself (validation on each data folder, the learning rate) are added by
EpochFigures, the list that calls the callbacks, before any of them sees the epoch; the
schedules keep their own state and set the rate from it, rather than adjusting what
another callback left in the optimizer.
"""

import csv
import logging
import os
import re
import time

import keras
import numpy as np
import tensorflow as tf

from model import LOGGER_NAME, run_folder
from model.durations import format_duration

logger = logging.getLogger(LOGGER_NAME)

PLATEAU_FACTOR = 0.5  # the plateau schedule halves the rate...
PLATEAU_PATIENCE = 2  # ...after this many epochs without a better validation loss...
PLATEAU_MIN_RATE = 1e-5  # ...down to this rate
MIN_IMPROVEMENT = 1e-4  # a validation loss lower than the best by less is no improvement
COSINE_FLOOR = 0.01  # the cosine ends at this share of the initial rate


def folder_names(folders):
    """Short, distinct names for data folders, for metric names: their last path part."""
    names = []
    for index, folder in enumerate(folders):
        name = re.sub(r"[^A-Za-z0-9]+", "_", os.path.basename(str(folder).rstrip("/"))).strip("_") or "data"
        names.append(name if name not in names else f"{name}_{index + 1}")
    return names


class EpochFigures(keras.callbacks.CallbackList):
    """The run's callbacks, each shown the epoch's complete figures whatever its place in the list.

    It replaces fit()'s own validation: one pass over every data folder's validation
    images, each apart (val_NAME_loss, ...) when there are several, so that a mixed run
    (CIFAR-10 and photo crops) shows which side moved, and over all of them (val_loss,
    ...), weighing every image equally. It also logs the epoch's learning rate. fit()
    takes it as its `callbacks`.
    """

    def __init__(self, callbacks, validation_datasets, names, model, epochs, steps, verbose):
        super().__init__(callbacks, add_history=True, add_progbar=verbose != 0, model=model, verbose=verbose,
                         epochs=epochs, steps=steps)
        self.validation_datasets = validation_datasets
        self.names = names
        self.images = None
        self.batches = None

    def on_train_begin(self, logs=None):
        if self.images is None:
            # One read of each (cached) validation set: its images, to weigh the folders by, and its
            # batches, which evaluate() is told (it cannot know them, and warns when a set runs out).
            sizes = [[int(tf.shape(lab)[0]) for _, lab in dataset] for dataset in self.validation_datasets]
            self.images = [sum(batch_sizes) for batch_sizes in sizes]
            self.batches = [len(batch_sizes) for batch_sizes in sizes]
        super().on_train_begin(logs)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        logs.update(self.validation())
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        super().on_epoch_end(epoch, logs)

    def validation(self):
        """The validation figures of the model as it is now, over all folders and, with several, per folder."""
        results = [self.model.evaluate(dataset, steps=batches, verbose=0, return_dict=True)
                   for dataset, batches in zip(self.validation_datasets, self.batches)]
        total = float(sum(self.images))
        figures = {f"val_{key}": sum(count * result[key] for count, result in zip(self.images, results)) / total
                   for key in results[0]}
        if len(results) > 1:
            for name, result in zip(self.names, results):
                figures.update({f"val_{name}_{key}": value for key, value in result.items()})
        return figures


class RunClock(keras.callbacks.Callback):
    """Seconds of training in a run folder, kept across kills: --resume goes on counting from there.

    `path`: the run's clock.json; None keeps the count in memory only. It holds the seconds at
    the end of every epoch, so that a resumed run counts up to the epoch its backup restored:
    an epoch whose backup a kill cut short is done again, and counted once.
    """

    def __init__(self, path, resume=False, clock=time.monotonic):
        super().__init__()
        self.path = path
        self.clock = clock
        self.before = 0.0
        self.at_epoch_end = {}  # epoch -> seconds trained when it ended
        if resume and path is not None and os.path.exists(path):
            saved = run_folder.read_json(path)
            self.before = float(saved["trained_seconds"])
            self.at_epoch_end = {int(epoch): float(seconds) for epoch, seconds in saved.get("at_epoch_end", {}).items()}
        self.started = None
        self.restored = False

    def on_train_begin(self, logs=None):
        self.started = self.clock()

    def on_epoch_begin(self, epoch, logs=None):
        # The first epoch of a resumed run follows the last one its backup holds.
        if not self.restored and epoch - 1 in self.at_epoch_end:
            self.before = self.at_epoch_end[epoch - 1]
            self.at_epoch_end = {done: seconds for done, seconds in self.at_epoch_end.items() if done < epoch}
        self.restored = True

    def elapsed(self):
        """Seconds trained so far, in this call and in the killed ones before it."""
        return self.before + (self.clock() - self.started if self.started is not None else 0.0)

    def on_epoch_end(self, epoch, logs=None):
        self.at_epoch_end[epoch] = self.elapsed()
        if self.path is not None:
            run_folder.write_json(self.path, {"trained_seconds": self.at_epoch_end[epoch],
                                              "at_epoch_end": {str(done): seconds
                                                               for done, seconds in sorted(self.at_epoch_end.items())}})


class HistoryCSV(keras.callbacks.Callback):
    """history.csv, one row per epoch, kept across resumes.

    Keras' CSVLogger appends rows under the header it finds, so a resumed run that logs
    new figures (a newer version of this job) would shift every column after them. This
    rewrites the small file each epoch under the union of the columns, atomically; an
    epoch repeated after a kill replaces its earlier row.
    """

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch, **{key: float(value) for key, value in (logs or {}).items()}}
        rows = [old for old in run_folder.read_history_csv(self.path) if int(float(old["epoch"])) < epoch]
        fields = ["epoch"] + sorted({key for old in rows for key in old} - {"epoch"} | set(row) - {"epoch"})
        temporary = self.path + ".partial"
        with open(temporary, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=fields, restval="")
            writer.writeheader()
            writer.writerows(rows + [row])
        os.replace(temporary, self.path)


class PlateauSchedule(keras.callbacks.Callback):
    """Halves the learning rate after `patience` epochs without a better validation loss; stops after `stop_patience`.

    Its state is its own, and a resumed run replays the validation losses of the run's
    history through the same rule before its first epoch, so that a kill changes neither
    when the rate is cut nor when the run stops.
    """

    def __init__(self, initial, stop_patience, history_path=None, factor=PLATEAU_FACTOR, patience=PLATEAU_PATIENCE,
                 min_rate=PLATEAU_MIN_RATE):
        super().__init__()
        self.initial = initial
        self.stop_patience = stop_patience
        self.history_path = history_path
        self.factor = factor
        self.patience = patience
        self.min_rate = min_rate
        self.restart()

    def restart(self):
        self.best = None
        self.since_best = 0  # epochs since the best validation loss
        self.since_cut = 0  # epochs without improvement since the last cut
        self.cuts = 0
        self.replayed = self.history_path is None

    def observe(self, loss):
        """Take one epoch's validation loss into the state."""
        if self.best is None or loss < self.best - MIN_IMPROVEMENT:
            self.best, self.since_best, self.since_cut = loss, 0, 0
            return
        self.since_best += 1
        self.since_cut += 1
        if self.since_cut >= self.patience:
            self.cuts += 1
            self.since_cut = 0

    def rate(self):
        return max(self.min_rate, self.initial * self.factor**self.cuts)

    def on_train_begin(self, logs=None):
        self.restart()

    def on_epoch_begin(self, epoch, logs=None):
        if not self.replayed:
            # The epochs before this one: a kill between the history and the backup can repeat one.
            losses = run_folder.validation_losses(os.path.dirname(self.history_path))
            for loss in [losses[earlier] for earlier in sorted(losses) if earlier < epoch]:
                self.observe(loss)
            self.replayed = True
        self.model.optimizer.learning_rate.assign(self.rate())

    def on_epoch_end(self, epoch, logs=None):
        if logs and "val_loss" in logs:
            self.observe(float(logs["val_loss"]))
            if self.since_best >= self.stop_patience:
                logger.info(f"no better validation loss for {self.since_best} epochs; stopping")
                self.model.stop_training = True


class TimeBudget(keras.callbacks.Callback):
    """Stops training when the next epoch would end past the budget, keeping the best model."""

    def __init__(self, minutes, run_clock):
        super().__init__()
        self.seconds = minutes * 60.0
        self.run_clock = run_clock
        self.epoch_started = None
        self.slowest_epoch = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = self.run_clock.elapsed()

    def on_epoch_end(self, epoch, logs=None):
        now = self.run_clock.elapsed()
        self.slowest_epoch = max(self.slowest_epoch, now - self.epoch_started)
        if now + self.slowest_epoch > self.seconds:
            logger.info(f"time budget of {self.seconds / 60:.0f} min reached after epoch {epoch + 1}; stopping")
            self.model.stop_training = True


class CosineToBudget(keras.callbacks.Callback):
    """Decays the learning rate along a half cosine that reaches its floor as the run ends.

    The run ends at the time budget or after the last epoch, whichever comes first, so the
    schedule follows whichever of the two is further along. Unlike halving on a plateau,
    it does not react to the noise of a small validation set, and the budget's last
    minutes are spent at a low rate, where the loss falls most.
    """

    def __init__(self, initial, epochs, steps_per_epoch, run_clock, minutes=None, floor=COSINE_FLOOR):
        super().__init__()
        self.initial = initial
        self.epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.run_clock = run_clock
        self.seconds = None if minutes is None else minutes * 60.0
        self.floor = floor
        self.epoch = 0

    def progress(self, step):
        """How far the run is, from 0 to 1."""
        done = (self.epoch + step / self.steps_per_epoch) / self.epochs
        if self.seconds is not None:
            done = max(done, self.run_clock.elapsed() / self.seconds)
        return min(1.0, done)

    def rate(self, step):
        cosine = 0.5 * (1.0 + np.cos(np.pi * self.progress(step)))
        return self.initial * (self.floor + (1.0 - self.floor) * cosine)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        self.model.optimizer.learning_rate.assign(self.rate(batch))


class EpochLog(keras.callbacks.Callback):
    """One line per epoch: losses, learning rate, elapsed time and the ETA within the limits."""

    def __init__(self, epochs, run_clock, time_budget_minutes=None):
        super().__init__()
        self.epochs = epochs
        self.budget = None if time_budget_minutes is None else time_budget_minutes * 60.0
        self.run_clock = run_clock
        self.first_epoch = None
        self.elapsed_at_first = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        if self.first_epoch is None:
            self.first_epoch = epoch
            self.elapsed_at_first = self.run_clock.elapsed()

    def on_epoch_end(self, epoch, logs=None):
        elapsed = self.run_clock.elapsed()
        done = epoch + 1 - self.first_epoch
        remaining = (elapsed - self.elapsed_at_first) / done * (self.epochs - epoch - 1)
        if self.budget is not None:
            remaining = min(remaining, max(0.0, self.budget - elapsed))
        values = " ".join(f"{key}={value:.4g}" for key, value in sorted((logs or {}).items()))
        logger.info(f"epoch {epoch + 1}/{self.epochs} {values} elapsed {format_duration(elapsed)} "
                    f"ETA {format_duration(remaining)}")


def callbacks_for(config, best_so_far=None):
    """The callbacks of a run, in no particular order: clock, schedule, backup and checkpoints, logs and limits.

    `best_so_far`: the best validation loss before a kill, which the best checkpoint must beat.
    """
    output = config.output
    run_clock = RunClock(os.path.join(output, run_folder.CLOCK_NAME), config.resume)
    if config.schedule == "cosine":
        schedule = CosineToBudget(config.learning_rate, config.epochs, config.steps_per_epoch, run_clock,
                                  minutes=config.time_budget)
    else:
        schedule = PlateauSchedule(config.learning_rate, config.early_stopping_patience,
                                   os.path.join(output, run_folder.HISTORY_CSV_NAME) if config.resume else None)
    callbacks = [
        run_clock,
        schedule,
        # Kept after the last epoch too, so that --resume with more --epochs goes on from there; the
        # backup before it is kept as well, for a kill while the latest is being written.
        keras.callbacks.BackupAndRestore(os.path.join(output, run_folder.BACKUP_DIR), delete_checkpoint=False,
                                         double_checkpoint=True),
        keras.callbacks.ModelCheckpoint(os.path.join(output, run_folder.CHECKPOINT_NAME)),
        # A resumed run keeps the best epoch from before the kill unless it beats it.
        keras.callbacks.ModelCheckpoint(os.path.join(output, run_folder.BEST_NAME), monitor="val_loss",
                                        save_best_only=True, initial_value_threshold=best_so_far),
        keras.callbacks.TensorBoard(os.path.join(output, run_folder.LOGS_DIR), update_freq="epoch"),
        HistoryCSV(os.path.join(output, run_folder.HISTORY_CSV_NAME)),
        EpochLog(config.epochs, run_clock, config.time_budget),
    ]
    if config.time_budget is not None:
        callbacks.append(TimeBudget(config.time_budget, run_clock))
    return callbacks
