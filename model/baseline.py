"""The seed notebook's network, kept as a measured baseline (`colorize-train --architecture seed-baseline`).

Four 3x3 convolutions (64, 64, 128 filters, ReLU; then 3, sigmoid), all 'same' padding,
114,883 parameters: grayscale in [0, 1] in, RGB in [0, 1] out, trained with MSE. Each
output pixel sees only a 9x9 patch, which is why its colors come out olive and sepia.
"""

import keras
from keras import layers

ARCHITECTURE = "seed-baseline"


def build_seed_baseline():
    """The notebook's model: gray (H, W, 1) in [0, 1] -> RGB (H, W, 3) in [0, 1]."""
    gray = keras.Input(shape=(None, None, 1), name="gray")
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(gray)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    x = layers.Conv2D(128, 3, activation="relu", padding="same")(x)
    rgb = layers.Conv2D(3, 3, activation="sigmoid", padding="same")(x)
    return keras.Model(gray, rgb, name=ARCHITECTURE)
