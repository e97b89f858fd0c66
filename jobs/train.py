"""Train the colorization network on shards written by colorize-prepare.

    colorize-train --data runs/cifar10-shards --output runs/my-model --time-budget 30
    colorize-train --data runs/my-shards --init-from model/default/model.keras \\
        --output runs/my-finetuned --time-budget 20     # fine-tune the shipped model

Writes model.keras (the best epoch), model.json (what colorize needs to use it),
config.json, history.json/.csv, TensorBoard logs and a checkpoint every epoch; after a
kill, run the same command with --resume to continue.
"""

from jobs import common
from pipeline.io import console


def train_flags():
    """TrainConfig's flags, by field (model/train.py's dataclass holds the defaults; see jobs/common.py)."""
    from model import efficientnet, network, train

    return {
        "data": {"repeat": True, "help": "A shard folder from colorize-prepare; repeat to train on several (e.g. "
                                         "CIFAR-10 and photo crops)."},
        "data_weights": {"parse": common.comma_separated_floats,
                         "help": "Comma-separated share of batches from each --data folder (default: equal)."},
        "output": {"help": "Folder for the model, checkpoints and logs."},
        "time_budget": {"help": "Minutes; training stops before the next epoch would end past it, keeping the best "
                                "model."},
        "epochs": {"help": "Upper bound on epochs (default %(default)s)."},
        "steps_per_epoch": {"help": "Batches per epoch (default %(default)s)."},
        "batch_pixels": {"help": "Pixels per batch (default %(default)s: 128 images of 32x32 or 8 of 128x128)."},
        "validation_images": {"help": "Validation images per --data folder (default %(default)s)."},
        "learning_rate": {"help": "Initial Adam learning rate (default %(default)s)."},
        "schedule": {"choices": train.SCHEDULES,
                     "help": "Learning rate: 'cosine' decays it to 1%% by the end of --time-budget (or of --epochs); "
                             "'plateau' halves it when the validation loss stalls (default %(default)s)."},
        "architecture": {"choices": (network.PRETRAINED_ARCHITECTURE, network.UNET_ARCHITECTURE),
                         "help": f"'{network.PRETRAINED_ARCHITECTURE}' (default for a new run): a decoder on a frozen "
                                 "ImageNet-pretrained EfficientNet-Lite encoder; "
                                 f"'{network.UNET_ARCHITECTURE}': the older network, from scratch. A resumed run keeps "
                                 "its own, a fine-tune its parent's."},
        "encoder": {"choices": tuple(efficientnet.VARIANTS),
                    "help": "EfficientNet-Lite variant of the pretrained network (default %(default)s)."},
        "encoder_weights": {"help": "Its converted ImageNet weights (default: "
                                    "data/downloads/efficientnet-VARIANT.weights.npz, written by "
                                    "data/fetch_efficientnet.py)."},
        "fine_tune_encoder": {"help": "The pretrained encoder's stride-32 stages learn too (its lower stages stay "
                                      "frozen and their features cached); a step costs about twice the decoder's "
                                      "alone."},
        "fine_tune_from_stride": {"choices": (16, 8),
                                  "help": "With --fine-tune-encoder: the encoder learns above its features at this "
                                          "stride, 16 (its stride-32 stages, the default) or 8 (its stride-16 "
                                          "stages too)."},
        "feature_dropout": {"help": "Share of the cached encoder features dropped in each training step, against a "
                                    "decoder learning a few photos by heart (default %(default)s)."},
        "base_filters": {"help": "Filters of the older network's first layer (default %(default)s)."},
        "rebalance_power": {"help": "0 = plain likelihood, 1 = Zhang et al.'s full rebalancing toward rare colors "
                                    "(default %(default)s)."},
        "guided": {"help": "Train the guided network, which takes color hints and a reference photo's palette: made "
                           "from --init-from's automatic model (its new inputs start at zero), or trained on."},
        "train_guidance_only": {"flag": "--train-all-layers", "negate": True,
                                "help": "With --guided: the automatic layers learn too (by default only what "
                                        "guidance adds learns, so that without hints the colors stay exactly the "
                                        "parent's)."},
        "hint_simulation.none_share": {"flag": "--no-hint-share",
                                       "help": "With --guided: share of training crops given no hints (default "
                                               "%(default)s)."},
        "hint_simulation.palette_share": {"help": "With --guided: share of training crops given a palette (default "
                                                  "%(default)s)."},
        "init_from": {"help": "A model.keras to fine-tune, e.g. the shipped default model."},
        "resume": {"help": "Continue the killed run in --output from its last epoch."},
        "seed": {"help": "Random seed (default %(default)s)."},
        "jit_compile": {"flag": "--no-jit", "negate": True, "help": "Do not XLA-compile the training step."},
    }


def parse_args(argv):
    console.load_tensorflow_quietly()  # TrainConfig's module imports it: loaded first, without its start-up lines
    from model.train import TrainConfig

    parser = common.make_parser("colorize-train", __doc__)
    common.add_config_flags(parser, TrainConfig, train_flags())
    common.add_verbose_flag(parser, "TensorFlow's")
    return common.parse_flags(parser, argv)


def main(argv=None):
    _, args = common.start(parse_args, argv)
    from model.train import TrainConfig
    from pipeline.train import job as training

    with common.user_errors(after_interrupt="the run folder keeps the last finished epoch; run the same command "
                                            "with --resume to go on from it"):
        training.run_training(common.config_from_flags(TrainConfig, args))


if __name__ == "__main__":
    main()
