"""Train the colorization network on shards written by colorize-prepare.

    colorize-train --data runs/cifar10-shards --output runs/my-model --time-budget 30
    colorize-train --data runs/my-shards --init-from model/default/model.keras \\
        --output runs/my-finetuned --time-budget 20     # fine-tune the shipped model

Writes model.keras (the best epoch), model.json (what colorize needs to use it),
config.json, history.json/.csv, TensorBoard logs and a checkpoint every epoch; after a
kill, run the same command with --resume to continue.
"""

import argparse

from jobs import common


def comma_separated_floats(text):
    """"0.6,0.4" -> (0.6, 0.4), for argparse."""
    return tuple(float(value) for value in text.split(","))


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="colorize-train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, action="append",
                        help="A shard folder from colorize-prepare; repeat to train on several (e.g. CIFAR-10 and photo crops).")
    parser.add_argument("--data-weights", type=comma_separated_floats, default=None,
                        help="Comma-separated share of batches from each --data folder (default: equal).")
    parser.add_argument("--output", required=True, help="Folder for the model, checkpoints and logs.")
    parser.add_argument("--time-budget", type=float, default=None,
                        help="Minutes; training stops before the next epoch would end past it, keeping the best model.")
    parser.add_argument("--epochs", type=int, default=1000, help="Upper bound on epochs (default 1000).")
    parser.add_argument("--steps-per-epoch", type=int, default=300, help="Batches per epoch (default 300).")
    parser.add_argument("--batch-pixels", type=int, default=131_072,
                        help="Pixels per batch (default 131072: 128 images of 32x32 or 8 of 128x128).")
    parser.add_argument("--validation-images", type=int, default=2048,
                        help="Validation images per --data folder (default 2048).")
    parser.add_argument("--learning-rate", type=float, default=2e-3, help="Initial Adam learning rate (default 0.002).")
    parser.add_argument("--schedule", choices=("cosine", "plateau"), default="cosine",
                        help="Learning rate: 'cosine' decays it to 1%% by the end of --time-budget (or of --epochs); "
                             "'plateau' halves it when the validation loss stalls (default cosine).")
    parser.add_argument("--architecture", choices=("lab-effnet-classifier", "lab-unet-classifier"), default=None,
                        help="'lab-effnet-classifier' (default for a new run): a decoder on a frozen ImageNet-pretrained "
                             "EfficientNet-Lite encoder; 'lab-unet-classifier': the older network, from scratch. "
                             "A resumed run keeps its own, a fine-tune its parent's.")
    parser.add_argument("--encoder", choices=("lite0", "lite1", "lite2"), default="lite0",
                        help="EfficientNet-Lite variant of the pretrained network (default lite0).")
    parser.add_argument("--encoder-weights", default=None,
                        help="Its converted ImageNet weights (default: data/downloads/efficientnet-VARIANT.weights.npz, "
                             "written by data/fetch_efficientnet.py).")
    parser.add_argument("--fine-tune-encoder", action="store_true",
                        help="The pretrained encoder's stride-32 stages learn too (its lower stages stay frozen and "
                             "their features cached); a step costs about twice the decoder's alone.")
    parser.add_argument("--fine-tune-from-stride", type=int, choices=(16, 8), default=16,
                        help="With --fine-tune-encoder: the encoder learns above its features at this stride, "
                             "16 (its stride-32 stages, the default) or 8 (its stride-16 stages too).")
    parser.add_argument("--feature-dropout", type=float, default=0.0,
                        help="Share of the cached encoder features dropped in each training step, against a "
                             "decoder learning a few photos by heart (default 0).")
    parser.add_argument("--base-filters", type=int, default=16,
                        help="Filters of the older network's first layer (default 16).")
    parser.add_argument("--rebalance-power", type=float, default=0.5,
                        help="0 = plain likelihood, 1 = Zhang et al.'s full rebalancing toward rare colors (default 0.5).")
    parser.add_argument("--guided", action="store_true",
                        help="Train the guided network, which takes color hints and a reference photo's palette: made "
                             "from --init-from's automatic model (its new inputs start at zero), or trained on.")
    parser.add_argument("--train-all-layers", action="store_true",
                        help="With --guided: the automatic layers learn too (by default only what guidance adds "
                             "learns, so that without hints the colors stay exactly the parent's).")
    parser.add_argument("--no-hint-share", type=float, default=0.3,
                        help="With --guided: share of training crops given no hints (default 0.3).")
    parser.add_argument("--palette-share", type=float, default=0.4,
                        help="With --guided: share of training crops given a palette (default 0.4).")
    parser.add_argument("--init-from", default=None, help="A model.keras to fine-tune, e.g. the shipped default model.")
    parser.add_argument("--resume", action="store_true", help="Continue the killed run in --output from its last epoch.")
    parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
    parser.add_argument("--no-jit", action="store_true", help="Do not XLA-compile the training step.")
    common.add_verbose_flag(parser, "TensorFlow's")
    return parser.parse_args(argv)


def main(argv=None):
    _, args = common.start(parse_args, argv)
    # Imported after logging is set up: TensorFlow logs at import time.
    from model.hints import HintSimulation
    from model.train import TrainConfig
    from pipeline.train import job as training

    with common.user_errors(after_interrupt="the run folder keeps the last finished epoch; run the same command "
                                            "with --resume to go on from it"):
        config = TrainConfig(
            data=tuple(args.data), data_weights=args.data_weights, output=args.output, time_budget=args.time_budget,
            epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, batch_pixels=args.batch_pixels,
            validation_images=args.validation_images, learning_rate=args.learning_rate, schedule=args.schedule,
            architecture=args.architecture, encoder=args.encoder, encoder_weights=args.encoder_weights,
            fine_tune_encoder=args.fine_tune_encoder, fine_tune_from_stride=args.fine_tune_from_stride,
            feature_dropout=args.feature_dropout,
            base_filters=args.base_filters, rebalance_power=args.rebalance_power, init_from=args.init_from,
            resume=args.resume, seed=args.seed, jit_compile=not args.no_jit, guided=args.guided,
            train_guidance_only=not args.train_all_layers,
            hint_simulation=HintSimulation(none_share=args.no_hint_share, palette_share=args.palette_share))
        training.run_training(config)


if __name__ == "__main__":
    main()
