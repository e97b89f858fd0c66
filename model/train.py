"""The training loop around `fit()`: config, class rebalancing, callbacks, resume and export.

The caller supplies tf.data datasets of (L/50 - 1, Lab) batches; this module knows
nothing of where they come from.
"""

import csv
import dataclasses
import json
import logging
import os
import re
import shutil
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from model import LOGGER_NAME, bins, efficientnet, losses, network
from model.durations import format_duration
from model.inference import DEFAULT_TEMPERATURE, MODEL_CONFIG_NAME, load_colorizer

logger = logging.getLogger(LOGGER_NAME)

MODEL_NAME = "model.keras"
CONFIG_NAME = "config.json"
HISTORY_NAME = "history.json"
HISTORY_CSV_NAME = "history.csv"  # one row per epoch, kept across resumes
CHECKPOINT_NAME = "checkpoint.keras"
BEST_NAME = "best.keras"
BACKUP_DIR = "backup"
CLOCK_NAME = "clock.json"
# model.json as the run wrote it when it started: --resume reads its rebalancing weights from it.
RUN_DESCRIPTION_NAME = "run.json"
# Where runs before 2026-11-25 kept it, a name that read like a half-written file (it is also
# model.json's temporary name while export writes it; run.json, written first, takes precedence).
LEGACY_RUN_DESCRIPTION_NAME = MODEL_CONFIG_NAME + ".partial"
SCHEDULES = ("cosine", "plateau")
# How model.json says to decode the model by default (read by inference.Colorizer.from_description).
DECODING_KEYS = ("default_temperature", "prior_correction", "saturation", "working_size")
# Fields that may change when resuming: they say how long to go on or where the run folder
# now is, not what to train.
# init_from too: a resumed run starts from its own backup, and --resume excludes --init-from.
RESUMABLE_CHANGES = ("epochs", "time_budget", "resume", "output", "init_from")
FEATURE_CACHE_DIR = "feature-cache"  # the frozen encoder's features of the training crops, float16
FEATURE_SHUFFLE_BATCHES = 64  # cached batches shuffled at a time (the first pass is shuffled by example)
ENCODER_WEIGHTS_FOLDER = os.path.join("data", "downloads")  # where data/fetch_efficientnet.py converts them to
# What a run folder from before the pretrained network trained: its config.json lacks these. Its
# encoder fields are the defaults, which the older architecture ignores, so that the same command resumes it.
LEGACY_CONFIG = {"architecture": network.ARCHITECTURE, "encoder": network.DEFAULT_ENCODER, "encoder_weights": None}


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """The training job's options; the CLI flags map one to one onto these fields."""

    data: tuple  # shard folders prepared by colorize-prepare, each of one image size
    output: str
    data_weights: tuple | None = None  # share of batches from each folder; default: equal
    batch_pixels: int = 131_072  # pixels per batch: 128 CIFAR images, or 8 crops of 128x128
    epochs: int = 1_000  # upper bound; --time-budget or early stopping usually ends sooner
    steps_per_epoch: int = 300
    validation_images: int = 2_048  # per folder, from its validation split
    learning_rate: float = 2e-3
    schedule: str = "cosine"  # to the budget's (or last epoch's) end, or "plateau": halve when stuck
    # None: the pretrained network for a new run, the recorded one on --resume, the parent's
    # with --init-from.
    architecture: str | None = None
    encoder: str = network.DEFAULT_ENCODER  # the pretrained network's EfficientNet-Lite variant
    encoder_weights: str | None = None  # its converted ImageNet weights; None: data/fetch_efficientnet.py's file
    base_filters: int = 16  # the older network's first layer
    rebalance_power: float = 0.5
    rebalance_mix: float = 0.5
    # Epochs without a better validation loss before stopping, with the plateau schedule only:
    # a cosine's low-rate tail is where the loss falls most, and a run of epochs without a
    # new best on a small validation set is noise before it (measured: a fine-tune stopped
    # after 82 of its 118 minutes, at 35% of its initial rate).
    early_stopping_patience: int = 8
    time_budget: float | None = None  # minutes
    init_from: str | None = None
    resume: bool = False
    seed: int = 0
    jit_compile: bool = True

    def __post_init__(self):
        if not self.data:
            raise ValueError("--data needs at least one shard folder made by colorize-prepare")
        if self.data_weights is not None and len(self.data_weights) != len(self.data):
            raise ValueError(f"--data-weights needs one weight per --data folder ({len(self.data)})")
        if self.time_budget is not None and self.time_budget <= 0:
            raise ValueError("--time-budget is in minutes and must be positive")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"--schedule must be one of {', '.join(SCHEDULES)}, not {self.schedule!r}")
        if self.init_from and self.resume:
            raise ValueError("--init-from starts a new run; --resume continues one: choose one")
        if self.architecture is not None:
            network.geometry_of(self.architecture)

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)



def batch_size_for(image_size, batch_pixels):
    """Images per batch so that every batch costs about the same compute."""
    return max(2, batch_pixels // (image_size * image_size))


def count_bins(datasets, centers, output_stride, batches_per_dataset=40):
    """How often each ab cell occurs in the targets (at the network's output resolution)."""
    counts = np.zeros(len(centers), dtype=np.float64)
    centers = tf.constant(centers)
    for dataset in datasets:
        for network_input, lab in dataset.take(batches_per_dataset):
            output_size = [side // output_stride for side in network_input.shape[1:3]]
            nearest = bins.nearest_bin(losses.target_ab(lab, output_size), centers)
            counts += np.bincount(nearest.numpy().ravel(), minlength=len(counts))
    return counts


class RunClock(keras.callbacks.Callback):
    """Seconds of training in a run folder, kept across kills: --resume goes on counting from there."""

    def __init__(self, path, resume, clock=time.monotonic):
        super().__init__()
        self.path = path
        self.clock = clock
        self.before = 0.0
        if resume and os.path.exists(path):
            with open(path) as file:
                self.before = float(json.load(file)["trained_seconds"])
        self.started = None

    def on_train_begin(self, logs=None):
        self.started = self.clock()

    def elapsed(self):
        """Seconds trained so far, in this call and in the killed ones before it."""
        return self.before + (self.clock() - self.started if self.started is not None else 0.0)

    def on_epoch_end(self, epoch, logs=None):
        # Saved at the epoch's end, as the backup is: an epoch lost to a kill is not counted.
        write_json(self.path, {"trained_seconds": self.elapsed()})


def folder_names(folders):
    """Short, distinct names for data folders, for metric names: their last path part."""
    names = []
    for index, folder in enumerate(folders):
        name = re.sub(r"[^A-Za-z0-9]+", "_", os.path.basename(str(folder).rstrip("/"))).strip("_") or "data"
        names.append(name if name not in names else f"{name}_{index + 1}")
    return names


class FolderValidation(keras.callbacks.Callback):
    """Validation on each data folder apart (val_NAME_loss, ...) and over all of them (val_loss, ...).

    It replaces fit()'s own validation: the same one pass over every folder's validation
    images, but a mixed run (CIFAR-10 and photo crops) also shows which side moved. The
    overall figures weigh every image equally. Listed before the callbacks that read them.
    """

    def __init__(self, datasets, names):
        super().__init__()
        self.datasets = datasets
        self.names = names
        self.images = None

    def on_train_begin(self, logs=None):
        if self.images is None:
            # One read of each (cached) validation set, to weigh the folders by their images.
            self.images = [sum(int(tf.shape(lab)[0]) for _, lab in dataset) for dataset in self.datasets]

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        results = [self.model.evaluate(dataset, verbose=0, return_dict=True) for dataset in self.datasets]
        total = float(sum(self.images))
        for key in results[0]:
            logs[f"val_{key}"] = sum(count * result[key] for count, result in zip(self.images, results)) / total
        if len(results) > 1:
            for name, result in zip(self.names, results):
                logs.update({f"val_{name}_{key}": value for key, value in result.items()})


def read_history_csv(path):
    """The rows of a history.csv as dicts of strings; none when there is no file yet."""
    if not os.path.exists(path):
        return []
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


class HistoryCSV(keras.callbacks.Callback):
    """history.csv, one row per epoch, kept across resumes.

    Keras' CSVLogger appends rows under the header it finds, so a resumed run that logs
    new figures (a newer version of this job) would shift every column after them. This
    rewrites the small file each epoch under the union of the columns, atomically.
    """

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch, **{key: float(value) for key, value in (logs or {}).items()}}
        rows = read_history_csv(self.path)
        fields = ["epoch"] + sorted({key for old in rows for key in old} - {"epoch"} | set(row) - {"epoch"})
        temporary = self.path + ".partial"
        with open(temporary, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=fields, restval="")
            writer.writeheader()
            writer.writerows(rows + [row])
        os.replace(temporary, self.path)


class ResumedPatience(keras.callbacks.Callback):
    """Gives the plateau schedule and early stopping back the state they had before a kill.

    Keras resets both when fit begins: a resumed run would measure improvement from
    scratch and wait `patience` fresh epochs before lowering the rate or stopping. This
    replays the validation losses of the run's history.csv through their rule; list it
    after them.
    """

    def __init__(self, history_path, watched):
        super().__init__()
        self.history_path = history_path
        self.watched = watched

    def on_train_begin(self, logs=None):
        # The last row of each epoch: a kill between the backup and the log can repeat one.
        rows = {int(float(row["epoch"])): row for row in read_history_csv(self.history_path)}
        losses = [float(rows[epoch]["val_loss"]) for epoch in sorted(rows) if rows[epoch].get("val_loss")]
        for callback in self.watched:
            cuts = isinstance(callback, keras.callbacks.ReduceLROnPlateau)
            best, wait = None, 0
            for loss in losses:
                if best is None or loss < best - callback.min_delta:
                    best, wait = loss, 0
                else:
                    wait += 1
                    if cuts and wait >= callback.patience:
                        wait = 0  # the rate was cut: the schedule waits afresh
            callback.best, callback.wait = best, wait


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

    def __init__(self, initial, epochs, steps_per_epoch, run_clock, minutes=None, floor=0.01):
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

    def on_epoch_end(self, epoch, logs=None):
        # Into the epoch's logs, as ReduceLROnPlateau does: the history and the epoch line show it.
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate.numpy())


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


def _check_resumable(config, output):
    """Refuse to resume a run whose saved config differs in anything but its limits; returns the saved config."""
    path = os.path.join(output, CONFIG_NAME)
    if not os.path.exists(path):
        raise ValueError(f"--resume: {output} holds no {CONFIG_NAME}; start a new run without --resume")
    with open(path) as file:
        saved = json.load(file)
    current = json.loads(config.to_json())
    if current["architecture"] is None:
        current["architecture"] = saved.get("architecture", LEGACY_CONFIG["architecture"])
    changed = sorted(key for key in current if key not in RESUMABLE_CHANGES
                     and saved.get(key, LEGACY_CONFIG.get(key)) != current[key])
    if changed:
        details = ", ".join(f"{key}: {saved.get(key)!r} -> {current[key]!r}" for key in changed)
        raise ValueError(f"--resume with a changed config ({details}); resume with the same flags, "
                         "or start a new run in another --output folder")
    return saved


def _best_validation_loss(output):
    """The lowest val_loss in a run's history.csv, or None."""
    values = [float(row["val_loss"]) for row in read_history_csv(os.path.join(output, HISTORY_CSV_NAME))
              if row.get("val_loss")]
    return min(values) if values else None


def callbacks_for(config, best_so_far=None, validation=None):
    """The callbacks of a run: validation, clock, backup and checkpoints, schedule, logs and limits.

    `validation`: a FolderValidation, first so that the others see its figures.
    """
    run_clock = RunClock(os.path.join(config.output, CLOCK_NAME), config.resume)
    if config.schedule == "cosine":
        schedule = CosineToBudget(config.learning_rate, config.epochs, config.steps_per_epoch, run_clock,
                                  minutes=config.time_budget)
    else:
        schedule = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=1e-5)
    callbacks = [validation] if validation is not None else []
    callbacks += [
        run_clock,
        # Before the backup and checkpoints, so that a rate cut at an epoch's end is saved with it.
        schedule,
        # Kept after the last epoch too, so that --resume with more --epochs goes on from there.
        keras.callbacks.BackupAndRestore(os.path.join(config.output, BACKUP_DIR), delete_checkpoint=False),
        keras.callbacks.ModelCheckpoint(os.path.join(config.output, CHECKPOINT_NAME)),
        # A resumed run keeps the best epoch from before the kill unless it beats it.
        keras.callbacks.ModelCheckpoint(os.path.join(config.output, BEST_NAME), monitor="val_loss",
                                        save_best_only=True, initial_value_threshold=best_so_far),
        keras.callbacks.TensorBoard(os.path.join(config.output, "logs"), update_freq="epoch"),
        HistoryCSV(os.path.join(config.output, HISTORY_CSV_NAME)),
        EpochLog(config.epochs, run_clock, config.time_budget),
    ]
    if config.schedule == "plateau":
        stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.early_stopping_patience)
        callbacks.append(stopping)
        if config.resume:
            callbacks.append(ResumedPatience(os.path.join(config.output, HISTORY_CSV_NAME), [schedule, stopping]))
    if config.time_budget is not None:
        callbacks.append(TimeBudget(config.time_budget, run_clock))
    return callbacks


def architecture_for(config):
    """The architecture a run trains: the parent's with --init-from, the recorded one on --resume, else the flag's."""
    if config.init_from:
        return load_colorizer(config.init_from)[0].name
    if config.resume:
        path = os.path.join(config.output, CONFIG_NAME)
        if os.path.exists(path):
            with open(path) as file:
                return json.load(file).get("architecture", LEGACY_CONFIG["architecture"])
    return config.architecture or network.PRETRAINED_ARCHITECTURE


def build_network(config, architecture, num_bins):
    """A new network of `architecture` as the config describes it."""
    if architecture == network.ARCHITECTURE:
        return network.build_colorizer(num_bins, base_filters=config.base_filters)
    weights = config.encoder_weights or os.path.join(ENCODER_WEIGHTS_FOLDER, efficientnet.weights_file_name(config.encoder))
    if not os.path.exists(weights):
        raise ValueError(f"the pretrained encoder's weights {weights} are missing: run "
                         f"`python data/fetch_efficientnet.py --variant {config.encoder}` first, or pass "
                         "--encoder-weights")
    return network.build_pretrained_colorizer(num_bins, config.encoder, weights)


def _cast_features(features, lab, dtype):
    return tuple(tf.cast(feature, dtype) for feature in features), tf.cast(lab, dtype)


def frozen_features(datasets, features_model, cache_folder=None, seed=0):
    """Datasets of (encoder features, Lab) batches from datasets of (input, Lab) batches.

    The frozen encoder's features are computed once: kept in float16 in files under
    `cache_folder` (training: the datasets are one pass each, then repeated in a shuffled
    order of batches), or in memory (validation).
    """
    extract = tf.function(lambda network_input: features_model(network_input, training=False))
    result = []
    for index, dataset in enumerate(datasets):
        features = dataset.map(lambda network_input, lab: _cast_features(extract(network_input), lab, tf.float16))
        if cache_folder is None:
            features = features.cache()
        else:
            features = features.cache(os.path.join(cache_folder, f"data{index}")).repeat()
            features = features.shuffle(FEATURE_SHUFFLE_BATCHES, seed=seed)
        result.append(features.map(lambda features, lab: _cast_features(features, lab, tf.float32))
                      .prefetch(tf.data.AUTOTUNE))
    return result


def _prepare_feature_cache(output, resume):
    """The run's feature cache folder: kept when resuming after a complete first pass, else emptied."""
    folder = os.path.join(output, FEATURE_CACHE_DIR)
    # tf.data leaves a lock file beside a cache whose first pass did not finish; such a cache is unusable.
    if not resume or (os.path.isdir(folder) and any(name.endswith(".lockfile") for name in os.listdir(folder))):
        shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)
    return folder


def train(config, train_datasets, validation_datasets):
    """Fit the colorizer; writes model.keras, model.json, config.json and history.json to config.output.

    Args:
        train_datasets: one dataset of (input, Lab) batches per data folder: repeating for the
            older network; one pass of fixed crops for the pretrained one (its features are cached).
        validation_datasets: one finite dataset per data folder.
    Returns:
        The Keras History of this call.
    """
    os.makedirs(config.output, exist_ok=True)
    if not config.resume:
        # A new run in a used folder must neither restore the old run's backup nor append to its history.
        shutil.rmtree(os.path.join(config.output, BACKUP_DIR), ignore_errors=True)
        if os.path.exists(os.path.join(config.output, HISTORY_CSV_NAME)):
            os.remove(os.path.join(config.output, HISTORY_CSV_NAME))
    keras.utils.set_random_seed(config.seed)
    centers = bins.bin_centers()
    architecture = architecture_for(config)
    geometry = network.geometry_of(architecture)
    recorded = {**dataclasses.asdict(config), "architecture": architecture}
    decoding = {"default_temperature": DEFAULT_TEMPERATURE}
    if config.resume:
        # The record keeps the model a resumed fine-tune first started from.
        recorded["init_from"] = _check_resumable(config, config.output).get("init_from")
        started = _started_description(config.output)
        weights = np.asarray(started["rebalancing_weights"], dtype=np.float32)
        decoding.update({key: started[key] for key in DECODING_KEYS if key in started})
    else:
        counts = count_bins(validation_datasets, centers, geometry.output_stride)
        weights = bins.rebalancing_weights(counts, config.rebalance_mix, config.rebalance_power)
    if config.init_from:
        model, parent = load_colorizer(config.init_from)
        # The parent's decoding defaults were chosen on its validation data; its children keep them
        # (the prior correction then undoes part of the child's own rebalancing) until retuned.
        inherited = {key: parent[key] for key in DECODING_KEYS if key in parent}
        decoding.update(inherited)
        settings = ", ".join(f"{key} {value:g}" for key, value in inherited.items())
        logger.info(f"fine-tuning {config.init_from}" + (f" (decoding defaults kept: {settings})" if settings else ""))
    else:
        model = build_network(config, architecture, len(centers))
    with open(os.path.join(config.output, CONFIG_NAME), "w") as file:
        json.dump(recorded, file, indent=2, sort_keys=True)
    description = {
        "architecture": architecture,
        "architecture_version": (network.ARCHITECTURE_VERSION if architecture == network.ARCHITECTURE
                                 else network.PRETRAINED_ARCHITECTURE_VERSION),
        **dataclasses.asdict(geometry),
        "ab_bin_centers": centers.tolist(),
        "rebalancing_weights": weights.tolist(),
        **decoding,
        "train_config": recorded,
    }
    write_json(os.path.join(config.output, RUN_DESCRIPTION_NAME), description)

    full_model = model
    if architecture == network.PRETRAINED_ARCHITECTURE:
        # Only the decoder learns: it trains on the frozen encoder's features, computed once.
        features_model, model = full_model.get_layer("features"), full_model.get_layer("decoder")
        train_datasets = frozen_features(train_datasets, features_model,
                                         _prepare_feature_cache(config.output, config.resume), config.seed)
        validation_datasets = frozen_features(validation_datasets, features_model)

    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss=losses.RebalancedCrossEntropy(weights),
        metrics=[losses.DecodedRgbMse(DEFAULT_TEMPERATURE)],
        jit_compile=config.jit_compile)

    weights_per_dataset = config.data_weights or [1.0] * len(train_datasets)
    total = float(sum(weights_per_dataset))
    training = tf.data.Dataset.sample_from_datasets(
        train_datasets, weights=[weight / total for weight in weights_per_dataset], seed=config.seed)
    validation = FolderValidation(validation_datasets, folder_names(config.data))

    callbacks = callbacks_for(config, _best_validation_loss(config.output) if config.resume else None, validation)
    history = model.fit(training, epochs=config.epochs, steps_per_epoch=config.steps_per_epoch, callbacks=callbacks,
                        # A progress bar for a person at a terminal; our one line per epoch in a log file.
                        verbose=1 if sys.stdout.isatty() else 0)
    export(config.output, description, full_model if full_model is not model else None)
    return history


def _started_description(output):
    """The description a run wrote when it started (under its older name in folders from before)."""
    path = os.path.join(output, RUN_DESCRIPTION_NAME)
    if not os.path.exists(path):
        path = os.path.join(output, LEGACY_RUN_DESCRIPTION_NAME)
    with open(path) as file:
        return json.load(file)


def write_json(path, value):
    """Write JSON through a temporary file, so a kill never leaves a half-written file at `path`."""
    temporary = path + ".partial"
    with open(temporary, "w") as file:
        json.dump(value, file, indent=1)
    os.replace(temporary, path)


def export(output, description, full_model=None):
    """Save the best epoch's weights as an uncompiled model.keras beside model.json and history.json.

    `full_model`: the whole network when only its decoder was trained (and checkpointed).
    """
    best_path = os.path.join(output, BEST_NAME)
    source = best_path if os.path.exists(best_path) else os.path.join(output, CHECKPOINT_NAME)
    # Loading without compiling drops the optimizer state: the shipped file holds weights only.
    best = keras.saving.load_model(source, compile=False)
    if full_model is not None:
        full_model.get_layer(best.name).set_weights(best.get_weights())
        # A clone holds the weights alone: the trained decoder inside full_model also carries
        # its optimizer's state (a model.keras half as large again).
        best = keras.models.clone_model(full_model)
        best.set_weights(full_model.get_weights())
    best.save(os.path.join(output, MODEL_NAME))
    write_json(os.path.join(output, MODEL_CONFIG_NAME), description)
    rows = read_history_csv(os.path.join(output, HISTORY_CSV_NAME))
    # A figure that an older version of the job did not log is null in its epochs.
    keys = [key for key in (rows[0] if rows else {}) if key]
    history = {key: [float(row[key]) if row.get(key) else None for row in rows] for key in keys}
    with open(os.path.join(output, HISTORY_NAME), "w") as file:
        json.dump(history, file, indent=1)
    logger.info(f"wrote {os.path.join(output, MODEL_NAME)} (from {os.path.basename(source)})")
