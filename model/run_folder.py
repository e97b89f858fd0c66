"""What a training run keeps in its folder: the file names, their atomic writes, and the export of the model.

A run folder holds config.json (what to train), run.json (the model's description as the
run started), history.csv (a row per epoch), clock.json (seconds trained, at each epoch's end), the Keras
backup and checkpoints, and, once the run ends, model.keras, model.json and history.json.
"""

import csv
import json
import logging
import os
import shutil
import zipfile

import keras

from model import LOGGER_NAME, network
from model.inference import MODEL_CONFIG_NAME

logger = logging.getLogger(LOGGER_NAME)

MODEL_NAME = "model.keras"
CONFIG_NAME = "config.json"
HISTORY_NAME = "history.json"
HISTORY_CSV_NAME = "history.csv"  # one row per epoch, kept across resumes
CHECKPOINT_NAME = "checkpoint.keras"
BEST_NAME = "best.keras"
BACKUP_DIR = "backup"
# What keras.callbacks.BackupAndRestore writes in it; the backup before is NAME.bkp (double_checkpoint).
BACKUP_WEIGHTS_NAME = "latest.weights.h5"
CLOCK_NAME = "clock.json"
LOGS_DIR = "logs"  # TensorBoard's
# model.json as the run wrote it when it started: --resume reads its rebalancing weights from it.
RUN_DESCRIPTION_NAME = "run.json"
# Where runs before 2026-11-25 kept it, a name that read like a half-written file (it is also
# model.json's temporary name while export writes it; run.json, written first, takes precedence).
LEGACY_RUN_DESCRIPTION_NAME = MODEL_CONFIG_NAME + ".partial"
FEATURE_CACHE_DIR = "feature-cache"  # the frozen encoder's features of the training crops, float16


def write_json(path, value):
    """Write JSON through a temporary file, so a kill never leaves a half-written file at `path`."""
    temporary = path + ".partial"
    with open(temporary, "w") as file:
        json.dump(value, file, indent=1)
    os.replace(temporary, path)


def save_model(model, path):
    """Save a Keras model as a .keras file at `path`, its members deflated, through temporary names.

    Keras stores the weights uncompressed; deflated, the shipped model's file is a tenth smaller
    (22.1 MB -> 19.8 MB) and loads in the same time.
    """
    stored, deflated = path + ".stored.keras", path + ".partial.keras"  # Keras wants the .keras suffix
    model.save(stored)
    with zipfile.ZipFile(stored) as source, zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED,
                                                            compresslevel=9) as target:
        for member in source.infolist():
            with source.open(member) as data, target.open(member.filename, "w") as out:
                shutil.copyfileobj(data, out)
    os.remove(stored)
    os.replace(deflated, path)


def read_json(path):
    with open(path) as file:
        return json.load(file)


def read_history_csv(path):
    """The rows of a history.csv as dicts of strings; none when there is no file yet."""
    if not os.path.exists(path):
        return []
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def validation_losses(output):
    """{epoch: val_loss} of a run's history.csv, for the epochs that have one."""
    return {int(float(row["epoch"])): float(row["val_loss"])
            for row in read_history_csv(os.path.join(output, HISTORY_CSV_NAME)) if row.get("val_loss")}


def best_validation_loss(output):
    """The lowest val_loss in a run's history.csv, or None."""
    values = validation_losses(output).values()
    return min(values) if values else None


def start_afresh(output):
    """Make `output` ready for a new run: a used folder's backup and history would be taken for this run's."""
    os.makedirs(output, exist_ok=True)
    shutil.rmtree(os.path.join(output, BACKUP_DIR), ignore_errors=True)
    if os.path.exists(os.path.join(output, HISTORY_CSV_NAME)):
        os.remove(os.path.join(output, HISTORY_CSV_NAME))


def started_description(output):
    """The description a run wrote when it started (under its older name in folders from before)."""
    path = os.path.join(output, RUN_DESCRIPTION_NAME)
    if not os.path.exists(path):
        path = os.path.join(output, LEGACY_RUN_DESCRIPTION_NAME)
    return read_json(path)


def feature_cache(output, resume):
    """The run's feature cache folder: kept when resuming after a complete first pass, else emptied."""
    folder = os.path.join(output, FEATURE_CACHE_DIR)
    # tf.data leaves a lock file beside a cache whose first pass did not finish; such a cache is unusable.
    if not resume or (os.path.isdir(folder) and any(name.endswith(".lockfile") for name in os.listdir(folder))):
        shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)
    return folder


def export(output, description, full_model=None, last_epoch=False):
    """Save the best (or last) epoch's weights as an uncompiled model.keras beside model.json and history.json.

    `full_model`: the whole network when only a part of it (network.build_training_network) was
    trained and checkpointed.
    `last_epoch`: the last finished epoch's weights instead of the best's (the shipped model
    is one: docs/experiments.md says why).
    """
    best_path = os.path.join(output, BEST_NAME)
    use_best = os.path.exists(best_path) and not last_epoch
    source = best_path if use_best else os.path.join(output, CHECKPOINT_NAME)
    # Loading without compiling drops the optimizer state: the shipped file holds weights only.
    best = keras.saving.load_model(source, compile=False)
    if full_model is not None:
        network.copy_weights_by_name(best, full_model)
        # A clone holds the weights alone: the trained decoder inside full_model also carries
        # its optimizer's state (a model.keras half as large again).
        best = keras.models.clone_model(full_model)
        best.set_weights(full_model.get_weights())
    save_model(best, os.path.join(output, MODEL_NAME))
    write_json(os.path.join(output, MODEL_CONFIG_NAME), description)
    rows = read_history_csv(os.path.join(output, HISTORY_CSV_NAME))
    # A figure that an older version of the job did not log is null in its epochs.
    keys = [key for key in (rows[0] if rows else {}) if key]
    history = {key: [float(row[key]) if row.get(key) else None for row in rows] for key in keys}
    write_json(os.path.join(output, HISTORY_NAME), history)
    logger.info(f"wrote {os.path.join(output, MODEL_NAME)} (from {os.path.basename(source)})")
