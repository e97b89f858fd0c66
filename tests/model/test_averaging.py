"""model/averaging.py: the mean of fine-tunes' weights, and what it refuses."""

import json

import keras
import numpy as np
import pytest

from model import averaging, bins, inference, network, run_folder


def save_model(folder, seed, base_filters=4, **description):
    """A tiny network of its own random weights, with a model.json, as a run exports one."""
    keras.utils.set_random_seed(seed)
    model = network.build_colorizer(len(bins.bin_centers()), base_filters=base_filters)
    folder.mkdir(parents=True)
    model.save(folder / run_folder.MODEL_NAME)
    (folder / inference.MODEL_CONFIG_NAME).write_text(json.dumps({"default_temperature": 0.4, **description}))
    return folder / run_folder.MODEL_NAME, model


def test_the_average_holds_the_mean_weights_and_the_last_models_description(tmp_path):
    paths, models = zip(*[save_model(tmp_path / f"m{seed}", seed, saturation=1.0 + seed) for seed in range(3)])

    written = averaging.write_average([str(path) for path in paths], str(tmp_path / "soup"))
    soup, description = inference.load_colorizer(written)
    for index, weight in enumerate(soup.get_weights()):
        expected = np.mean([model.get_weights()[index] for model in models], axis=0)
        np.testing.assert_allclose(weight, expected, rtol=1e-6, atol=1e-7)
    assert not np.allclose(soup.get_weights()[0], models[0].get_weights()[0])
    assert description["saturation"] == 3.0 and description["averaged_from"] == [str(path) for path in paths]
    assert sorted(path.name for path in (tmp_path / "soup").iterdir()) == ["model.json", "model.keras"]


def test_models_of_other_shapes_one_model_and_an_existing_output_are_refused(tmp_path):
    small, _ = save_model(tmp_path / "small", 0)
    large, _ = save_model(tmp_path / "large", 1, base_filters=8)
    with pytest.raises(ValueError, match="is not the same network as .*only fine-tunes of one model"):
        averaging.average_models([str(small), str(large)])
    with pytest.raises(ValueError, match="needs two models or more"):
        averaging.average_models([str(small)])
    with pytest.raises(ValueError, match="exists; choose a new --output folder"):
        averaging.write_average([str(small), str(small)], str(tmp_path / "small"))
