"""model/efficientnet.py: the EfficientNet-Lite encoder's shapes, its input scaling, and loading converted weights."""

import keras
import numpy as np
import pytest

from model import efficientnet

# Google's EfficientNet-Lite table (tensorflow/tpu .../efficientnet/lite/README.md): trainable parameters in millions.
PUBLISHED_MILLIONS_OF_PARAMETERS = {"lite0": 4.7, "lite1": 5.4, "lite2": 6.1}
PUBLISHED_FEATURE_CHANNELS = {  # the block outputs at strides 2 to 32
    "lite0": {2: 16, 4: 24, 8: 40, 16: 112, 32: 320},
    "lite1": {2: 16, 4: 24, 8: 40, 16: 112, 32: 320},
    "lite2": {2: 16, 4: 24, 8: 48, 16: 120, 32: 352},
}


def model_weights(model):
    """{'layer/weight': array} of a model, as a converted file holds them."""
    return {f"{layer.name}/{variable.name}": variable.numpy() for layer in model.layers for variable in layer.weights}


@pytest.fixture(scope="module")
def lite0_encoder():
    keras.utils.set_random_seed(1)
    return efficientnet.build_encoder("lite0")


@pytest.mark.parametrize("variant", ["lite0", "lite1", "lite2"])
@pytest.mark.slow
def test_features_come_at_strides_2_to_32_with_the_published_channels(variant):
    encoder = efficientnet.build_encoder(variant)
    assert tuple(encoder.input_shape) == (None, None, None, 3)
    assert efficientnet.feature_channels(variant) == PUBLISHED_FEATURE_CHANNELS[variant]
    height, width = 64, 96  # not square, multiples of 32
    features = encoder(np.zeros((2, height, width, 3), np.float32))
    assert sorted(features) == sorted(efficientnet.feature_name(stride) for stride in efficientnet.FEATURE_STRIDES)
    for stride, channels in PUBLISHED_FEATURE_CHANNELS[variant].items():
        assert tuple(features[f"stride{stride}"].shape) == (2, height // stride, width // stride, channels)


@pytest.mark.parametrize("variant", ["lite0", "lite1", "lite2"])
@pytest.mark.slow
def test_the_classifier_has_the_published_size(variant):
    classifier = efficientnet.build_classifier(variant)
    trainable = sum(int(np.prod(variable.shape)) for variable in classifier.trainable_weights)
    assert round(trainable / 1e6, 1) == PUBLISHED_MILLIONS_OF_PARAMETERS[variant]
    resolution = efficientnet.VARIANTS[variant].resolution
    assert tuple(classifier(np.zeros((1, resolution, resolution, 3), np.float32)).shape) == (1, 1000)


@pytest.mark.slow
def test_the_blocks_are_named_by_stage_so_that_stages_can_be_frozen(lite0_encoder):
    assert efficientnet.block_names("lite0") == ["block1a", "block2a", "block2b", "block3a", "block3b", "block4a",
                                                 "block4b", "block4c", "block5a", "block5b", "block5c", "block6a",
                                                 "block6b", "block6c", "block6d", "block7a"]
    assert "block6d_expand_conv" in {layer.name for layer in lite0_encoder.layers}


def test_the_model_scales_rgb_0_to_255_as_google_did_for_these_weights(lite0_encoder):
    scaling = lite0_encoder.get_layer("input_scaling")
    scaled = np.asarray(scaling(np.array([[0.0, 127.0, 255.0]], np.float32)))
    np.testing.assert_allclose(scaled, [[-127 / 128, 0.0, 1.0]], rtol=1e-6)


def test_an_unknown_variant_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="lite7.*lite0, lite1, lite2"):
        efficientnet.build_encoder("lite7")


@pytest.mark.slow
def test_loaded_weights_give_the_source_models_features(lite0_encoder):
    images = np.random.default_rng(0).uniform(0, 255, size=(1, 64, 32, 3)).astype(np.float32)
    keras.utils.set_random_seed(2)
    other = efficientnet.build_encoder("lite0")
    assert not np.allclose(other(images)["stride32"], lite0_encoder(images)["stride32"], atol=0)
    arrays = model_weights(lite0_encoder)
    # A converted file holds the classifier's head too; an encoder leaves it unused.
    arrays["head_conv/kernel"] = np.zeros((1, 1, 320, 1280), np.float32)
    arrays["logits/bias"] = np.zeros(1000, np.float32)
    efficientnet.load_weights(other, arrays)
    for name, feature in lite0_encoder(images).items():
        np.testing.assert_allclose(other(images)[name], feature, rtol=1e-4, atol=0)


def test_weights_from_a_file_are_loaded_by_build_encoder(lite0_encoder, tmp_path):
    path = tmp_path / efficientnet.weights_file_name("lite0")
    np.savez(path, **model_weights(lite0_encoder))
    loaded = efficientnet.build_encoder("lite0", weights=str(path))
    kernel = loaded.get_layer("block4b_depthwise_conv").weights[0]
    np.testing.assert_array_equal(kernel.numpy(), lite0_encoder.get_layer("block4b_depthwise_conv").weights[0].numpy())


def test_a_missing_or_unused_weight_is_an_error(lite0_encoder):
    arrays = model_weights(lite0_encoder)
    missing = dict(arrays)
    del missing["block3a_project_bn/moving_variance"]
    with pytest.raises(ValueError, match=r"missing \['block3a_project_bn/moving_variance'\].*fetch_efficientnet"):
        efficientnet.load_weights(lite0_encoder, missing)
    with pytest.raises(ValueError, match=r"unused \['block9a_project_conv/kernel'\]"):
        efficientnet.load_weights(lite0_encoder, {**arrays, "block9a_project_conv/kernel": np.zeros(1)})


@pytest.mark.slow
def test_weights_of_another_variant_are_refused(lite0_encoder):
    lite2 = model_weights(efficientnet.build_encoder("lite2"))
    with pytest.raises(ValueError, match="has shape .* another variant"):
        efficientnet.load_weights(lite0_encoder, lite2)


def test_the_pytorch_layouts_become_keras_layouts():
    rng = np.random.default_rng(0)
    state = {
        "_conv_stem.weight": rng.normal(size=(32, 3, 3, 3)),  # out, in, height, width
        "_bn0.running_var": rng.uniform(size=32),
        "_bn0.num_batches_tracked": np.array(7),
        "_blocks.2._expand_conv.weight": rng.normal(size=(144, 24, 1, 1)),
        "_blocks.2._depthwise_conv.weight": rng.normal(size=(144, 1, 3, 3)),  # channels, 1, height, width
        "_blocks.2._bn2.bias": rng.normal(size=24),
        "_fc.weight": rng.normal(size=(1000, 1280)),
        "_fc.bias": rng.normal(size=1000),
    }
    keras_arrays = efficientnet.keras_weights_from_torch(state, "lite0")
    assert sorted(keras_arrays) == ["block2b_depthwise_conv/kernel", "block2b_expand_conv/kernel",
                                    "block2b_project_bn/beta", "logits/bias", "logits/kernel",
                                    "stem_bn/moving_variance", "stem_conv/kernel"]
    stem = keras_arrays["stem_conv/kernel"]  # height, width, in, out
    assert stem.shape == (3, 3, 3, 32) and stem.dtype == np.float32
    assert stem[2, 1, 0, 5] == np.float32(state["_conv_stem.weight"][5, 0, 2, 1])
    depthwise = keras_arrays["block2b_depthwise_conv/kernel"]  # height, width, channels, 1
    assert depthwise.shape == (3, 3, 144, 1)
    assert depthwise[0, 2, 100, 0] == np.float32(state["_blocks.2._depthwise_conv.weight"][100, 0, 0, 2])
    assert keras_arrays["logits/kernel"][1279, 3] == np.float32(state["_fc.weight"][3, 1279])


@pytest.mark.parametrize("key", ["_blocks.16._bn0.weight", "_blocks.0._se_reduce.weight", "_conv_stem.kernel",
                                 "features.0.weight"])
def test_a_checkpoint_entry_that_has_no_place_is_an_error(key):
    with pytest.raises(ValueError, match="no place in EfficientNet-lite0"):
        efficientnet.keras_weights_from_torch({key: np.zeros((1, 1, 1, 1))}, "lite0")
