"""Train the seed notebook's CNN and our model with the same data and CPU time; compare them.

    python bench/bench_baseline.py --shards runs/cifar10-shards --minutes 10
    python bench/bench_baseline.py --minutes 1 --test-images 1000   # a quick check

Both train on the CIFAR-10 training shards for the same wall-clock budget in this run and
are evaluated on the test images (all 10,000 by default); prints MSE (RGB in [0, 1], all
pixels), PSNR, colorfulness, SSIM and training images/s of each, beside the grayscale copy,
and ours as ratios to the seed's. `--architecture lab-unet-classifier` trains the older
network from scratch, as the seed trains (the default, the pretrained encoder's network,
starts from ImageNet weights: run data/fetch_efficientnet.py first). Needs the shards from
`colorize-prepare --source cifar10:... --output runs/cifar10-shards`.
"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.io import console

console.configure_logging(verbose=False)

import keras
import numpy as np
import tensorflow as tf

from model import baseline, callbacks, inference, network, train
from pipeline.evaluate import job as evaluate
from pipeline.prepare import schema
from pipeline.train import dataset, job as training

SEED_BATCH = 32  # the notebook's batch size


def seed_dataset(files, training_mode):
    """(gray in [0, 1], RGB in [0, 1]) batches for the seed network, as the notebook fed it."""
    records = tf.data.TFRecordDataset(files, compression_type=schema.COMPRESSION)
    parsed = records.map(schema.parse_example, num_parallel_calls=tf.data.AUTOTUNE)
    pairs = parsed.map(lambda example: (tf.cast(example["gray"], tf.float32) / 255.0,
                                        tf.cast(example["rgb"], tf.float32) / 255.0))
    if training_mode:
        pairs = pairs.cache().repeat().shuffle(4096)
    return pairs.batch(SEED_BATCH).prefetch(tf.data.AUTOTUNE)


def train_seed(shards, minutes):
    model = baseline.build_seed_baseline()
    model.compile(optimizer=keras.optimizers.Adam(), loss="mse", jit_compile=True)
    steps = 200
    run_clock = callbacks.RunClock(None)
    started = time.perf_counter()
    history = model.fit(seed_dataset(dataset.find_shards(shards, "train"), True), epochs=10_000,
                        steps_per_epoch=steps, callbacks=[run_clock, callbacks.TimeBudget(minutes, run_clock)],
                        verbose=0)
    seconds = time.perf_counter() - started
    return model, len(history.history["loss"]) * steps * SEED_BATCH / seconds


def evaluate_seed(model, shards, limit):
    accumulator = evaluate.Accumulator()
    for rgb, labels, _ in evaluate.shard_batches(shards, "test", 500, limit):
        gray = np.asarray([[0.299, 0.587, 0.114]]) @ rgb.reshape(-1, 3).T.astype(np.float64)
        gray = np.round(gray).reshape(rgb.shape[:3] + (1,)) / 255.0
        predicted = model.predict(gray.astype(np.float32), verbose=0)
        accumulator.add(np.clip(np.round(predicted * 255.0), 0, 255).astype(np.uint8), rgb, labels)
    return accumulator.summary()


def train_ours(shards, minutes, output, architecture):
    config = train.TrainConfig(data=(shards,), output=output, time_budget=minutes, architecture=architecture)
    train_sets, validation_sets = training.datasets_for(config, network.geometry_of(train.architecture_for(config)))
    started = time.perf_counter()
    history = train.train(config, train_sets, validation_sets)
    seconds = time.perf_counter() - started
    batch = train.batch_size_for(32, config.batch_pixels)
    return len(history.history["loss"]) * config.steps_per_epoch * batch / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shards", default="runs/cifar10-shards")
    parser.add_argument("--minutes", type=float, default=10.0, help="Training budget of each model.")
    parser.add_argument("--test-images", type=int, default=None, help="Evaluate on the first N test images "
                                                                      "(default: all).")
    parser.add_argument("--architecture", default=None,
                        choices=[network.PRETRAINED_ARCHITECTURE, network.UNET_ARCHITECTURE],
                        help="Our network (default: colorize-train's default, the pretrained encoder's).")
    args = parser.parse_args()
    seed_model, seed_rate = train_seed(args.shards, args.minutes)
    seed = evaluate_seed(seed_model, args.shards, args.test_images)
    with tempfile.TemporaryDirectory(prefix="bench-ours-") as output:
        our_rate = train_ours(args.shards, args.minutes, output, args.architecture)
        config = evaluate.EvaluateConfig(data=args.shards, model=output, output=os.path.join(output, "eval"),
                                         limit=args.test_images)
        colorizer = inference.load(os.path.join(output, "model.keras"))
        report = evaluate.run_evaluate(config, lambda temperature, saturation: colorizer)
    ours = next(iter(report["methods"].values()))
    rows = [("grayscale copy", report["grayscale_copy"], None), ("seed baseline", seed, seed_rate),
            (f"ours (T={colorizer.temperature:g})", ours, our_rate)]
    print(f"\nsame data, {args.minutes:g} min of training each, CIFAR-10 test ({ours['images']:,} images)")
    print(f"{'method':<18}{'MSE':>9}{'PSNR':>8}{'colorful':>10}{'SSIM':>7}{'train img/s':>13}")
    for name, values, rate in rows:
        print(f"{name:<18}{values['mse']:>9.5f}{values['psnr']:>8.2f}{values['colorfulness']:>10.1f}"
              f"{values['ssim']:>7.3f}{(f'{rate:,.0f}' if rate else '-'):>13}")
    print(f"{'ground truth':<18}{'':>9}{'':>8}{ours['colorfulness_truth']:>10.1f}")
    print(f"ours against the seed: {ours['mse'] / seed['mse']:.3f}x its MSE, "
          f"{ours['colorfulness'] / seed['colorfulness']:.2f}x its colorfulness, "
          f"{our_rate / seed_rate:.2f}x its training images/s")


if __name__ == "__main__":
    main()
