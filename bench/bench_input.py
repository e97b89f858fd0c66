"""Throughput of the tf.data input pipeline alone, to compare with the training step's rate.

    python bench/bench_input.py --data runs/cifar10-shards --data runs/photo-shards

Reads training batches exactly as colorize-train does (shuffled, augmented, Lab targets)
and prints images/s and pixels/s per shard folder; training must never wait on these.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline import console

console.configure_logging(verbose=False)

from model import network, train
from pipeline import training

BATCHES = 150


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", action="append", required=True)
    args = parser.parse_args()
    config = train.TrainConfig(data=tuple(args.data), output="unused")
    train_sets, _ = training.datasets_for(config, network.geometry_of(train.architecture_for(config)))
    for folder, dataset in zip(args.data, train_sets):
        iterator = iter(dataset)
        next(iterator)  # The first batch pays for start-up and, for cached data, the first pass.
        started = time.perf_counter()
        images = pixels = 0
        for _ in range(BATCHES):
            inputs, _ = next(iterator)
            images += int(inputs.shape[0])
            pixels += int(inputs.shape[0] * inputs.shape[1] * inputs.shape[2])
        seconds = time.perf_counter() - started
        print(f"{folder}: {images / seconds:,.0f} images/s, {pixels / seconds / 1e6:.2f} megapixels/s "
              f"({BATCHES} batches)")


if __name__ == "__main__":
    main()
