"""Glue of the training job: shard folders -> tf.data datasets -> `model.train.train`."""

from model.train import TrainConfig, batch_size_for, train  # noqa: F401  (TrainConfig is re-exported)
from pipeline import dataset


def datasets_for(config):
    """One repeating training dataset and one finite validation dataset per shard folder."""
    train_sets, validation_sets = [], []
    for folder in config.data:
        train_files = dataset.find_shards(folder, "train")
        validation_files = dataset.find_shards(folder, "validation")
        image_size = dataset.read_manifest(folder)["image_size"]
        if image_size % 8:
            raise ValueError(f"{folder} holds {image_size}x{image_size} images; the network needs sides "
                             "that are multiples of 8: re-run colorize-prepare with such a --size")
        batch_size = batch_size_for(image_size, config.batch_pixels)
        train_sets.append(dataset.make_dataset(train_files, batch_size, training=True, seed=config.seed,
                                               cache=image_size <= 64))
        validation_batches = max(1, config.validation_images // batch_size)
        validation_sets.append(dataset.make_dataset(validation_files, batch_size, training=False)
                               .take(validation_batches).cache())
    return train_sets, validation_sets


def run_training(config):
    """Build the datasets and train; returns the Keras History."""
    train_sets, validation_sets = datasets_for(config)
    return train(config, train_sets, validation_sets)
