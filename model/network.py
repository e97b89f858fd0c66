"""The colorization networks: lightness in, a distribution over ab cells at reduced resolution out.

Two architectures share that contract. The default (`lab-effnet-classifier`) sees the
gray image through an ImageNet-pretrained EfficientNet-Lite encoder, so that it knows what
is in the picture, and decodes its features at strides 32 to 4 with a small U-Net decoder.
The older `lab-unet-classifier`, learned from scratch, is kept so that its models and
users' fine-tunes still load and colorize.

The older network is a small U-Net that downsamples early (compute is the scarce resource on a CPU), with a
global-features branch (Iizuka et al., 2016) so that scene-level cues such as sky or
foliage reach every pixel, and a classification head over the quantized ab cells.
Chroma is predicted at half resolution and upsampled: the original lightness keeps all
the detail, and true chroma at reduced resolution loses little (31.7 dB at 1/4 on CIFAR-10).
"""

import dataclasses

import keras
import tensorflow as tf
from keras import layers

from model import color, efficientnet

UNET_ARCHITECTURE = "lab-unet-classifier"
PRETRAINED_ARCHITECTURE = "lab-effnet-classifier"
# The pretrained network with two more inputs to its decoder: a hint map and a palette (model/hints.py).
GUIDED_ARCHITECTURE = "lab-effnet-guided"
GUIDANCE_WIDTH = 256  # a palette's embedding
NORM_GROUPS = 4  # channel groups normalized together, per image
DECODER_STRIDES = (4, 8, 16, 32)  # the encoder features the pretrained network's decoder joins
DECODER_WIDTHS = (64, 96, 128, 256)  # the decoder's channels at those strides
DECODER_NORM_GROUPS = 8  # channel groups normalized together in the decoder, per image
DEFAULT_ENCODER = "lite0"


@dataclasses.dataclass(frozen=True)
class Geometry:
    """An architecture's version and how it sees an image; model.json records these fields."""

    architecture_version: int  # raised when a change to the network makes older files load wrongly
    downsampling: int  # input sides must be multiples of this; inference pads to it
    output_stride: int  # the logits have 1/output_stride of the input's height and width
    # Images whose short side is below this are enlarged to it first: the pretrained encoder
    # sees a 32-pixel thumbnail as a single feature at its coarsest stride.
    smallest_side: int = 0


GEOMETRIES = {
    UNET_ARCHITECTURE: Geometry(architecture_version=2, downsampling=8, output_stride=2),
    PRETRAINED_ARCHITECTURE: Geometry(architecture_version=1, downsampling=32, output_stride=4, smallest_side=128),
    GUIDED_ARCHITECTURE: Geometry(architecture_version=1, downsampling=32, output_stride=4, smallest_side=128),
}
PRETRAINED_ARCHITECTURES = (PRETRAINED_ARCHITECTURE, GUIDED_ARCHITECTURE)  # an EfficientNet encoder, a U-Net decoder


def is_guided(model):
    """Whether a model takes hints and a palette beside the lightness."""
    return model.name == GUIDED_ARCHITECTURE


def geometry_of(architecture):
    """The Geometry of a model by its name; a ValueError names the known architectures."""
    if architecture not in GEOMETRIES:
        raise ValueError(f"unknown architecture {architecture!r}; this version knows "
                         f"{', '.join(sorted(GEOMETRIES))}")
    return GEOMETRIES[architecture]


def _conv(x, filters, name, strides=1, dilation=1, groups=NORM_GROUPS):
    x = layers.Conv2D(filters, 3, strides=strides, dilation_rate=dilation, padding="same",
                      use_bias=False, name=f"{name}_conv")(x)
    # Per-image normalization: batch statistics would blend CIFAR thumbnails and photo
    # crops into one running average that fits neither at inference (measured: recalibrating
    # BatchNorm on CIFAR alone cut CIFAR MSE from 0.00559 to 0.00534).
    x = layers.GroupNormalization(groups=groups, name=f"{name}_gn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def build_colorizer(num_bins, base_filters=16, global_features=True):
    """The network: input L/50 - 1 of shape (H, W, 1), output ab-cell logits (H/2, W/2, num_bins)."""
    filters = [base_filters, base_filters * 2, base_filters * 4, base_filters * 8]
    lightness = keras.Input(shape=(None, None, 1), name="lightness")
    full = _conv(lightness, filters[0], "enc0")
    half = _conv(full, filters[1], "enc1a", strides=2)
    half = _conv(half, filters[1], "enc1b")
    quarter = _conv(half, filters[2], "enc2a", strides=2)
    quarter = _conv(quarter, filters[2], "enc2b")
    eighth = _conv(quarter, filters[3], "enc3a", strides=2)
    eighth = _conv(eighth, filters[3], "enc3b", dilation=2)
    eighth = _conv(eighth, filters[3], "enc3c", dilation=2)
    if global_features:
        scene = layers.GlobalAveragePooling2D(name="global_pool")(eighth)
        scene = layers.Dense(filters[3], activation="relu", name="global_dense")(scene)
        scene = layers.Reshape((1, 1, filters[3]), name="global_reshape")(scene)
        # Adding a broadcast vector fuses the scene into every position at any input size.
        fused = layers.Conv2D(filters[3], 1, name="global_fuse")(scene)
        eighth = layers.Add(name="global_add")([eighth, fused])
    up = layers.UpSampling2D(2, interpolation="nearest", name="dec2_up")(eighth)
    up = layers.Concatenate(name="dec2_skip")([up, quarter])
    up = _conv(up, filters[2], "dec2a")
    up = _conv(up, filters[2], "dec2b")
    up = layers.UpSampling2D(2, interpolation="nearest", name="dec1_up")(up)
    up = layers.Concatenate(name="dec1_skip")([up, half])
    up = _conv(up, filters[1] * 2, "dec1a")
    logits = layers.Conv2D(num_bins, 1, name="ab_logits", dtype="float32")(up)
    return keras.Model(lightness, logits, name=UNET_ARCHITECTURE)


@keras.saving.register_keras_serializable(package="colorize")
class LightnessToGray(layers.Layer):
    """Normalized lightness (L/50 - 1) -> the gray sRGB image of that lightness, 0-255 on three channels."""

    def call(self, normalized):
        lightness = (normalized + 1.0) * (color.L_MAX / 2.0)
        zeros = tf.zeros_like(lightness)
        return color.lab_to_rgb(tf.concat([lightness, zeros, zeros], axis=-1)) * 255.0


@keras.saving.register_keras_serializable(package="colorize")
class UpsampleTo(layers.Layer):
    """Bilinear upsampling of the first input to the height and width of the second (any input size)."""

    def call(self, inputs):
        values, reference = inputs
        return tf.image.resize(values, tf.shape(reference)[1:3], method="bilinear")

    def compute_output_shape(self, input_shapes):
        values, reference = input_shapes
        return (*reference[:3], values[-1])


def build_features(encoder):
    """The frozen part of the pretrained network: normalized L (H, W, 1) -> encoder features at DECODER_STRIDES."""
    lightness = keras.Input(shape=(None, None, 1), name="lightness")
    gray = LightnessToGray(name="gray_rgb")(lightness)
    features = encoder(gray)
    return keras.Model(lightness, [features[efficientnet.feature_name(stride)] for stride in DECODER_STRIDES],
                       name="features")


@keras.saving.register_keras_serializable(package="colorize")
class HintPool(layers.Layer):
    """A hint map (B, H, W, 3) pooled to the height and width of a decoder level (which must divide H and W).

    Per cell: the mean ab of its hinted pixels, and the mask's maximum (1 wherever a hint is).
    """

    def call(self, inputs):
        hints, reference = inputs
        shape, level = tf.shape(hints), tf.shape(reference)
        factor_h, factor_w = shape[1] // level[1], shape[2] // level[2]
        blocks = tf.reshape(hints, [shape[0], level[1], factor_h, level[2], factor_w, shape[3]])
        ab_sum = tf.reduce_sum(blocks[..., :2], axis=[2, 4])
        mask_sum = tf.reduce_sum(blocks[..., 2:], axis=[2, 4])
        return tf.concat([ab_sum / tf.maximum(mask_sum, 1.0), tf.cast(mask_sum > 0, hints.dtype)], axis=-1)

    def compute_output_shape(self, input_shapes):
        hints, reference = input_shapes
        return (*reference[:3], hints[-1])


@keras.saving.register_keras_serializable(package="colorize")
class Gated(layers.Layer):
    """x + gate * residual, the gate (B,) one per image: where it is 0 the output is x, exactly."""

    def call(self, inputs):
        x, residual, gate = inputs
        return x + residual * tf.reshape(tf.cast(gate, x.dtype), [-1, 1, 1, 1])

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]


@keras.saving.register_keras_serializable(package="colorize")
class AnyHint(layers.Layer):
    """(B,) 1 where a hint map has a hint or a palette is given, else 0."""

    def call(self, values):
        return tf.cast(tf.reduce_max(tf.reshape(tf.abs(values), [tf.shape(values)[0], -1]), axis=-1) > 0,
                       values.dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],)


def _guidance(x, hints, palette_embedding, gates, name):
    """The decoder's activations x at one level with the hints and the palette added (gated, zero at start).

    The hint residual sees the activations beside the pooled hints, so that it can follow the
    picture's edges; its last layer starts at zero, so a new guided network starts as the
    automatic one it is made from.
    """
    width = x.shape[-1]
    hint_gate, palette_gate = gates
    pooled = HintPool(name=f"{name}_hint_pool")([hints, x])
    residual = layers.Concatenate(name=f"{name}_hint_in")([x, pooled])
    residual = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"{name}_hint_conv")(residual)
    residual = layers.Conv2D(width, 1, kernel_initializer="zeros", name=f"{name}_hint_out")(residual)
    x = Gated(name=f"{name}_hint_add")([x, residual, hint_gate])
    colors = layers.Dense(width, kernel_initializer="zeros", name=f"{name}_palette_out")(palette_embedding)
    colors = layers.Reshape((1, 1, width), name=f"{name}_palette_reshape")(colors)
    return Gated(name=f"{name}_palette_add")([x, colors, palette_gate])


def build_decoder(num_bins, channels, widths=DECODER_WIDTHS, guided=False):
    """Encoder features at DECODER_STRIDES (with `channels` each) -> ab-cell logits at stride 4.

    `guided`: two more inputs, a hint map (H, W, hints.HINT_CHANNELS) at the network's input
    resolution and a palette (Q,) of a reference photo (model/hints.py), each added at every
    level of the decoder through gates that are exactly closed when there is no hint and no
    palette: without them a guided decoder computes what the automatic one it was made from does.
    """
    inputs = [keras.Input(shape=(None, None, count), name=f"stride{stride}")
              for stride, count in zip(DECODER_STRIDES, channels)]
    coarsest = inputs[-1]
    guide = None
    if guided:
        hint_input = keras.Input(shape=(None, None, 3), name="hints")
        palette_input = keras.Input(shape=(num_bins,), name="palette")
        embedding = layers.Dense(GUIDANCE_WIDTH, activation="relu", name="palette_embed")(palette_input)
        gates = (AnyHint(name="hint_gate")(hint_input), AnyHint(name="palette_gate")(palette_input))
        guide = lambda x, name: _guidance(x, hint_input, embedding, gates, name)  # noqa: E731
    x = layers.Conv2D(widths[-1], 1, use_bias=False, name="s32_project")(coarsest)
    x = layers.GroupNormalization(groups=DECODER_NORM_GROUPS, name="s32_gn")(x)
    x = layers.ReLU(name="s32_relu")(x)
    # The scene as a whole (Iizuka et al., 2016): one vector added at every position.
    scene = layers.GlobalAveragePooling2D(name="global_pool")(coarsest)
    scene = layers.Dense(widths[-1], activation="relu", name="global_dense")(scene)
    scene = layers.Dense(widths[-1], name="global_fuse")(scene)
    x = layers.Add(name="global_add")([x, layers.Reshape((1, 1, widths[-1]), name="global_reshape")(scene)])
    if guide:
        x = guide(x, "g32")
    for level in range(len(DECODER_STRIDES) - 2, -1, -1):
        name = f"dec{DECODER_STRIDES[level]}"
        x = UpsampleTo(name=f"{name}_up")([x, inputs[level]])
        x = layers.Concatenate(name=f"{name}_skip")([x, inputs[level]])
        x = _conv(x, widths[level], f"{name}a", groups=DECODER_NORM_GROUPS)
        x = _conv(x, widths[level], f"{name}b", groups=DECODER_NORM_GROUPS)
        if guide:
            x = guide(x, f"g{DECODER_STRIDES[level]}")
    logits = layers.Conv2D(num_bins, 1, name="ab_logits", dtype="float32")(x)
    if guided:
        inputs = [*inputs, hint_input, palette_input]
    return keras.Model(inputs, logits, name="decoder")


def guidance_layer_names(model):
    """The weighted layers a guided network adds to the automatic one (trained alone by default)."""
    return sorted(name for name in weighted_layers(model) if "_hint_" in name or "palette" in name)


def build_pretrained_colorizer(num_bins, variant=DEFAULT_ENCODER, encoder_weights=None, widths=DECODER_WIDTHS,
                               guided=False):
    """The default network: input L/50 - 1 of shape (H, W, 1), output ab-cell logits (H/4, W/4, num_bins).

    `encoder_weights`: the converted ImageNet weights (data/fetch_efficientnet.py); the
    encoder is frozen, so only the decoder learns. `guided`: the network also takes a hint map
    (H, W, 3) and a palette (num_bins,) (build_decoder), as the inputs "hints" and "palette".
    """
    features = build_features(efficientnet.build_encoder(variant, weights=encoder_weights))
    features.trainable = False
    decoder = build_decoder(num_bins, [shape[-1] for shape in features.output_shape], widths, guided=guided)
    lightness = keras.Input(shape=(None, None, 1), name="lightness")
    if not guided:
        return keras.Model(lightness, decoder(features(lightness)), name=PRETRAINED_ARCHITECTURE)
    hint_map = keras.Input(shape=(None, None, 3), name="hints")
    palette = keras.Input(shape=(num_bins,), name="palette")
    logits = decoder([*features(lightness), hint_map, palette])
    return keras.Model([lightness, hint_map, palette], logits, name=GUIDED_ARCHITECTURE)


def guided_from(automatic, encoder_variant=None):
    """A guided network made from an automatic `lab-effnet-classifier`: its weights, and guidance that starts at zero."""
    variant = encoder_variant or efficientnet.variant_of(encoder_of(automatic))
    guided = build_pretrained_colorizer(automatic.output_shape[-1], variant, guided=True)
    copy_weights_by_name(automatic, guided)
    return guided


def encoder_of(pretrained_colorizer):
    """The EfficientNet-Lite encoder inside a `lab-effnet-classifier`."""
    features = pretrained_colorizer.get_layer("features")
    return next(layer for layer in features.layers if layer.name in map(efficientnet.encoder_name,
                                                                         efficientnet.VARIANTS))


def training_strides(fine_tune_from=None):
    """The strides of the encoder features a run caches: all DECODER_STRIDES, or those up to `fine_tune_from`,
    the stride above which the encoder learns (16: its stride-32 stages; 8: its stride-16 ones too)."""
    if fine_tune_from is None:
        return DECODER_STRIDES
    if fine_tune_from not in DECODER_STRIDES[1:-1]:
        raise ValueError(f"the encoder can learn above its stride-{' or stride-'.join(map(str, DECODER_STRIDES[1:-1]))} "
                         f"features, not above stride {fine_tune_from}")
    return tuple(stride for stride in DECODER_STRIDES if stride <= fine_tune_from)


def frozen_part(pretrained_colorizer, fine_tune_from=None):
    """What a run keeps frozen and computes once: normalized L -> the encoder features at training_strides.

    When the encoder's upper stages learn (above the stride `fine_tune_from`), the frozen part stops
    below them: those stages are not computed for features that training would not use.
    """
    features = pretrained_colorizer.get_layer("features")
    if fine_tune_from is None:
        return features
    encoder = encoder_of(pretrained_colorizer)
    below_top = keras.Model(encoder.inputs, [encoder.output[efficientnet.feature_name(stride)]
                                             for stride in training_strides(fine_tune_from)])
    lightness = keras.Input(shape=(None, None, 1), name="lightness")
    return keras.Model(lightness, below_top(features.get_layer("gray_rgb")(lightness)), name="features_below_top")


def weighted_layers(model):
    """{name: layer} of the layers that hold weights, nested models' included (their names are unique here)."""
    found = {}
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found.update(weighted_layers(layer))
        elif layer.weights:
            found[layer.name] = layer
    return found


def copy_weights_by_name(source, target):
    """Give target's weighted layers the values of their namesakes in source.

    One of the two must hold all of the other's weighted layers (a trained part into the whole
    network, or a part taken out of it); anything else is a ValueError: they are not parts of
    one network.
    """
    sources, targets = weighted_layers(source), weighted_layers(target)
    shared = set(sources) & set(targets)
    if shared != set(sources) and shared != set(targets):
        unknown = sorted(set(sources) - shared)
        raise ValueError(f"{source.name} and {target.name} are not parts of one network: {target.name} has no "
                         f"layers named {', '.join(unknown[:5])} ({len(unknown)} in all)")
    for name in shared:
        targets[name].set_weights(sources[name].get_weights())


def build_training_network(pretrained_colorizer, fine_tune_from=None, feature_dropout=0.0):
    """What a run fits on the cached encoder features: its decoder, and with options around it.

    - `fine_tune_from`: the encoder's stages above this stride learn too (16: the stride-32
      stages; 8: the stride-16 ones too). They are a copy of the encoder's top
      (efficientnet.build_top) fed by the cached features at that stride, so the network takes
      the features at training_strides only (frozen_part's); their BatchNorm statistics stay
      fixed. `copy_weights_by_name(trained, pretrained_colorizer)` puts them back.
    - `feature_dropout`: the share of cached feature values dropped in each training step, a
      regularizer for a decoder that sees the same crops' features every pass.

    Without either, the decoder itself (the layers are shared: training it trains the colorizer).
    """
    decoder = pretrained_colorizer.get_layer("decoder")
    if fine_tune_from is None and not feature_dropout:
        return decoder
    strides = training_strides(fine_tune_from)
    inputs = [keras.Input(shape=(None, None, decoder.input_shape[index][-1]), name=f"stride{stride}")
              for index, stride in enumerate(strides)]
    guidance = [keras.Input(shape=shape[1:], name=name) for name, shape in
                zip(("hints", "palette"), decoder.input_shape[len(DECODER_STRIDES):])]
    features = [layers.Dropout(feature_dropout, name=f"stride{stride}_dropout")(feature) if feature_dropout
                else feature for stride, feature in zip(strides, inputs)]
    if fine_tune_from is not None:
        encoder = encoder_of(pretrained_colorizer)
        top = efficientnet.build_top(efficientnet.variant_of(encoder), from_stride=fine_tune_from)
        copy_weights_by_name(encoder, top)
        for layer in top.layers:
            if isinstance(layer, layers.BatchNormalization):
                layer.trainable = False
        learned = top(features[-1])
        features += [learned[efficientnet.feature_name(stride)] for stride in DECODER_STRIDES if stride > fine_tune_from]
    return keras.Model(inputs + guidance, decoder(features + guidance), name="decoder_training")
