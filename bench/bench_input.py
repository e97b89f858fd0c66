"""Throughput of the tf.data input pipeline alone, to compare with the training step's rate.

    python bench/bench_input.py --data runs/cifar10-shards --data runs/photo-shards

Reads training batches exactly as colorize-train does (shuffled, augmented, Lab targets)
and prints images/s and pixels/s per shard folder; training must never wait on these.
Beside each, in the same run, the rate of a plain loop over the same shards that only
reads and decodes their PNGs, in batches of the same size: the ratio is what shuffling,
augmenting, caching and the Lab conversion cost or save on top of decoding.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.io import console

console.configure_logging(verbose=False, tensorflow=False)  # TensorFlow loads once the flags are parsed, in main

from pipeline.prepare import schema

BATCHES = 400  # after a first one; enough for a few seconds at the smallest batches


def images_per_second(batches):
    """(images/s, megapixels/s) over BATCHES batches of (images, ...) from an iterator, after a first one."""
    next(batches)  # The first batch pays for start-up and, for cached data, the first pass.
    started = time.perf_counter()
    images = pixels = 0
    for _ in range(BATCHES):
        inputs = next(batches)[0]
        images += int(inputs.shape[0])
        pixels += int(inputs.shape[0] * inputs.shape[1] * inputs.shape[2])
    seconds = time.perf_counter() - started
    return images / seconds, pixels / seconds / 1e6


def decoded_batches(folder, batch_size):
    """The baseline: the training shards' RGB PNGs decoded and batched, nothing else, repeated."""
    import tensorflow as tf

    from pipeline.train import dataset

    records = tf.data.TFRecordDataset(dataset.find_shards(folder, "train"), compression_type=schema.COMPRESSION)
    images = records.map(lambda record: schema.parse_example(record)["rgb"], num_parallel_calls=tf.data.AUTOTUNE)
    return iter(images.repeat().batch(batch_size).map(lambda batch: (batch,)).prefetch(tf.data.AUTOTUNE))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", action="append", required=True)
    args = parser.parse_args()
    console.load_tensorflow_quietly()
    from model import network, train
    from pipeline.train import job as training

    config = train.TrainConfig(data=tuple(args.data), output="unused")
    train_sets, _ = training.datasets_for(config, network.geometry_of(train.architecture_for(config)))
    for folder, train_set in zip(args.data, train_sets):
        batches = iter(train_set)
        batch_size = int(train_set.element_spec[0].shape[0])
        rate, megapixels = images_per_second(batches)
        decode_rate, decode_megapixels = images_per_second(decoded_batches(folder, batch_size))
        print(f"{folder}: {rate:,.0f} images/s, {megapixels:.2f} megapixels/s ({BATCHES} batches of {batch_size}); "
              f"{rate / decode_rate:.2f}x the decode-only loop's {decode_rate:,.0f} images/s "
              f"({decode_megapixels:.2f} megapixels/s)")


if __name__ == "__main__":
    main()
