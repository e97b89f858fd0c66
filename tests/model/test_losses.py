"""Tests for model/losses.py: the training loss, the decoded-RGB metric and the decode they share with inference."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from model import bins, color, losses

CENTERS = tf.constant(bins.bin_centers())


def lab_image(height, width, ab, lightness=60.0):
    """One Lab image (1, H, W, 3) of one color."""
    lab = np.empty((1, height, width, 3), dtype=np.float32)
    lab[..., 0] = lightness
    lab[..., 1:] = ab
    return tf.constant(lab)


def confident_logits(height, width, ab, confidence=30.0):
    """Logits (1, H, W, Q) that put almost all the probability on the cell nearest to `ab`."""
    nearest = int(bins.nearest_bin(tf.constant([ab], dtype=tf.float32), CENTERS)[0])
    logits = np.zeros((1, height, width, len(bins.bin_centers())), dtype=np.float32)
    logits[..., nearest] = confidence
    return tf.constant(logits)


def test_target_ab_averages_the_blocks_under_each_logit():
    lab = np.zeros((1, 4, 4, 3), dtype=np.float32)
    lab[0, :2, :2, 1] = 40.0  # the top-left 2x2 block: a = 40
    lab[0, :, :, 2] = np.arange(4)[None, :]  # b = column index
    ab = losses.target_ab(tf.constant(lab), (2, 2)).numpy()
    assert ab.shape == (1, 2, 2, 2)
    np.testing.assert_allclose(ab[0, :, :, 0], [[40.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(ab[0, :, :, 1], [[0.5, 2.5], [0.5, 2.5]])


def test_the_loss_is_lower_for_the_right_color_than_for_a_wrong_one():
    truth = lab_image(4, 4, (40.0, 40.0))
    weights = tf.ones(len(bins.bin_centers()))
    right = losses.rebalanced_cross_entropy(truth, confident_logits(2, 2, (40.0, 40.0)), CENTERS, weights)
    wrong = losses.rebalanced_cross_entropy(truth, confident_logits(2, 2, (-40.0, -40.0)), CENTERS, weights)
    assert 0.0 < float(right) < float(wrong)


def test_rare_colors_weigh_by_their_rebalancing_weight():
    truth = lab_image(4, 4, (40.0, 40.0))
    logits = tf.zeros((1, 2, 2, len(bins.bin_centers())))
    plain = losses.rebalanced_cross_entropy(truth, logits, CENTERS, tf.ones(len(bins.bin_centers())))
    tripled = losses.rebalanced_cross_entropy(truth, logits, CENTERS, 3.0 * tf.ones(len(bins.bin_centers())))
    assert float(tripled) == pytest.approx(3.0 * float(plain), rel=1e-5)


def test_decoding_confident_logits_gives_back_the_color_at_full_resolution():
    truth = lab_image(8, 6, (20.0, -30.0))
    rgb = losses.decode_to_rgb(truth[..., :1], confident_logits(4, 3, (20.0, -30.0)), CENTERS, temperature=0.5)
    assert rgb.shape == (1, 8, 6, 3)
    nearest_center = bins.bin_centers()[int(bins.nearest_bin(tf.constant([[20.0, -30.0]]), CENTERS)[0])]
    expected = color.lab_to_rgb(lab_image(8, 6, nearest_center)).numpy()
    np.testing.assert_allclose(rgb.numpy(), expected, atol=1e-3)


def test_rgb_mse_is_zero_for_a_perfect_prediction_and_grows_with_the_error():
    ab = np.array([45.0, 45.0], dtype=np.float32)  # a cell center
    truth = lab_image(4, 4, ab)
    perfect = float(losses.rgb_mse(truth, confident_logits(2, 2, ab), CENTERS, 0.5))
    wrong = float(losses.rgb_mse(truth, confident_logits(2, 2, -ab), CENTERS, 0.5))
    assert perfect == pytest.approx(0.0, abs=1e-6)
    assert wrong > 0.01


def test_the_metric_reports_rgb_mse_at_its_temperature_under_a_name_that_says_it():
    truth = lab_image(4, 4, (40.0, 40.0))
    logits = tf.random.stateless_normal((1, 2, 2, len(bins.bin_centers())), seed=(1, 2))
    metric = losses.DecodedRgbMse(0.38)
    metric.update_state(truth, logits)
    assert metric.name == "rgb_mse_t038"
    assert float(metric.result()) == pytest.approx(float(losses.rgb_mse(truth, logits, CENTERS, 0.38)), rel=1e-5)


def test_the_loss_and_the_metric_keep_their_settings_through_serialization():
    loss = losses.RebalancedCrossEntropy(np.linspace(0.5, 2.0, len(bins.bin_centers())))
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert restored.weights == pytest.approx(loss.weights)
    metric = keras.metrics.deserialize(keras.metrics.serialize(losses.DecodedRgbMse(0.7)))
    assert (metric.temperature, metric.name) == (0.7, "rgb_mse_t07")
