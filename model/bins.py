"""Quantized ab color space: the classes the network predicts, and how to decode them.

Following Zhang et al. (2016): ab is cut into a grid of 10-unit cells and only the cells
that sRGB colors reach are kept; a pixel's target is a Gaussian-smoothed distribution
over nearby cells, training is rebalanced toward rare (saturated) colors, and the
prediction is decoded by the annealed mean, whose temperature trades vividness (low)
against safety (1.0 is the plain expectation). Where the likely colors disagree in hue
(grass or water, a red or a blue car), the decoded chroma can be faded by their
agreement (`hue_agreement`).
"""

import functools

import numpy as np
import tensorflow as tf

from model import color

GRID = 10.0  # ab units per cell
SOFT_SIGMA = 5.0  # ab units; width of the soft target around the true color
AB_LIMIT = 110.0  # cells are searched within [-AB_LIMIT, AB_LIMIT) on both axes
GAMUT_SAMPLES = 64  # sRGB is sampled on a 64^3 grid to find the reachable cells


@functools.lru_cache(maxsize=1)
def bin_centers():
    """(Q, 2) float32 centers of the ab cells that some sRGB color falls in."""
    levels = np.linspace(0.0, 1.0, GAMUT_SAMPLES, dtype=np.float32)
    rgb = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(-1, 3)
    ab = color.rgb_to_lab(tf.constant(rgb)).numpy()[:, 1:]
    cells = np.floor((ab + AB_LIMIT) / GRID).astype(np.int64)
    per_side = int(2 * AB_LIMIT / GRID)
    unique = np.unique(cells[:, 0] * per_side + cells[:, 1])
    centers = np.stack([unique // per_side, unique % per_side], axis=-1) * GRID - AB_LIMIT + GRID / 2
    return centers.astype(np.float32)


def soft_encode(ab, centers):
    """Target distribution over cells for ab values [..., 2]: a Gaussian around each color."""
    distances = tf.reduce_sum(tf.square(ab[..., None, :] - centers), axis=-1)
    return tf.nn.softmax(-distances / (2.0 * SOFT_SIGMA**2), axis=-1)


def nearest_bin(ab, centers):
    """Index of the nearest cell center for ab values [..., 2]."""
    distances = tf.reduce_sum(tf.square(ab[..., None, :] - centers), axis=-1)
    return tf.argmin(distances, axis=-1, output_type=tf.int32)


def rebalancing_weights(counts, mix=0.5, power=0.5):
    """Per-cell loss weights from cell counts: ((1 - mix) * prior + mix / Q) ** -power, mean 1 under the prior.

    mix=0.5, power=1 is Zhang et al.'s rebalancing; a smaller power keeps more of the
    plain likelihood, trading some vividness for lower squared error.
    """
    counts = np.asarray(counts, dtype=np.float64)
    num_bins = counts.size
    prior = counts / max(counts.sum(), 1.0)
    weights = ((1.0 - mix) * prior + mix / num_bins) ** -power
    weights /= np.sum(prior * weights) if counts.sum() > 0 else weights.mean()
    return weights.astype(np.float32)


def annealed_mean(logits, centers, temperature):
    """Decode logits [..., Q] into ab [..., 2]: the mean of softmax(log p / T)."""
    probabilities = tf.nn.softmax(tf.cast(logits, tf.float32) / temperature, axis=-1)
    return tf.tensordot(probabilities, centers, axes=[[-1], [0]])


def hue_agreement(logits, centers):
    """How much the colors that logits [..., Q] make likely agree in hue, in [0, 1] per pixel [...].

    The length of the expected ab over the expected chroma: 1 when every likely color lies in
    one direction from gray, near 0 when they pull opposite ways (whatever their chroma).
    """
    probabilities = tf.nn.softmax(tf.cast(logits, tf.float32), axis=-1)
    mean_ab = tf.tensordot(probabilities, centers, axes=[[-1], [0]])
    mean_chroma = tf.tensordot(probabilities, tf.norm(centers, axis=-1), axes=[[-1], [0]])
    return tf.norm(mean_ab, axis=-1) / tf.maximum(mean_chroma, 1e-6)


def certainty(logits):
    """How sure the distribution of logits [..., Q] is, in [0, 1] per pixel [...]: 1 - its entropy / log Q
    (1: all on one color; 0: every color alike)."""
    log_probabilities = tf.nn.log_softmax(tf.cast(logits, tf.float32), axis=-1)
    entropy = -tf.reduce_sum(tf.exp(log_probabilities) * log_probabilities, axis=-1)
    return 1.0 - entropy / np.log(float(logits.shape[-1]))
