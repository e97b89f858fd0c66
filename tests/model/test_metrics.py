"""Tests for model/metrics.py against values worked out by hand and published test data."""

import math

import numpy as np
import pytest
import tensorflow as tf

from model import color, metrics

# Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula: implementation
# notes, supplementary test data, and mathematical observations", Table 1: all 34 pairs,
# (L1, a1, b1), (L2, a2, b2), published difference to four decimals. They include the
# hue-angle wrap (9-16), the blue rotation term (1-6) and near-black colors (33-34).
SHARMA_PAIRS = [
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 2.8361, -74.0200), (50.0000, 0.0000, -82.7485), 3.4412),
    ((50.0000, -1.3802, -84.2814), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -1.1848, -84.8006), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -0.9009, -85.5211), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    ((50.0000, -1.0000, 2.0000), (50.0000, 0.0000, 0.0000), 2.3669),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0009), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0010), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0011), 7.2195),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0012), 7.2195),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0009, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0010, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0011, -2.4900), 4.7461),
    ((50.0000, 2.5000, 0.0000), (50.0000, 0.0000, -2.5000), 4.3065),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((50.0000, 2.5000, 0.0000), (61.0000, -5.0000, 29.0000), 22.8977),
    ((50.0000, 2.5000, 0.0000), (56.0000, -27.0000, -3.0000), 31.9030),
    ((50.0000, 2.5000, 0.0000), (58.0000, 24.0000, 15.0000), 19.4535),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.1736, 0.5854), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2972, 0.0000), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 1.8634, 0.5757), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2592, 0.3350), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((61.2901, 3.7196, -5.3901), (61.4292, 2.2480, -4.9620), 1.8731),
    ((35.0831, -44.1164, 3.7933), (35.0232, -40.0716, 1.5901), 1.8645),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((36.4612, 47.8580, 18.3852), (36.2715, 50.5065, 21.2231), 1.4146),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
    ((6.7747, -0.2908, -2.4247), (5.8714, -0.0985, -2.2286), 0.6377),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]
PUBLISHED_PRECISION = 1e-4  # the table's four decimals
GRAY = 0.3
SHIFT = 0.1


def random_image(seed=0, shape=(16, 16, 3)):
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def two_color_image():
    """Left half pure red, right half pure blue."""
    image = np.zeros((4, 6, 3), dtype=np.uint8)
    image[:, :3, 0] = 255
    image[:, 3:, 2] = 255
    return image


def test_identical_images_are_perfect():
    image = random_image()
    assert metrics.mse(image, image) == 0.0
    assert metrics.psnr_from_mse(metrics.mse(image, image)) == math.inf
    assert metrics.ssim(image, image) == pytest.approx(1.0, abs=1e-6)
    assert metrics.mean_ciede2000(image, image) == pytest.approx(0.0, abs=1e-9)


def test_a_uniform_shift_of_a_tenth_is_mse_001_and_psnr_20db():
    truth = np.full((8, 8, 3), GRAY)
    shifted = truth + SHIFT
    assert metrics.mse(shifted, truth) == pytest.approx(SHIFT**2)
    assert metrics.psnr_from_mse(metrics.mse(shifted, truth)) == pytest.approx(20.0)


def test_uint8_and_float_input_give_the_same_mse():
    first, second = random_image(1), random_image(2)
    assert metrics.mse(first, second) == pytest.approx(metrics.mse(first / 255.0, second / 255.0))


def test_mse_by_hand_on_two_pixels():
    # Differences of 1.0 in one value of six, nothing elsewhere: 1 / 6.
    truth = np.zeros((1, 2, 3))
    predicted = truth.copy()
    predicted[0, 1, 2] = 1.0
    assert metrics.mse(predicted, truth) == pytest.approx(1.0 / 6.0)
    assert metrics.psnr_from_mse(1.0 / 6.0) == pytest.approx(10.0 * math.log10(6.0))


def test_per_image_psnr_is_infinite_for_an_exact_image():
    assert metrics.per_image_psnr([0.01, 0.0, 0.1]).tolist() == [pytest.approx(20.0), math.inf, pytest.approx(10.0)]


def test_mean_image_psnr_leaves_exact_images_out_rather_than_clamping_them():
    # A clamp at 120 dB would give (20 + 120 + 10) / 3 = 50 dB: one already-gray photo outweighing the rest.
    assert metrics.mean_image_psnr([20.0, math.inf, 10.0]) == pytest.approx(15.0)
    assert metrics.mean_image_psnr([math.inf]) is None


def test_every_method_is_averaged_over_the_images_none_reproduces_exactly():
    gray, model = [math.inf, 30.0, 20.0], [25.0, 27.0, 21.0]
    compared = metrics.comparable_images([gray, model])
    assert compared.tolist() == [False, True, True]
    assert metrics.mean_image_psnr(model, compared) == pytest.approx(24.0)
    assert metrics.mean_image_psnr_gain(model, gray) == pytest.approx(-1.0)
    assert math.isnan(metrics.mean_image_psnr_gain([25.0], [math.inf]))


def test_ssim_drops_for_a_different_image():
    image = random_image(3)
    assert metrics.ssim(image, random_image(4)) < 0.2
    assert 0.0 < metrics.ssim(image, np.clip(image.astype(int) + 10, 0, 255).astype(np.uint8)) < 1.0


def test_ssim_of_images_smaller_than_the_window():
    image = random_image(5, shape=(6, 9, 3))
    assert metrics.ssim(image, image) == pytest.approx(1.0, abs=1e-6)


def test_colorfulness_of_a_gray_image_is_zero():
    gray = np.repeat(random_image(6, shape=(8, 8, 1)), 3, axis=-1)
    assert metrics.colorfulness(gray) == pytest.approx(0.0, abs=1e-9)


def test_colorfulness_of_half_red_half_blue_by_hand():
    # Red pixels: rg = 255, yb = 127.5; blue pixels: rg = 0, yb = -255, in equal numbers.
    # The standard deviation of two equally frequent values is half their distance.
    spread = math.sqrt((255.0 / 2) ** 2 + (382.5 / 2) ** 2)
    offset = math.sqrt(127.5**2 + ((127.5 - 255.0) / 2) ** 2)
    assert metrics.colorfulness(two_color_image()) == pytest.approx(spread + 0.3 * offset)


def test_colorfulness_of_a_batch_is_per_image():
    gray = np.full((4, 6, 3), 128, dtype=np.uint8)
    values = metrics.colorfulness(np.stack([gray, two_color_image()]))
    assert values.shape == (2,)
    assert values[0] == pytest.approx(0.0)
    assert values[1] == pytest.approx(metrics.colorfulness(two_color_image()))


def test_ciede2000_matches_the_published_test_data():
    first = np.array([pair[0] for pair in SHARMA_PAIRS])
    second = np.array([pair[1] for pair in SHARMA_PAIRS])
    expected = np.array([pair[2] for pair in SHARMA_PAIRS])
    np.testing.assert_allclose(metrics.ciede2000(first, second), expected, atol=PUBLISHED_PRECISION)


def test_ciede2000_is_symmetric():
    first = np.array([pair[0] for pair in SHARMA_PAIRS])
    second = np.array([pair[1] for pair in SHARMA_PAIRS])
    np.testing.assert_allclose(metrics.ciede2000(second, first), metrics.ciede2000(first, second), atol=1e-9)


def test_ciede2000_of_a_pure_lightness_difference_by_hand():
    # With a = b = 0 only the lightness term is left: dL / S_L, S_L = 1 at a mean L of 50.
    assert float(metrics.ciede2000(np.array([45.0, 0.0, 0.0]), np.array([55.0, 0.0, 0.0]))) == pytest.approx(10.0)


def lab_pixels(*ab_pairs, lightness=60.0):
    """A row of Lab pixels (1, N, 3) of one lightness and the given (a, b)."""
    return np.array([[(lightness, a, b) for a, b in ab_pairs]])


def test_blotches_at_and_around_the_vivid_chroma_on_a_gray_truth():
    # Output chroma hypot(15, 20) = 25 exactly: vivid; a hair less is not. The truth is gray.
    output = lab_pixels((15.0, 20.0), (15.0, 19.99), (0.0, -40.0), (0.0, 0.0))
    truth = lab_pixels(*[(0.0, 0.0)] * 4)
    assert metrics.BLOTCH_CHROMA == 25.0
    assert metrics.blotch_mask(output, truth).tolist() == [[True, False, True, False]]


def test_blotches_at_and_around_the_gray_chroma_of_the_truth():
    # Truth chroma hypot(6, 8) = 10 exactly: a color, whose hue (53 degrees) the output matches;
    # just under 10 it counts as gray, and the same vivid output is a blotch.
    output = lab_pixels(*[(30.0, 40.0)] * 3)
    truth = lab_pixels((6.0, 8.0), (6.0, 7.99), (5.9, 8.0))
    assert metrics.BLOTCH_GRAY_CHROMA == 10.0
    assert metrics.blotch_mask(output, truth).tolist() == [[False, True, True]]


def test_blotches_at_and_around_a_right_angle_of_hue():
    # Output (25, 0) is hue 0; truth (0, 20) is exactly 90 degrees away, not more; tilting the
    # truth to either side of the b axis makes it more or less than 90.
    output = lab_pixels(*[(25.0, 0.0)] * 4)
    truth = lab_pixels((0.0, 20.0), (-0.1, 20.0), (0.1, 20.0), (0.0, -20.0))
    assert metrics.BLOTCH_HUE_DEGREES == 90.0
    assert metrics.blotch_mask(output, truth).tolist() == [[False, True, False, False]]


def test_blotch_hue_difference_wraps_around_0_and_360_degrees():
    # Output (20, -15): chroma 25, hue 323 degrees. Truth (12, 16): hue 53, exactly 90 away across
    # 0/360 (their dot product is 0); (11, 16) is a little more than 90 away, (13, 16) less.
    # Hue 350 against hue 10 is 20 degrees apart, not 340; so are 170 and 190 (where atan2 wraps);
    # hue 180 against 0 is 180.
    output = lab_pixels((20.0, -15.0), (20.0, -15.0), (20.0, -15.0), (29.54, -5.21), (-29.54, 5.21), (-25.0, 0.0))
    truth = lab_pixels((12.0, 16.0), (11.0, 16.0), (13.0, 16.0), (19.7, 3.47), (-19.7, -3.47), (20.0, 0.0))
    assert metrics.blotch_mask(output, truth).tolist() == [[False, True, False, False, False, True]]


def test_a_matched_vivid_color_and_a_muted_wrong_one_are_not_blotches():
    # Vivid and right (the same hue, any chroma); wrong but muted (chroma under 25, opposite hue).
    output = lab_pixels((60.0, 40.0), (-20.0, 10.0), (70.0, -5.0))
    truth = lab_pixels((30.0, 20.0), (20.0, -10.0), (35.0, -2.0))
    assert metrics.blotch_mask(output, truth).tolist() == [[False, False, False]]


def test_blotches_of_rgb_images_are_the_share_of_vivid_wrong_pixels():
    # A gray truth; the output is pure blue (chroma about 134) on a quarter of it, gray elsewhere.
    truth = np.full((2, 8, 8, 3), 128, dtype=np.uint8)
    output = truth.copy()
    output[0, :4, :4] = (0, 0, 255)
    output[1] = (120, 128, 128)  # a faint tint: chroma about 3, no blotch
    figures = metrics.batch_metrics(output, truth)
    np.testing.assert_allclose(figures["blotches"], [0.25, 0.0])
    assert metrics.batch_metrics(truth, truth)["blotches"].tolist() == [0.0, 0.0]


def test_batch_metrics_are_per_image():
    truth = np.stack([random_image(7), random_image(8)])
    predicted = truth.copy()
    predicted[1] = random_image(9)
    figures = metrics.batch_metrics(predicted, truth)
    assert set(figures) == {"mse", "psnr", "ssim", "ciede2000", "blotches", "colorfulness", "colorfulness_truth"}
    for values in figures.values():
        assert np.shape(values) == (2,)
    assert figures["mse"][0] == 0.0 and figures["psnr"][0] == math.inf
    assert figures["mse"][1] == pytest.approx(metrics.mse(predicted[1], truth[1]))
    assert figures["ssim"][1] == pytest.approx(metrics.ssim(predicted[1], truth[1]), abs=1e-6)
    assert figures["ciede2000"][1] == pytest.approx(metrics.mean_ciede2000(predicted[1], truth[1]))
    assert figures["colorfulness_truth"][1] == pytest.approx(metrics.colorfulness(truth[1]))


def test_ssim_of_a_large_image_is_that_of_its_block_average():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 256, (800, 1000, 3), dtype=np.uint8)
    predicted = np.clip(truth.astype(int) + rng.integers(-30, 30, truth.shape), 0, 255).astype(np.uint8)
    assert metrics.ssim_downsampling(800, 1000) == 3 and metrics.ssim_downsampling(32, 32) == 1
    small = [image[:798, :999].astype(np.float64).reshape(266, 3, 333, 3, 3).mean(axis=(1, 3)) / 255.0
             for image in (predicted, truth)]
    expected = tf.image.ssim(tf.constant(small[0], tf.float32), tf.constant(small[1], tf.float32), max_val=1.0)
    assert metrics.ssim(predicted, truth) == pytest.approx(float(expected), abs=1e-5)


def test_mean_ciede2000_of_a_large_image_on_a_grid_matches_all_pixels():
    rng = np.random.default_rng(4)
    truth = rng.integers(0, 256, (1200, 1000, 3), dtype=np.uint8)
    predicted = np.clip(truth.astype(int) + rng.integers(-20, 20, truth.shape), 0, 255).astype(np.uint8)
    assert metrics.grid_sample(truth, pixels=300_000).shape == (600, 500, 3)
    every_pixel = np.mean(metrics.ciede2000(metrics.lab_of(truth), metrics.lab_of(predicted)))
    on_grid = np.mean(metrics.ciede2000(metrics.lab_of(metrics.grid_sample(truth, pixels=300_000)),
                                        metrics.lab_of(metrics.grid_sample(predicted, pixels=300_000))))
    assert on_grid == pytest.approx(every_pixel, rel=0.01)


def test_lab_of_uint8_matches_the_tensorflow_conversion():
    rgb = np.random.default_rng(5).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    expected = color.rgb_to_lab(tf.constant(rgb, tf.float64) / 255.0).numpy()
    np.testing.assert_allclose(metrics.lab_of(rgb), expected, atol=2e-3)


@pytest.mark.parametrize("shape", [(4, 32, 32, 3), (9, 13, 3), (2, 11, 11, 3)])
def test_ssim_is_tensorflows_figure(shape):
    rng = np.random.default_rng(6)
    truth = rng.integers(0, 256, shape, dtype=np.uint8)
    predicted = np.clip(truth.astype(int) + rng.integers(-40, 40, shape), 0, 255).astype(np.uint8)
    window = min(11, shape[-3], shape[-2])
    window -= 1 - window % 2
    expected = tf.image.ssim(tf.constant(predicted / 255.0, tf.float32), tf.constant(truth / 255.0, tf.float32),
                             max_val=1.0, filter_size=window).numpy()
    np.testing.assert_allclose(metrics.ssim(predicted, truth), expected, atol=1e-5)
