"""The CPU cost of EfficientNet-Lite0/1/2's features (model/efficientnet.py), as ratios against Lite0 in the same run.

    python bench/bench_encoder.py                 # all three variants, 5 rounds
    python bench/bench_encoder.py --rounds 9

For each variant: images per second of build_encoder's features (strides 2 to 32) at 224x224
in batches of 16 and at 512x512 one at a time, in this one process with TensorFlow's default
threads, of wall time and per CPU-second of the process (the steadier figure on a shared
machine); the encoder's weights (parameters and BatchNorm statistics) and their float32 size;
the whole classifier's; and
the converted weight file's size where data/fetch_efficientnet.py has made it. The variants take
turns within each round, so that a load that comes and goes on the machine touches them alike;
each figure is the median over the rounds. The weights do not change the cost, so random ones do.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

SETTINGS = ((224, 16), (512, 1))  # (side in pixels, batch size)
BATCHES_PER_ROUND = {224: 3, 512: 6}  # timed calls per round, about a second or two each on two cores
WEIGHTS_FOLDER = "data/downloads"


def speed(encoder, side, batch):
    """(images per second, images per CPU-second of this process) over a few batches."""
    images = np.random.default_rng(0).uniform(0, 255, size=(batch, side, side, 3)).astype(np.float32)
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(BATCHES_PER_ROUND[side]):
        encoder.predict_on_batch(images)
    count = BATCHES_PER_ROUND[side] * batch
    return count / (time.perf_counter() - start), count / (time.process_time() - start_cpu)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", nargs="+", default=None)  # default: all of efficientnet.VARIANTS
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    # Imported once the flags are parsed: TensorFlow's import would make --help take seconds.
    from model import efficientnet

    variants = args.variants or list(efficientnet.VARIANTS)
    encoders = {variant: efficientnet.build_encoder(variant) for variant in variants}
    for encoder in encoders.values():  # the first call traces and compiles
        for side, batch in SETTINGS:
            encoder.predict_on_batch(np.zeros((batch, side, side, 3), np.float32))
    speeds = {(variant, side): [] for variant in variants for side, _ in SETTINGS}
    for _ in range(args.rounds):
        for variant, encoder in encoders.items():
            for side, batch in SETTINGS:
                speeds[variant, side].append(speed(encoder, side, batch))
    baseline = variants[0]
    print(f"median of {args.rounds} rounds; ratios against {baseline}; image/s of wall time, and per CPU-second")
    print("variant  224px b16: img/s ratio  img/CPU-s ratio   512px b1: img/s ratio  img/CPU-s ratio   "
          "encoder weights  float32 MB  classifier weights  file MB")
    for variant, encoder in encoders.items():
        row = [variant]
        for side, _ in SETTINGS:
            median = np.median(speeds[variant, side], axis=0)
            base = np.median(speeds[baseline, side], axis=0)
            row += [f"{median[0]:17.2f} {median[0] / base[0]:5.2f}  {median[1]:9.2f} {median[1] / base[1]:5.2f}"]
        parameters = encoder.count_params()
        classifier_parameters = efficientnet.build_classifier(variant).count_params()
        path = os.path.join(WEIGHTS_FOLDER, efficientnet.weights_file_name(variant))
        file_size = f"{os.path.getsize(path) / 1e6:.1f}" if os.path.exists(path) else "(not fetched)"
        row += [f"{parameters:14,d}", f"{parameters * 4 / 1e6:10.1f}", f"{classifier_parameters:17,d}", file_size]
        print("  ".join(row))


if __name__ == "__main__":
    main()
