"""Average the weights of several fine-tunes of one model (a "model soup", Wortsman et al. 2022).

Fine-tunes that start from the same model stay close enough in weight space that their
mean is a model too, often better on new photos than any one of them: each fine-tune here
peaks within a few epochs on its new photos and then learns them by heart, and the mean
keeps what they share. The averaged model is described by the last model's model.json
(its rebalancing weights and decoding defaults, which want tuning again), with the paths
it was averaged from.
"""

import os

import numpy as np

from model import inference, run_folder


def average_models(paths):
    """(model, description): the mean of the models' weights, described as the last of them."""
    if len(paths) < 2:
        raise ValueError(f"averaging needs two models or more, got {len(paths)}; pass --model once per model")
    loaded = [inference.load_colorizer(path) for path in paths]
    first = loaded[0][0]
    shapes = [tuple(weight.shape) for weight in first.weights]
    for path, (model, _) in zip(paths[1:], loaded[1:]):
        if model.name != first.name or [tuple(weight.shape) for weight in model.weights] != shapes:
            raise ValueError(f"{path} is not the same network as {paths[0]} ({model.name!r} against "
                             f"{first.name!r}, or other layer shapes); only fine-tunes of one model can be averaged")
    weights = [model.get_weights() for model, _ in loaded]
    first.set_weights([np.mean(np.stack(values), axis=0).astype(values[0].dtype) for values in zip(*weights)])
    description = {**loaded[-1][1], "averaged_from": [str(path) for path in paths]}
    return first, description


def write_average(paths, output):
    """Average the models at `paths` into OUTPUT/model.keras and model.json; returns the model's path.

    Refuses an output folder that already holds a model, and writes through temporary names,
    so that a kill never leaves half a model.
    """
    model_path = os.path.join(output, run_folder.MODEL_NAME)
    if os.path.exists(model_path):
        raise ValueError(f"{model_path} exists; choose a new --output folder (averaging never replaces a model)")
    model, description = average_models(paths)
    os.makedirs(output, exist_ok=True)
    run_folder.write_json(os.path.join(output, inference.MODEL_CONFIG_NAME), description)
    run_folder.save_model(model, model_path)  # the model last: a folder with one is finished
    return model_path
