"""experiments/saturation_headroom.py reads the network's global scene features of either architecture."""

import numpy as np
import pytest

from model import inference


@pytest.fixture(scope="module")
def headroom(load_script):
    return load_script("experiments", "saturation_headroom")


@pytest.mark.parametrize("model_fixture", ["tiny_model", "tiny_pretrained_model"])
def test_global_features_come_from_the_unet_and_from_inside_the_pretrained_decoder(headroom, model_fixture, request):
    model, _ = inference.load_colorizer(request.getfixturevalue(model_fixture))
    owner = model if model_fixture == "tiny_model" else model.get_layer("decoder")
    width = owner.get_layer(headroom.GLOBAL_LAYER).units
    lightness = np.zeros((2, 64, 96, 1), dtype=np.float32)
    features = np.asarray(headroom.global_features_of(model)(lightness))
    assert features.shape == (2, width)
