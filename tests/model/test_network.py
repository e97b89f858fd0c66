"""Tests for model/network.py: the networks' shapes, names and geometry."""

import dataclasses
import json
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from model import color, default_model, inference, network


@pytest.mark.parametrize("height, width", [(32, 32), (48, 64), (8, 24)])
def test_logits_are_at_half_resolution_over_the_bins(untrained_network, num_bins, height, width):
    lightness = tf.random.uniform((2, height, width, 1), -1.0, 1.0)
    logits = untrained_network(lightness, training=False)
    assert logits.shape == (2, height // 2, width // 2, num_bins)
    assert logits.dtype == tf.float32


def test_the_network_is_fully_convolutional(untrained_network):
    assert tuple(untrained_network.input_shape) == (None, None, None, 1)
    assert tuple(untrained_network.output_shape[:3]) == (None, None, None)
    assert not any(isinstance(layer, keras.layers.Flatten) for layer in untrained_network.layers)


def test_the_network_is_named_and_sized_for_loading(untrained_network, num_bins):
    assert untrained_network.name == network.ARCHITECTURE
    assert untrained_network.output_shape[-1] == num_bins


@pytest.mark.parametrize("gray_level", [0, 1, 50, 128, 200, 255])
def test_the_pretrained_network_sees_the_gray_image_of_the_lightness(gray_level):
    lightness = color.lightness_of_gray8(np.full((1, 2, 2), gray_level, dtype=np.uint8))
    gray = network.LightnessToGray()(tf.constant(color.normalize_l(lightness)[..., None]))
    assert gray.shape == (1, 2, 2, 3)
    np.testing.assert_allclose(gray.numpy(), gray_level, atol=0.05)


def test_the_pretrained_network_predicts_at_a_quarter_of_its_input_and_trains_only_its_decoder(
        num_bins, encoder_weights):
    model = network.build_pretrained_colorizer(num_bins, encoder_weights=encoder_weights, widths=(8, 8, 8, 16))
    assert model.name == network.PRETRAINED_ARCHITECTURE
    assert model(np.zeros((2, 64, 96, 1), dtype=np.float32)).shape == (2, 16, 24, num_bins)
    decoder = model.get_layer("decoder")
    assert {id(weight) for weight in model.trainable_weights} == {id(weight) for weight in decoder.trainable_weights}


def test_an_unknown_architecture_is_named_in_the_error():
    with pytest.raises(ValueError, match="lab-effnet-classifier"):
        network.geometry_of("resnet")


@pytest.mark.parametrize("architecture", sorted(network.GEOMETRIES))
def test_a_geometry_knows_its_architectures_version(architecture):
    assert network.geometry_of(architecture).architecture_version >= 1


def test_the_shipped_model_description_agrees_with_its_architectures_geometry():
    description = json.loads((pathlib.Path(default_model.FOLDER) / inference.MODEL_CONFIG_NAME).read_text())
    geometry = dataclasses.asdict(network.geometry_of(description["architecture"]))
    assert {key: description[key] for key in geometry} == geometry
