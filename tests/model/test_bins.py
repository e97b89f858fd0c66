"""Tests for model/bins.py: the ab cells the network predicts and how they are decoded."""

import numpy as np
import pytest
import tensorflow as tf

from model import bins

# Zhang et al. (2016) keep 313 in-gamut cells; a denser gamut sample or another Lab
# white point moves the count a little, but not outside this range.
MIN_BINS, MAX_BINS = 250, 330
NEUTRAL_CELLS = [(-5.0, -5.0), (-5.0, 5.0), (5.0, -5.0), (5.0, 5.0)]


@pytest.fixture(scope="module")
def centers():
    return bins.bin_centers()


def random_ab(count, seed=0):
    """ab values inside the span of the cells."""
    return np.random.default_rng(seed).uniform(-80.0, 80.0, size=(count, 2)).astype(np.float32)


def test_bin_count_is_that_of_the_srgb_gamut(centers):
    assert centers.shape[1] == 2
    assert MIN_BINS <= len(centers) <= MAX_BINS


def test_bin_centers_lie_in_the_middle_of_ten_unit_cells(centers):
    offsets = (centers - bins.GRID / 2) / bins.GRID
    np.testing.assert_allclose(offsets, np.round(offsets), atol=1e-6)
    assert len(np.unique(centers, axis=0)) == len(centers)
    assert np.all(np.abs(centers) < bins.AB_LIMIT)


def test_the_four_cells_around_neutral_are_included(centers):
    for cell in NEUTRAL_CELLS:
        assert np.any(np.all(centers == cell, axis=1)), f"no cell centered at {cell}"


def test_saturated_srgb_primaries_fall_in_a_cell(centers):
    # Pure red is at about ab = (80, 67) and pure blue at (79, -108): the gamut's far corners.
    for ab in [(80.09, 67.20), (79.19, -107.86), (-86.18, 83.18)]:
        distance = np.min(np.max(np.abs(centers - np.array(ab)), axis=1))
        assert distance <= bins.GRID / 2, f"{ab} is {distance} from the nearest cell center"


def test_soft_encoding_is_a_distribution(centers):
    targets = bins.soft_encode(tf.constant(random_ab(50)), tf.constant(centers)).numpy()
    assert targets.shape == (50, len(centers))
    assert np.all(targets >= 0)
    np.testing.assert_allclose(targets.sum(axis=-1), 1.0, atol=1e-5)


def test_soft_encoding_peaks_at_the_nearest_bin(centers):
    ab = random_ab(200, seed=1)
    targets = bins.soft_encode(tf.constant(ab), tf.constant(centers)).numpy()
    nearest = bins.nearest_bin(tf.constant(ab), tf.constant(centers)).numpy()
    by_hand = np.argmin(np.sum((ab[:, None, :] - centers[None]) ** 2, axis=-1), axis=-1)
    np.testing.assert_array_equal(nearest, by_hand)
    np.testing.assert_array_equal(np.argmax(targets, axis=-1), nearest)


def test_soft_encoding_of_a_cell_center_keeps_most_mass_nearby(centers):
    index = len(centers) // 2
    target = bins.soft_encode(tf.constant(centers[index]), tf.constant(centers)).numpy()
    distances = np.linalg.norm(centers - centers[index], axis=1)
    # A Gaussian of sigma 5 puts almost all its mass within one cell step (10 units) of the center.
    assert target[distances <= bins.GRID * 1.5].sum() > 0.99
    assert bins.nearest_bin(tf.constant(centers[index]), tf.constant(centers)).numpy() == index


def test_soft_encoding_works_on_image_shaped_batches(centers):
    ab = tf.constant(random_ab(2 * 3 * 4).reshape(2, 3, 4, 2))
    assert bins.soft_encode(ab, tf.constant(centers)).shape == (2, 3, 4, len(centers))
    assert bins.nearest_bin(ab, tf.constant(centers)).shape == (2, 3, 4)


def test_annealed_mean_at_temperature_one_is_the_expectation(centers):
    logits = np.random.default_rng(2).normal(0.0, 3.0, size=(5, len(centers))).astype(np.float32)
    probabilities = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    expected = probabilities @ centers
    decoded = bins.annealed_mean(tf.constant(logits), centers, 1.0).numpy()
    np.testing.assert_allclose(decoded, expected, atol=1e-3)


def test_annealed_mean_at_a_low_temperature_approaches_the_mode(centers):
    rng = np.random.default_rng(3)
    logits = rng.normal(0.0, 3.0, size=(5, len(centers))).astype(np.float32)
    # A clear winner per row: a margin of 1 becomes 100 at T = 0.01.
    winners = rng.integers(0, len(centers), size=5)
    logits[np.arange(5), winners] = logits.max(axis=-1) + 1.0
    mode = centers[winners]
    decoded = bins.annealed_mean(tf.constant(logits), centers, 0.01).numpy()
    np.testing.assert_allclose(decoded, mode, atol=0.1)


def nearest_index(centers, ab):
    return int(np.argmin(np.sum((centers - np.float32(ab)) ** 2, axis=-1)))


def test_hue_agreement_is_one_for_one_hue_and_zero_for_opposite_hues(centers):
    red, green = nearest_index(centers, (45.0, 25.0)), nearest_index(centers, (-45.0, -25.0))
    pale_red = nearest_index(centers, (15.0, 5.0))
    logits = np.full((4, len(centers)), -50.0, dtype=np.float32)
    logits[0, red] = 0.0  # sure of one color
    logits[1, [red, pale_red]] = 0.0  # unsure of the chroma, sure of the hue
    logits[2, [red, green]] = 0.0  # red or green, evenly: an opposite pair
    logits[3, [red, green]] = [1.0, 0.0]  # red more likely than green
    agreement = bins.hue_agreement(tf.constant(logits), centers).numpy()
    np.testing.assert_allclose(agreement[:3], [1.0, 1.0, 0.0], atol=0.03)
    # p(red) = e / (1 + e): |p_red - p_green| of the chroma stays.
    assert agreement[3] == pytest.approx((np.e - 1) / (np.e + 1), abs=0.03)


def test_hue_agreement_works_on_image_shaped_batches(centers):
    logits = np.random.default_rng(4).normal(0.0, 3.0, size=(2, 5, 7, len(centers))).astype(np.float32)
    agreement = bins.hue_agreement(tf.constant(logits), centers).numpy()
    assert agreement.shape == (2, 5, 7)
    assert np.all((agreement >= 0) & (agreement <= 1 + 1e-6))


def test_lower_temperature_is_more_saturated(centers):
    # Two likely saturated colors on opposite sides of gray (blue and green): their mean is
    # dull, the more likely one alone is not.
    logits = np.full(len(centers), -10.0, dtype=np.float32)
    logits[np.argmin(np.sum((centers - [70.0, -100.0]) ** 2, axis=1))] = 5.0
    logits[np.argmin(np.sum((centers - [-80.0, 80.0]) ** 2, axis=1))] = 4.0
    chroma = [np.linalg.norm(bins.annealed_mean(tf.constant(logits), centers, temperature).numpy())
              for temperature in (1.0, 0.5, 0.1)]
    assert chroma[0] < chroma[1] < chroma[2]


def test_rebalancing_weights_average_one_under_the_prior():
    counts = np.random.default_rng(4).integers(0, 1000, size=40)
    weights = bins.rebalancing_weights(counts, mix=0.5, power=1.0)
    prior = counts / counts.sum()
    assert np.sum(prior * weights) == pytest.approx(1.0, rel=1e-5)


def test_rebalancing_weights_upweight_rare_bins():
    counts = np.array([10_000, 1_000, 100, 10, 0])
    weights = bins.rebalancing_weights(counts)
    assert np.all(np.diff(weights) > 0), weights
    assert weights[-1] > 1.0 > weights[0]


def test_rebalancing_power_zero_is_the_plain_likelihood():
    weights = bins.rebalancing_weights(np.array([500, 30, 1, 0]), power=0.0)
    np.testing.assert_allclose(weights, 1.0, atol=1e-6)


def test_zhang_rebalancing_matches_the_formula_by_hand():
    counts = np.array([6.0, 3.0, 1.0, 0.0])
    prior = counts / 10.0
    unnormalized = 1.0 / (0.5 * prior + 0.5 / 4)
    expected = unnormalized / np.sum(prior * unnormalized)
    np.testing.assert_allclose(bins.rebalancing_weights(counts, mix=0.5, power=1.0), expected, rtol=1e-6)


def test_rebalancing_without_counts_weights_every_bin_equally():
    weights = bins.rebalancing_weights(np.zeros(7))
    np.testing.assert_allclose(weights, 1.0, atol=1e-6)


def test_certainty_is_one_for_one_color_and_zero_for_all_alike(centers):
    sure = np.full((1, len(centers)), -1e4, dtype=np.float32)
    sure[0, 7] = 0.0
    alike = np.zeros((1, len(centers)), dtype=np.float32)
    halves = np.full((1, len(centers)), -1e4, dtype=np.float32)
    halves[0, [3, 40]] = 0.0
    values = bins.certainty(tf.constant(np.concatenate([sure, alike, halves]))).numpy()
    np.testing.assert_allclose(values, [1.0, 0.0, 1.0 - np.log(2) / np.log(len(centers))], atol=1e-5)
