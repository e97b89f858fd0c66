"""Tests for model/network.py: the networks' shapes, names and geometry."""

import dataclasses
import json
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from model import color, default_model, efficientnet, inference, network


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
    assert untrained_network.name == network.UNET_ARCHITECTURE
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


@pytest.fixture(scope="module")
def small_pretrained(num_bins, encoder_weights):
    keras.utils.set_random_seed(2)
    return network.build_pretrained_colorizer(num_bins, encoder_weights=encoder_weights, widths=(8, 8, 8, 16))


def test_the_encoder_top_computes_the_stride_32_features_from_the_stride_16_ones(small_pretrained):
    encoder = network.encoder_of(small_pretrained)
    top = efficientnet.build_top("lite0", from_stride=16)
    network.copy_weights_by_name(encoder, top)
    features = encoder(np.random.default_rng(0).uniform(0, 255, (2, 64, 96, 3)).astype(np.float32))
    np.testing.assert_allclose(top(features["stride16"])["stride32"], features["stride32"], atol=1e-4)
    assert {layer.name for layer in top.layers if layer.weights} <= {layer.name for layer in encoder.layers}


def test_a_top_from_stride_8_computes_the_stride_16_and_32_features(small_pretrained):
    encoder = network.encoder_of(small_pretrained)
    top = efficientnet.build_top("lite0", from_stride=8)
    network.copy_weights_by_name(encoder, top)
    features = encoder(np.random.default_rng(3).uniform(0, 255, (2, 64, 96, 3)).astype(np.float32))
    learned = top(features["stride8"])
    assert sorted(learned) == ["stride16", "stride32"]
    np.testing.assert_allclose(learned["stride16"], features["stride16"], atol=1e-4)
    np.testing.assert_allclose(learned["stride32"], features["stride32"], atol=1e-4)


def test_the_top_starts_after_a_stride_the_encoder_has():
    with pytest.raises(ValueError, match="not 32"):
        efficientnet.build_top("lite0", from_stride=32)


def test_without_options_the_training_network_is_the_decoder_itself(small_pretrained):
    assert network.build_training_network(small_pretrained) is small_pretrained.get_layer("decoder")


def test_the_training_network_fine_tunes_the_encoder_top_on_stride_16_features(small_pretrained, num_bins):
    features = small_pretrained.get_layer("features")(np.zeros((2, 64, 64, 1), np.float32) + 0.3)
    trained = network.build_training_network(small_pretrained, fine_tune_from=16, feature_dropout=0.5)
    assert len(trained.inputs) == 3  # strides 4, 8 and 16: the top computes 32
    # At inference it is the colorizer's decoder on the encoder's own stride-32 features.
    np.testing.assert_allclose(trained(features[:3], training=False),
                               small_pretrained.get_layer("decoder")(features, training=False), atol=1e-4)
    assert not np.allclose(trained(features[:3], training=True), trained(features[:3], training=False))
    # What learns: the decoder and the top's convolutions, not its BatchNorm statistics or scales.
    top = trained.get_layer("efficientnet_lite0_top")
    learning = {id(weight) for weight in trained.trainable_weights}
    decoder = small_pretrained.get_layer("decoder")
    assert {id(weight) for weight in decoder.trainable_weights} <= learning
    assert {id(weight) for weight in top.get_layer("block7a_project_conv").weights} <= learning
    assert not {id(weight) for weight in top.get_layer("block7a_project_bn").weights} & learning
    assert not {id(weight) for weight in network.encoder_of(small_pretrained).weights} & learning


def test_the_frozen_part_stops_below_the_top_that_learns(small_pretrained):
    lightness = np.random.default_rng(1).uniform(-1, 1, (2, 64, 96, 1)).astype(np.float32)
    assert network.frozen_part(small_pretrained) is small_pretrained.get_layer("features")
    below = network.frozen_part(small_pretrained, fine_tune_from=16)
    whole = small_pretrained.get_layer("features")(lightness)
    cached = below(lightness)
    assert len(cached) == 3
    for feature, expected in zip(cached, whole):
        np.testing.assert_array_equal(feature, expected)
    # The stride-32 stages are not in it: they are not computed for features training would drop.
    encoder_layers = {layer.name for layer in below.layers[-1].layers}
    assert "block5c_project_conv" in encoder_layers and not any(name.startswith(("block6", "block7"))
                                                                  for name in encoder_layers)


def test_the_encoder_can_learn_from_stride_8_on_cached_stride_4_and_8_features(small_pretrained):
    lightness = np.random.default_rng(4).uniform(-1, 1, (2, 64, 64, 1)).astype(np.float32)
    below = network.frozen_part(small_pretrained, fine_tune_from=8)
    cached = below(lightness)
    assert len(cached) == 2
    encoder_layers = {layer.name for layer in below.layers[-1].layers}
    assert "block3b_project_conv" in encoder_layers and not any(name.startswith(("block4", "block5", "block6"))
                                                                  for name in encoder_layers)
    trained = network.build_training_network(small_pretrained, fine_tune_from=8)
    np.testing.assert_allclose(trained(cached, training=False), small_pretrained(lightness, training=False),
                               atol=1e-4)
    learning = {id(weight) for weight in trained.trainable_weights}
    top = trained.get_layer("efficientnet_lite0_top")
    assert {id(weight) for weight in top.get_layer("block4a_expand_conv").weights} <= learning
    assert not {id(weight) for weight in top.get_layer("block4a_expand_bn").weights} & learning


def test_the_encoder_learns_above_stride_8_or_16_only():
    assert network.training_strides() == (4, 8, 16, 32)
    assert network.training_strides(16) == (4, 8, 16)
    for stride in (4, 32):
        with pytest.raises(ValueError, match="not above stride"):
            network.training_strides(stride)


def test_an_encoder_knows_its_variant():
    assert efficientnet.variant_of(efficientnet.build_encoder("lite1")) == "lite1"
    with pytest.raises(ValueError, match="not an EfficientNet-Lite encoder"):
        efficientnet.variant_of(keras.Sequential(name="resnet"))


def test_trained_parts_go_back_into_the_whole_network_by_name(num_bins, encoder_weights):
    whole = network.build_pretrained_colorizer(num_bins, encoder_weights=encoder_weights, widths=(8, 8, 8, 16))
    trained = network.build_training_network(whole, fine_tune_from=16)
    kernel = trained.get_layer("efficientnet_lite0_top").get_layer("block6b_expand_conv")
    kernel.set_weights([weight + 1.0 for weight in kernel.get_weights()])
    network.copy_weights_by_name(trained, whole)
    np.testing.assert_array_equal(network.encoder_of(whole).get_layer("block6b_expand_conv").get_weights()[0],
                                  kernel.get_weights()[0])


def test_weights_do_not_copy_between_different_networks(small_pretrained, untrained_network):
    with pytest.raises(ValueError, match="not parts of one network"):
        network.copy_weights_by_name(untrained_network, small_pretrained)
