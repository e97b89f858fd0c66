"""Fixtures of the model tests: a tiny untrained network, exported as a run exports its model."""

import keras
import pytest

from model import bins, inference, network, run_folder

BASE_FILTERS = 4  # the smallest network that still has every layer


@pytest.fixture(scope="module")
def num_bins():
    return len(bins.bin_centers())


@pytest.fixture(scope="module")
def untrained_network(num_bins):
    keras.utils.set_random_seed(0)
    return network.build_colorizer(num_bins, base_filters=BASE_FILTERS)


@pytest.fixture(scope="module")
def model_path(untrained_network, tmp_path_factory):
    """A model.keras with its model.json, written by the training module's export."""
    folder = tmp_path_factory.mktemp("tiny-model")
    untrained_network.save(folder / run_folder.CHECKPOINT_NAME)
    description = {
        "architecture": network.UNET_ARCHITECTURE,
        "ab_bin_centers": bins.bin_centers().tolist(),
        "default_temperature": 0.4,
    }
    run_folder.export(str(folder), description)
    return folder / run_folder.MODEL_NAME


@pytest.fixture(scope="module")
def colorizer(model_path):
    return inference.load(str(model_path))
