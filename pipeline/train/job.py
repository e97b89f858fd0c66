"""Glue of the training job: shard folders -> tf.data datasets -> `model.train.train`."""

from model import network
from model.train import architecture_for, batch_size_for, load_parent, train
from pipeline.prepare import schema
from pipeline.train import dataset


def datasets_for(config, geometry):
    """One repeating training dataset and one finite validation dataset per shard folder.

    `geometry`: the network's; thumbnails smaller than its smallest side are enlarged to it.
    """
    # The pretrained network's encoder is frozen: one pass of fixed crops, whose features
    # model.train computes once and caches, repeated; the older network sees fresh crops.
    single_pass = geometry.smallest_side > 0
    train_sets, validation_sets = [], []
    for folder in config.data:
        train_files = dataset.find_shards(folder, "train")
        validation_files = dataset.find_shards(folder, "validation")
        image_size = schema.read_manifest(folder)["image_size"]
        input_size = max(image_size, geometry.smallest_side)
        if input_size % geometry.downsampling:
            raise ValueError(f"{folder} holds {image_size}x{image_size} images; the network needs sides "
                             f"that are multiples of {geometry.downsampling}: re-run colorize-prepare with "
                             "such a --size")
        if image_size * geometry.output_stride < input_size:
            raise ValueError(f"{folder} holds {image_size}x{image_size} images, too small for this network, which "
                             f"predicts colors at {input_size // geometry.output_stride} pixels: re-run "
                             f"colorize-prepare with --size {input_size // geometry.output_stride} or more")
        batch_size = batch_size_for(input_size, config.batch_pixels)
        train_sets.append(dataset.make_dataset(train_files, batch_size, training=True, seed=config.seed,
                                               repeat=not single_pass, cache=image_size <= 64 and not single_pass,
                                               input_size=input_size, image_size=image_size))
        validation_batches = max(1, config.validation_images // batch_size)
        validation_sets.append(dataset.make_dataset(validation_files, batch_size, training=False,
                                                    input_size=input_size, image_size=image_size)
                               .take(validation_batches).cache())
    return train_sets, validation_sets


def run_training(config):
    """Build the datasets and train; returns the Keras History."""
    parent = load_parent(config)  # once: the datasets depend on its architecture, and training starts from it
    train_sets, validation_sets = datasets_for(config, network.geometry_of(architecture_for(config, parent)))
    return train(config, train_sets, validation_sets, parent)
