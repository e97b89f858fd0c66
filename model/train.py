"""The training loop around `fit()`: what to train (TrainConfig), the network to start from, and the fit itself.

The caller supplies tf.data datasets of (L/50 - 1, Lab) batches; this module knows
nothing of where they come from. The run folder's files are model/run_folder.py's, the
callbacks model/callbacks.py's.
"""

import dataclasses
import json
import logging
import os
import sys

import keras
import numpy as np
import tensorflow as tf

from model import (
    LOGGER_NAME,
    bins,
    callbacks,
    efficientnet,
    hints,
    losses,
    network,
    run_folder,
)
from model.inference import DEFAULT_TEMPERATURE, load_colorizer

logger = logging.getLogger(LOGGER_NAME)

SCHEDULES = ("cosine", "plateau")
# How model.json says to decode the model by default (read by inference.Colorizer.from_description).
DECODING_KEYS = ("default_temperature", "prior_correction", "saturation", "agreement_power", "working_size")
# Fields that may change when resuming: they say how long to go on or where the run folder
# now is, not what to train.
# init_from too: a resumed run starts from its own backup, and --resume excludes --init-from.
RESUMABLE_CHANGES = ("epochs", "time_budget", "resume", "output", "init_from")
FEATURE_SHUFFLE_BATCHES = 64  # cached batches shuffled at a time (the first pass is shuffled by example)
# Where data/fetch_efficientnet.py converts the encoder's weights to: the repository's data/downloads,
# wherever the job is started from.
ENCODER_WEIGHTS_FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data",
                                      "downloads")
# What a run folder from before the pretrained network trained: its config.json lacks these. Its
# encoder fields are the defaults, which the older architecture ignores, so that the same command resumes it.
LEGACY_CONFIG = {"architecture": network.UNET_ARCHITECTURE, "encoder": network.DEFAULT_ENCODER, "encoder_weights": None,
                 "fine_tune_encoder": False, "fine_tune_from_stride": 16, "feature_dropout": 0.0}


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
    # The pretrained network's options: its encoder's stages above the stride fine_tune_from_stride
    # learn too (16: the stride-32 stages, from cached stride-16 features; 8: the stride-16 ones
    # too), and the share of cached feature values dropped in each step.
    fine_tune_encoder: bool = False
    fine_tune_from_stride: int = 16
    feature_dropout: float = 0.0
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
    # The guided network (hints and a palette; model/hints.py): made from --init-from's automatic
    # model, or trained on from a guided one. Training draws hints and palettes from the truth
    # as `hint_simulation` says; with train_guidance_only, only the layers guidance adds learn,
    # so that without hints the model colors exactly as the automatic one it was made from.
    guided: bool = False
    train_guidance_only: bool = True
    hint_simulation: hints.HintSimulation = hints.HintSimulation()

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
        if not 0.0 <= self.feature_dropout < 1.0:
            raise ValueError(f"--feature-dropout is a share of values, from 0 up to 1, not {self.feature_dropout}")
        if self.fine_tune_from_stride != 16 and not self.fine_tune_encoder:
            raise ValueError("--fine-tune-from-stride says where the encoder learns from: add --fine-tune-encoder")
        network.training_strides(self.fine_tune_from_stride)
        if isinstance(self.hint_simulation, dict):
            object.__setattr__(self, "hint_simulation", hints.HintSimulation(**self.hint_simulation))
        simulation = self.hint_simulation
        if not (0.0 <= simulation.none_share <= 1.0 and 0.0 <= simulation.palette_share <= 1.0
                and 0.0 < simulation.geometric_p <= 1.0 and simulation.max_points >= 1 and simulation.max_patch >= 1):
            raise ValueError(f"the hint simulation's shares must be in [0, 1], its geometric p in (0, 1], its "
                             f"counts at least 1: {simulation}")

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


def check_resumable(config, output):
    """Refuse to resume a run whose saved config differs in anything but its limits; returns the saved config."""
    path = os.path.join(output, run_folder.CONFIG_NAME)
    if not os.path.exists(path):
        raise ValueError(f"--resume: {output} holds no {run_folder.CONFIG_NAME}; start a new run without --resume")
    saved = run_folder.read_json(path)
    current = json.loads(config.to_json())
    if current["architecture"] is None:
        current["architecture"] = saved.get("architecture", LEGACY_CONFIG["architecture"])
    changed = sorted(key for key in current if key not in RESUMABLE_CHANGES
                     and saved.get(key, LEGACY_CONFIG.get(key)) != current[key])
    if changed:
        details = ", ".join(f"{key}: {saved.get(key)!r} -> {current[key]!r}" for key in changed)
        raise ValueError(f"--resume with a changed config ({details}); resume with the same flags, "
                         "or start a new run in another --output folder")
    check_backup(output)
    return saved


def check_backup(output):
    """Refuse to resume from a backup that cannot be read when no earlier one can be (Keras falls back to that).

    A kill while the epoch's backup is being written (an out-of-memory kill, say) leaves it
    truncated; Keras then restores the backup before it, which runs keep (callbacks_for asks
    for double_checkpoint), but a run folder from before that keeps none.
    """
    latest = os.path.join(output, run_folder.BACKUP_DIR, run_folder.BACKUP_WEIGHTS_NAME)
    if not os.path.exists(latest) or any(readable_weights(path) for path in (latest, latest + ".bkp")):
        return
    raise ValueError(f"--resume: the backup of {output}'s last epoch ({latest}) is damaged: the run was killed "
                     "while writing it, and no earlier backup is kept; start the run again in a new --output "
                     "folder, or in this one without --resume")


def readable_weights(path):
    """Whether `path` is a weights file (HDF5) that opens."""
    import h5py  # Keras' own dependency for .weights.h5

    try:
        with h5py.File(path, "r"):
            return True
    except OSError:
        return False


def load_parent(config):
    """(model, description) of the model that --init-from names, or None without it."""
    return load_colorizer(config.init_from) if config.init_from else None


def architecture_for(config, parent=None):
    """The architecture a run trains: the parent's with --init-from, the recorded one on --resume, else the flag's.

    A ValueError says why the run cannot train with this config: on --resume, why it cannot
    resume; options of the pretrained network asked of another one.

    `parent`: load_parent(config), when the caller has it already (loading a model takes seconds).
    """
    if config.init_from:
        architecture = (parent or load_parent(config))[0].name
    elif config.resume:
        # Checked here, before any data is read: a run that cannot resume says so at once.
        architecture = check_resumable(config, config.output).get("architecture", LEGACY_CONFIG["architecture"])
    else:
        architecture = config.architecture or network.PRETRAINED_ARCHITECTURE
    if config.guided:
        if architecture not in network.PRETRAINED_ARCHITECTURES:
            raise ValueError(f"--guided makes a guided network from a {network.PRETRAINED_ARCHITECTURE} model or "
                             f"trains a {network.GUIDED_ARCHITECTURE} one, not a {architecture}: pass "
                             "--init-from model/default/model.keras")
        architecture = network.GUIDED_ARCHITECTURE
    if architecture not in network.PRETRAINED_ARCHITECTURES and (config.fine_tune_encoder or config.feature_dropout):
        raise ValueError(f"--fine-tune-encoder and --feature-dropout are options of the pretrained network "
                         f"({network.PRETRAINED_ARCHITECTURE}), not of {architecture}: leave them out")
    return architecture


def encoder_weights_path(config):
    """The pretrained encoder's converted weights: --encoder-weights, or data/fetch_efficientnet.py's file."""
    return config.encoder_weights or os.path.join(ENCODER_WEIGHTS_FOLDER, efficientnet.weights_file_name(config.encoder))


def build_network(config, architecture, num_bins):
    """A new network of `architecture` as the config describes it."""
    if architecture == network.UNET_ARCHITECTURE:
        return network.build_colorizer(num_bins, base_filters=config.base_filters)
    if architecture == network.GUIDED_ARCHITECTURE and not config.init_from:
        raise ValueError("a guided network starts from an automatic one: pass --init-from model/default/model.keras")
    weights = encoder_weights_path(config)
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


def with_simulated_guidance(datasets, simulation, centers, seed=None):
    """Datasets of ((features..., hint map, palette), Lab) from datasets of (features, Lab): hints drawn from the truth.

    The hint map is at the network input's resolution: four times the stride-4 features'.
    `seed`: fixed draws (validation), or new draws at every pass (training).
    """
    def add(features, lab, generator):
        size = tf.shape(features[0])[1] * network.DECODER_STRIDES[0]
        hint_map = hints._simulate_hints(lab, size, simulation, generator)
        palette = hints._simulate_palette(lab, centers, simulation, generator)
        return (*features, hint_map, palette), lab

    result = []
    for index, dataset in enumerate(datasets):
        generator = tf.random.Generator.from_seed(seed + index) if seed is not None \
            else tf.random.Generator.from_non_deterministic_state()
        result.append(dataset.map(lambda features, lab, generator=generator: add(features, lab, generator)))
    return result


def freeze_all_but_guidance(training_network):
    """Only the layers that guidance adds learn: the automatic colors stay exactly those of the parent."""
    trainable = set(network.guidance_layer_names(training_network))
    for name, layer in network.weighted_layers(training_network).items():
        layer.trainable = name in trainable
    return sorted(trainable)


def describe(architecture, centers, weights, decoding, recorded):
    """model.json: what colorize needs to use the model, and how it was trained."""
    geometry = network.geometry_of(architecture)
    return {
        "architecture": architecture,
        **dataclasses.asdict(geometry),
        "ab_bin_centers": centers.tolist(),
        "rebalancing_weights": weights.tolist(),
        **decoding,
        "train_config": recorded,
    }


def train(config, train_datasets, validation_datasets, parent=None):
    """Fit the colorizer; writes model.keras, model.json, config.json and history.json to config.output.

    Args:
        train_datasets: one dataset of (input, Lab) batches per data folder: repeating for the
            older network; one pass of fixed crops for the pretrained one (its features are cached).
        validation_datasets: one finite dataset per data folder.
        parent: load_parent(config), when the caller has it already.
    Returns:
        The Keras History of this call.
    """
    if config.resume:
        os.makedirs(config.output, exist_ok=True)
    else:
        # A new run in a used folder must neither restore the old run's backup nor append to its history.
        run_folder.start_afresh(config.output)
    keras.utils.set_random_seed(config.seed)
    if config.init_from and parent is None:
        parent = load_parent(config)
    centers = bins.bin_centers()
    architecture = architecture_for(config, parent)
    recorded = {**dataclasses.asdict(config), "architecture": architecture}
    decoding = {"default_temperature": DEFAULT_TEMPERATURE}
    if config.resume:
        # The record keeps the model a resumed fine-tune first started from.
        recorded["init_from"] = check_resumable(config, config.output).get("init_from")
        started = run_folder.started_description(config.output)
        weights = np.asarray(started["rebalancing_weights"], dtype=np.float32)
        decoding.update({key: started[key] for key in DECODING_KEYS if key in started})
    else:
        counts = count_bins(validation_datasets, centers, network.geometry_of(architecture).output_stride)
        weights = bins.rebalancing_weights(counts, config.rebalance_mix, config.rebalance_power)
    if parent is not None:
        model, parent_description = parent
        if config.guided and model.name == network.PRETRAINED_ARCHITECTURE:
            model = network.guided_from(model)
            logger.info(f"made a guided network from {config.init_from}: its hint and palette inputs start at zero")
        # The parent's decoding defaults were chosen on its validation data; its children keep them
        # (the prior correction then undoes part of the child's own rebalancing) until retuned.
        inherited = {key: parent_description[key] for key in DECODING_KEYS if key in parent_description}
        decoding.update(inherited)
        if config.guided and config.train_guidance_only and "rebalancing_weights" in parent_description \
                and not config.resume:
            # Only the guidance learns: the colors without hints stay the parent's, decoded with its
            # prior correction, which its own rebalancing weights define.
            weights = np.asarray(parent_description["rebalancing_weights"], dtype=np.float32)
        settings = ", ".join(f"{key} {value:g}" for key, value in inherited.items())
        logger.info(f"fine-tuning {config.init_from}" + (f" (decoding defaults kept: {settings})" if settings else ""))
    else:
        model = build_network(config, architecture, len(centers))
    with open(os.path.join(config.output, run_folder.CONFIG_NAME), "w") as file:
        json.dump(recorded, file, indent=2, sort_keys=True)
    description = describe(architecture, centers, weights, decoding, recorded)
    run_folder.write_json(os.path.join(config.output, run_folder.RUN_DESCRIPTION_NAME), description)

    full_model = model
    if architecture in network.PRETRAINED_ARCHITECTURES:
        # The frozen encoder's features are computed once; the decoder (and with --fine-tune-encoder
        # the encoder's stages above --fine-tune-from-stride) trains on them.
        fine_tune_from = config.fine_tune_from_stride if config.fine_tune_encoder else None
        features_model = network.frozen_part(full_model, fine_tune_from)
        model = network.build_training_network(full_model, fine_tune_from, config.feature_dropout)
        train_datasets = frozen_features(train_datasets, features_model,
                                         run_folder.feature_cache(config.output, config.resume), config.seed)
        validation_datasets = frozen_features(validation_datasets, features_model)
        if architecture == network.GUIDED_ARCHITECTURE:
            train_datasets = [dataset.prefetch(tf.data.AUTOTUNE) for dataset in
                              with_simulated_guidance(train_datasets, config.hint_simulation, centers)]
            # The same hints at every epoch's validation: a fixed draw, kept.
            validation_datasets = [dataset.cache() for dataset in with_simulated_guidance(
                validation_datasets, config.hint_simulation, centers, seed=config.seed)]
            if config.train_guidance_only:
                learning = freeze_all_but_guidance(model)
                logger.info(f"training the {len(learning)} layers guidance adds; the automatic ones stay fixed")

    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss=losses.RebalancedCrossEntropy(weights),
        metrics=[losses.DecodedRgbMse(DEFAULT_TEMPERATURE)],
        # XLA makes the encoder top's training step 4 times slower on a CPU (2.05 s against 0.51 s for
        # 8 crops of 192 pixels, measured here), the decoder's alone 20% faster.
        jit_compile=config.jit_compile and not config.fine_tune_encoder)
    # Built here, not by the first step: Keras' TensorFlow backend would trace the training step
    # twice, the first time to create these variables (3 s for the older network, 10 s for the
    # encoder top's, measured here). A resumed run's BackupAndRestore builds them so as well.
    model.optimizer.build(model.trainable_variables)

    weights_per_dataset = config.data_weights or [1.0] * len(train_datasets)
    total = float(sum(weights_per_dataset))
    training = tf.data.Dataset.sample_from_datasets(
        train_datasets, weights=[weight / total for weight in weights_per_dataset], seed=config.seed)
    # A progress bar for a person at a terminal; our one line per epoch in a log file.
    verbose = 1 if sys.stdout.isatty() else 0
    best_so_far = run_folder.best_validation_loss(config.output) if config.resume else None
    epoch_callbacks = callbacks.EpochFigures(
        callbacks.callbacks_for(config, best_so_far), validation_datasets, callbacks.folder_names(config.data),
        model, epochs=config.epochs, steps=config.steps_per_epoch, verbose=verbose)
    history = model.fit(training, epochs=config.epochs, steps_per_epoch=config.steps_per_epoch,
                        callbacks=epoch_callbacks, verbose=verbose, shuffle=False)  # the datasets shuffle
    run_folder.export(config.output, description, full_model if full_model is not model else None)
    return history
