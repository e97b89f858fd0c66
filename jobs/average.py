"""Average the weights of several fine-tunes of one model into a new model ("model soup").

    colorize-average --model runs/step-a/model.keras --model runs/step-b/model.keras --output runs/soup

The models must be the same network (fine-tunes of one model, as colorize-train --init-from
makes them). Writes OUTPUT/model.keras and OUTPUT/model.json (the last model's description,
with the paths averaged); tune the decoding again on validation photos before using it
(bench/tune_decoding.py --colorfulness). Never replaces an existing model.
"""

from jobs import common


def parse_args(argv):
    parser = common.make_parser("colorize-average", __doc__)
    parser.add_argument("--model", action="append", required=True,
                        help="A model.keras from colorize-train; repeat for each model to average (two or more).")
    parser.add_argument("--output", required=True, help="A new folder for the averaged model.keras and model.json.")
    common.add_verbose_flag(parser, "TensorFlow's")
    return common.parse_flags(parser, argv)


def main(argv=None):
    _, args = common.start(parse_args, argv)
    from model import averaging

    with common.user_errors(after_interrupt="no model was written; run the same command again"):
        path = averaging.write_average([common.model_path(model) for model in args.model], args.output)
    print(f"wrote {path}, the mean of {len(args.model)} models; tune its decoding before use "
          "(bench/tune_decoding.py --colorfulness 0.65)")


if __name__ == "__main__":
    main()
