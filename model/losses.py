"""Losses and metrics as plain functions of tensors, and the decode shared with inference.

Targets are Lab images (B, H, W, 3); predictions are ab-cell logits at a resolution that
divides theirs (B, H/s, W/s, Q): half of it for the older network, a quarter for the
pretrained one, the same for CIFAR-10 thumbnails that it sees enlarged four times.
"""

import keras
import tensorflow as tf

from model import bins, color


def target_ab(lab, output_size):
    """The ab channels averaged down to the logits' (height, width), which must divide the target's.

    The sizes may be known only when the step runs (batches of several image sizes mixed).
    """
    ab = lab[..., 1:]
    height, width = output_size[0], output_size[1]
    stride = tf.shape(ab)[1] // height
    blocks = tf.reshape(ab, [tf.shape(ab)[0], height, stride, width, stride, 2])
    return tf.reduce_mean(blocks, axis=[2, 4])


def rebalanced_cross_entropy(lab, logits, centers, weights):
    """Cross-entropy against soft-encoded targets, each pixel weighted by its color's rarity."""
    ab = target_ab(lab, tf.unstack(tf.shape(logits)[1:3]))
    targets = bins.soft_encode(ab, centers)
    per_pixel = -tf.reduce_sum(targets * tf.nn.log_softmax(tf.cast(logits, tf.float32), axis=-1), axis=-1)
    pixel_weights = tf.gather(weights, bins.nearest_bin(ab, centers))
    return tf.reduce_mean(per_pixel * pixel_weights)


def decode_to_rgb(lightness, logits, centers, temperature):
    """RGB in [0, 1] from full-resolution L (B, H, W, 1) in [0, 100] and reduced-resolution logits."""
    ab = bins.annealed_mean(logits, centers, temperature)
    size = tf.shape(lightness)[1:3]
    ab = tf.image.resize(ab, size, method="bilinear")
    return color.lab_to_rgb(tf.concat([lightness, ab], axis=-1))


def rgb_mse(lab, logits, centers, temperature):
    """Mean squared error on RGB in [0, 1] of the decoded colorization, over all pixels."""
    truth = color.lab_to_rgb(lab)
    predicted = decode_to_rgb(lab[..., :1], logits, centers, temperature)
    return tf.reduce_mean(tf.square(predicted - truth))


@keras.saving.register_keras_serializable(package="colorize")
class RebalancedCrossEntropy(keras.losses.Loss):
    """Keras wrapper of `rebalanced_cross_entropy`; the weights travel in its config."""

    def __init__(self, weights, name="rebalanced_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.weights = [float(weight) for weight in weights]
        self._centers = tf.constant(bins.bin_centers())
        self._weights = tf.constant(self.weights, dtype=tf.float32)

    def call(self, y_true, y_pred):
        return rebalanced_cross_entropy(y_true, y_pred, self._centers, self._weights)

    def get_config(self):
        return {**super().get_config(), "weights": self.weights}


@keras.saving.register_keras_serializable(package="colorize")
class DecodedRgbMse(keras.metrics.Mean):
    """RGB mean squared error after decoding at a fixed temperature: what a user would see."""

    def __init__(self, temperature, name=None, **kwargs):
        super().__init__(name=name or f"rgb_mse_t{temperature:g}".replace(".", ""), **kwargs)
        self.temperature = float(temperature)
        self._centers = tf.constant(bins.bin_centers())

    def update_state(self, y_true, y_pred, sample_weight=None):
        value = rgb_mse(y_true, y_pred, self._centers, self.temperature)
        return super().update_state(value, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature}
