"""Tests for model/color.py against published sRGB -> CIE Lab (D65) values."""

import numpy as np
import pytest
import tensorflow as tf

from model import color

# Reference Lab values for sRGB colours under D65, as published in colour-science
# tables (Lindbloom, EasyRGB); the tolerance covers their two-decimal rounding.
REFERENCE_TOLERANCE = 0.05
MID_GRAY = 128.0 / 255.0
REFERENCE_COLOURS = [
    pytest.param((1.0, 0.0, 0.0), (53.24, 80.09, 67.20), id="red"),
    pytest.param((0.0, 1.0, 0.0), (87.73, -86.18, 83.18), id="green"),
    pytest.param((0.0, 0.0, 1.0), (32.30, 79.19, -107.86), id="blue"),
    pytest.param((MID_GRAY, MID_GRAY, MID_GRAY), (53.59, 0.0, 0.0), id="mid-gray"),
]


def random_colours(count, seed=0):
    return np.random.default_rng(seed).uniform(0.0, 1.0, size=(count, 3)).astype(np.float32)


def test_white_is_lightness_100_and_neutral():
    lab = color.rgb_to_lab(tf.constant([1.0, 1.0, 1.0])).numpy()
    np.testing.assert_allclose(lab, [color.L_MAX, 0.0, 0.0], atol=0.01)


def test_black_is_zero():
    lab = color.rgb_to_lab(tf.constant([0.0, 0.0, 0.0])).numpy()
    np.testing.assert_allclose(lab, [0.0, 0.0, 0.0], atol=1e-6)


@pytest.mark.parametrize("rgb, expected_lab", REFERENCE_COLOURS)
def test_rgb_to_lab_matches_reference(rgb, expected_lab):
    lab = color.rgb_to_lab(tf.constant(rgb, dtype=tf.float32)).numpy()
    np.testing.assert_allclose(lab, expected_lab, atol=REFERENCE_TOLERANCE)


@pytest.mark.parametrize("rgb, expected_lab", REFERENCE_COLOURS)
def test_lab_to_rgb_matches_reference(rgb, expected_lab):
    # The published Lab values are rounded, so the way back is only as close as that.
    recovered = color.lab_to_rgb(tf.constant(expected_lab, dtype=tf.float32)).numpy()
    np.testing.assert_allclose(recovered, rgb, atol=1e-3)


def test_round_trip_of_random_colours():
    rgb = random_colours(10_000)
    recovered = color.lab_to_rgb(color.rgb_to_lab(rgb)).numpy()
    assert np.max(np.abs(recovered - rgb)) < 1e-4


def test_round_trip_reproduces_every_gray_level():
    levels = np.arange(256, dtype=np.uint8)
    gray = np.repeat(levels[:, np.newaxis], 3, axis=1).astype(np.float32) / 255.0
    recovered = color.lab_to_rgb(color.rgb_to_lab(gray)).numpy()
    recovered_levels = np.round(recovered * 255.0).astype(np.uint8)
    np.testing.assert_array_equal(recovered_levels, np.repeat(levels[:, np.newaxis], 3, axis=1))


def test_gray_has_no_colour():
    gray = np.repeat(np.linspace(0.0, 1.0, 256, dtype=np.float32)[:, np.newaxis], 3, axis=1)
    lab = color.rgb_to_lab(gray).numpy()
    assert np.max(np.abs(lab[:, 1:])) < 0.01


def test_out_of_gamut_lab_is_clipped():
    lab = tf.constant([[100.0, 127.0, -127.0], [-10.0, 0.0, 0.0], [150.0, 0.0, 0.0]])
    rgb = color.lab_to_rgb(lab).numpy()
    assert np.all(rgb >= 0.0) and np.all(rgb <= 1.0)


def test_srgb_gamut_fits_ab_scale():
    corners = np.array(
        [[r, g, b] for r in (0.0, 1.0) for g in (0.0, 1.0) for b in (0.0, 1.0)], dtype=np.float32
    )
    ab = color.rgb_to_lab(corners).numpy()[:, 1:] / color.AB_SCALE
    assert np.all(np.abs(ab) <= 1.0)


def test_normalize_l_maps_lightness_to_unit_range():
    lightness = tf.constant([0.0, 50.0, color.L_MAX])
    np.testing.assert_allclose(color.normalize_l(lightness).numpy(), [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("shape", [(5, 7, 3), (2, 5, 7, 3)], ids=["image", "batch"])
def test_shapes_are_preserved(shape):
    rgb = random_colours(int(np.prod(shape[:-1]))).reshape(shape)
    lab = color.rgb_to_lab(rgb)
    assert lab.shape == shape
    assert color.lab_to_rgb(lab).shape == shape


def test_float64_stays_float64():
    rgb = random_colours(100).astype(np.float64)
    lab = color.rgb_to_lab(rgb)
    recovered = color.lab_to_rgb(lab)
    assert lab.dtype == tf.float64 and recovered.dtype == tf.float64
    assert np.max(np.abs(recovered.numpy() - rgb)) < 1e-10


def test_works_under_jit_compiled_tf_function():
    rgb = random_colours(64).reshape(4, 4, 4, 3)
    compiled_to_lab = tf.function(color.rgb_to_lab, jit_compile=True)
    compiled_to_rgb = tf.function(color.lab_to_rgb, jit_compile=True)
    lab = compiled_to_lab(tf.constant(rgb))
    np.testing.assert_allclose(lab.numpy(), color.rgb_to_lab(rgb).numpy(), atol=1e-4)
    np.testing.assert_allclose(compiled_to_rgb(lab).numpy(), rgb, atol=1e-4)


def test_gradients_are_finite_at_black_and_white():
    rgb = tf.constant([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.02, 0.5, 0.9]])
    with tf.GradientTape() as tape:
        tape.watch(rgb)
        recovered = color.lab_to_rgb(color.rgb_to_lab(rgb))
    gradient = tape.gradient(recovered, rgb)
    assert np.all(np.isfinite(gradient.numpy()))


def test_integer_input_is_refused():
    with pytest.raises(ValueError, match="floating-point"):
        color.rgb_to_lab(tf.constant([[255, 0, 0]], dtype=tf.uint8))


# The NumPy 8-bit path of the colorize job must agree with the TensorFlow functions.


def test_lightness_of_gray8_is_that_of_the_rgb_gray_bit_for_bit():
    levels = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(color.lightness_of_gray8(levels),
                                  color.lightness_of_srgb8(np.repeat(levels[:, None], 3, axis=1)))
    with pytest.raises(ValueError, match="uint8"):
        color.lightness_of_gray8(levels.astype(np.float32))


def test_lightness_of_srgb8_matches_tensorflow_on_every_gray_and_random_colours():
    rng = np.random.default_rng(1)
    gray = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
    rgb = np.concatenate([gray, rng.integers(0, 256, (5000, 3), dtype=np.uint8)])
    expected = color.rgb_to_lab(tf.constant(rgb, tf.float64) / 255.0)[..., 0].numpy()
    np.testing.assert_allclose(color.lightness_of_srgb8(rgb), expected, atol=1e-3)


@pytest.mark.parametrize("rgb, expected_lab", REFERENCE_COLOURS)
def test_lab_to_srgb8_matches_reference(rgb, expected_lab):
    expected_lab = np.array(expected_lab, dtype=np.float32)
    out = color.lab_to_srgb8(expected_lab[0], expected_lab[1:])
    np.testing.assert_array_equal(out, np.round(np.array(rgb) * 255).astype(np.uint8))


def test_lab_to_srgb8_is_within_one_level_of_tensorflow_and_mostly_equal():
    rng = np.random.default_rng(2)
    lab = np.stack([rng.uniform(0, 100, 20000), rng.uniform(-110, 110, 20000), rng.uniform(-110, 110, 20000)],
                   axis=-1)
    exact = np.round(color.lab_to_rgb(tf.constant(lab)).numpy() * 255.0).astype(int)
    fast = color.lab_to_srgb8(lab[:, 0], lab[:, 1:]).astype(int)
    assert np.abs(fast - exact).max() <= 1
    assert np.mean(fast != exact) < 0.005


def test_srgb8_round_trip_keeps_every_gray_level():
    gray = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
    lightness = color.lightness_of_srgb8(gray)
    np.testing.assert_array_equal(color.lab_to_srgb8(lightness, np.zeros((256, 2), np.float32)), gray)


def test_lightness_of_srgb8_refuses_floats():
    with pytest.raises(ValueError, match="uint8"):
        color.lightness_of_srgb8(np.zeros((2, 2, 3), np.float32))


def test_sixteen_bit_gray_round_trips_through_lab_level_for_level():
    levels = np.arange(65536, dtype=np.uint16)
    lightness = color.lightness_of_gray16(levels)
    back = color.lab_to_srgb16(lightness, np.zeros(lightness.shape + (2,), dtype=np.float32))
    np.testing.assert_array_equal(back, np.repeat(levels[:, None], 3, axis=1))
    # The same lightness as the 8-bit path, where the two share a level.
    eight_bit = np.arange(256, dtype=np.uint8)
    np.testing.assert_allclose(color.lightness_of_gray16(eight_bit.astype(np.uint16) * 257),
                               color.lightness_of_gray8(eight_bit), atol=1e-3)


def test_sixteen_bit_colors_match_the_tensorflow_conversion():
    lab = np.array([[50.0, 20.0, -30.0], [80.0, -10.0, 40.0], [20.0, 5.0, 5.0]], dtype=np.float32)
    expected = color.lab_to_rgb(tf.constant(lab, dtype=tf.float64)).numpy() * 65535.0
    got = color.lab_to_srgb16(lab[:, 0], lab[:, 1:]).astype(np.float64)
    assert np.abs(got - expected).max() <= 2.0  # two 16-bit levels: float32 against float64
