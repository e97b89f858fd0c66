"""sRGB <-> CIE Lab (D65 white, 2 degree observer) in TensorFlow.

This is the only module that converts between the two spaces, so the Beam writer,
the tf.data reader, the losses and the colorize transform all agree on the numbers.

    lab = rgb_to_lab(rgb)        # rgb in [0, 1], shape [..., 3]
    rgb = lab_to_rgb(lab)        # clipped to [0, 1]
"""

import numpy as np
import tensorflow as tf

L_MAX = 100.0  # lightness of the reference white, in CIE L* units
AB_SCALE = 110.0  # a*, b* are divided by this for the network; sRGB spans about [-108, 99]

# IEC 61966-2-1 piecewise transfer function: a linear toe near black, a 2.4 power above.
_SRGB_DECODE_THRESHOLD = 0.04045  # gamma-encoded value where the toe ends
_SRGB_ENCODE_THRESHOLD = 0.0031308  # the same point in linear light
_SRGB_TOE_SLOPE = 12.92
_SRGB_GAMMA = 2.4
_SRGB_OFFSET = 0.055

# Linear sRGB -> CIE XYZ for the sRGB primaries and D65 white, rows X, Y, Z.
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
# Inverting the forward matrix here, instead of typing a rounded published inverse,
# keeps the round trip exact to float precision.
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)

_D65_WHITE = np.array([0.95047, 1.0, 1.08883])  # Xn, Yn, Zn with Yn = 1

# CIE constants as exact fractions, so the two pieces of f(t) meet without a step.
_EPSILON = 216.0 / 24389.0  # (6/29)**3, where f(t) switches from cube root to line
_KAPPA = 24389.0 / 27.0  # (29/3)**3, slope of L* in Y below epsilon
_DELTA = 6.0 / 29.0  # f(epsilon), the same switch seen from the f side


def rgb_to_lab(rgb):
    """Convert gamma-encoded sRGB in [0, 1], shape [..., 3], to CIE Lab with L in [0, 100]."""
    rgb = _as_float_tensor(rgb, "rgb")
    linear = _srgb_decode(rgb)
    xyz = _apply_matrix(_RGB_TO_XYZ, linear)
    relative = xyz / tf.constant(_D65_WHITE, dtype=rgb.dtype)
    f_x, f_y, f_z = tf.unstack(_lab_f(relative), axis=-1)
    lightness = 116.0 * f_y - 16.0
    a = 500.0 * (f_x - f_y)
    b = 200.0 * (f_y - f_z)
    return tf.stack([lightness, a, b], axis=-1)


def lab_to_rgb(lab):
    """Convert CIE Lab, shape [..., 3], back to gamma-encoded sRGB clipped to [0, 1]."""
    lab = _as_float_tensor(lab, "lab")
    lightness, a, b = tf.unstack(lab, axis=-1)
    f_y = (lightness + 16.0) / 116.0
    f_x = f_y + a / 500.0
    f_z = f_y - b / 200.0
    relative = _lab_f_inverse(tf.stack([f_x, f_y, f_z], axis=-1))
    xyz = relative * tf.constant(_D65_WHITE, dtype=lab.dtype)
    linear = _apply_matrix(_XYZ_TO_RGB, xyz)
    # Lab can name colours outside the sRGB gamut (and a network will predict some),
    # so the result is clipped rather than returned out of range.
    return tf.clip_by_value(_srgb_encode(linear), 0.0, 1.0)


def normalize_l(lightness):
    """Map L from [0, 100] to the network's input range [-1, 1]."""
    return lightness / (L_MAX / 2.0) - 1.0


def _as_float_tensor(values, name):
    values = tf.convert_to_tensor(values)
    if not values.dtype.is_floating:
        raise ValueError(
            f"{name} must be a floating-point tensor, got {values.dtype.name}; "
            "convert uint8 images with tf.image.convert_image_dtype first."
        )
    return values


def _apply_matrix(matrix, values):
    # A broadcast multiply and sum instead of matmul: it takes any leading shape,
    # including a single colour, and is never run in TF32, which recent GPUs use for
    # float32 matmul by default and which keeps only about three significant digits.
    matrix = tf.constant(matrix, dtype=values.dtype)
    return tf.reduce_sum(values[..., tf.newaxis, :] * matrix, axis=-1)


def _srgb_decode(encoded):
    # Both branches of tf.where are evaluated and differentiated, so the power branch
    # only ever sees values where it is selected; otherwise negative inputs give NaN.
    power_base = tf.maximum(encoded, _SRGB_DECODE_THRESHOLD)
    power = tf.pow((power_base + _SRGB_OFFSET) / (1.0 + _SRGB_OFFSET), _SRGB_GAMMA)
    return tf.where(encoded <= _SRGB_DECODE_THRESHOLD, encoded / _SRGB_TOE_SLOPE, power)


def _srgb_encode(linear):
    # The clamp keeps x**(1/2.4) away from 0, where its gradient is infinite and would
    # turn the gradient of the selected toe branch into NaN.
    power_base = tf.maximum(linear, _SRGB_ENCODE_THRESHOLD)
    power = (1.0 + _SRGB_OFFSET) * tf.pow(power_base, 1.0 / _SRGB_GAMMA) - _SRGB_OFFSET
    return tf.where(linear <= _SRGB_ENCODE_THRESHOLD, linear * _SRGB_TOE_SLOPE, power)


def _lab_f(relative):
    # Same clamp as in _srgb_encode: the cube root has an infinite gradient at 0
    # and is NaN for the small negative values rounding can produce.
    cube_root = tf.pow(tf.maximum(relative, _EPSILON), 1.0 / 3.0)
    line = (_KAPPA * relative + 16.0) / 116.0
    return tf.where(relative > _EPSILON, cube_root, line)


def _lab_f_inverse(f):
    line = (116.0 * f - 16.0) / _KAPPA
    return tf.where(f > _DELTA, f * f * f, line)


# The full-resolution path of the colorize job: NumPy on 8-bit images, with lookup tables
# for the sRGB transfer function. It computes the same numbers as the TensorFlow functions
# above (tested against them) about ten times faster, in one thread, in float32.

_ENCODE_STEPS = 65535  # linear-light steps of the encoding table: at most 0.03 of an 8-bit level off

# Tables built once, with the TensorFlow transfer functions above, in float64: each 8-bit
# level's linear light, the same weighted by its share of the luminance Y, and linear
# light in steps of 1/_ENCODE_STEPS -> the nearest 8-bit sRGB level.
_DECODE_TABLE = _srgb_decode(tf.constant(np.arange(256) / 255.0)).numpy().astype(np.float32)
_LUMINANCE_TABLES = (_DECODE_TABLE[:, None] * _RGB_TO_XYZ[1]).T.astype(np.float32)
_ENCODE_TABLE = np.round(255.0 * _srgb_encode(tf.constant(np.arange(_ENCODE_STEPS + 1) / _ENCODE_STEPS)).numpy()
                         ).astype(np.uint8)


def lightness_of_srgb8(rgb):
    """CIE L (0-100) of uint8 sRGB images, shape [..., 3], as float32 [...]."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8:
        raise ValueError(f"rgb must be uint8, got {rgb.dtype}")
    red, green, blue = _LUMINANCE_TABLES
    luminance = red[rgb[..., 0]]
    luminance += green[rgb[..., 1]]
    luminance += blue[rgb[..., 2]]
    return _lab_f_np(luminance) * np.float32(116.0) - np.float32(16.0)


def gray_of_srgb8(rgb):
    """The uint8 gray level [...] of the same CIE lightness (the same luminance) as uint8 sRGB [..., 3]."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8:
        raise ValueError(f"rgb must be uint8, got {rgb.dtype}")
    red, green, blue = _LUMINANCE_TABLES
    luminance = red[rgb[..., 0]]
    luminance += green[rgb[..., 1]]
    luminance += blue[rgb[..., 2]]
    luminance *= np.float32(_ENCODE_STEPS)
    luminance += np.float32(0.5)
    return _ENCODE_TABLE[np.minimum(luminance.astype(np.int32), _ENCODE_STEPS)]


def lightness_of_gray8(gray):
    """CIE L (0-100) of uint8 gray levels (R = G = B), any shape, as float32: one table lookup."""
    gray = np.asarray(gray)
    if gray.dtype != np.uint8:
        raise ValueError(f"gray must be uint8, got {gray.dtype}")
    return _GRAY_LIGHTNESS[gray]


def srgb8_to_lab(rgb):
    """CIE Lab of uint8 sRGB images, shape [..., 3], as float32 [..., 3]."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8:
        raise ValueError(f"rgb must be uint8, got {rgb.dtype}")
    relative = _DECODE_TABLE[rgb] @ (_RGB_TO_XYZ / _D65_WHITE[:, None]).T.astype(np.float32)
    f = _lab_f_np(relative)
    return np.stack([f[..., 1] * np.float32(116.0) - np.float32(16.0),
                     (f[..., 0] - f[..., 1]) * np.float32(500.0),
                     (f[..., 1] - f[..., 2]) * np.float32(200.0)], axis=-1)


def _lab_f_np(relative):
    """The CIE f(t) of _lab_f, in NumPy float32."""
    return np.where(relative > np.float32(_EPSILON), np.cbrt(relative),
                    (relative * np.float32(_KAPPA) + np.float32(16.0)) / np.float32(116.0))


def lab_to_srgb8(lightness, ab):
    """CIE L [...] and ab [..., 2] to uint8 sRGB [..., 3]; colors outside the gamut are clipped."""
    shape = np.shape(lightness)
    out = np.empty((int(np.prod(shape)), 3), dtype=np.uint8)
    for channel, linear in enumerate(_linear_rgb_channels(lightness, ab)):
        linear *= np.float32(_ENCODE_STEPS)
        linear += np.float32(0.5)
        out[..., channel] = _ENCODE_TABLE[linear.astype(np.int32)]
    return out.reshape(shape + (3,))


def lab_to_srgb16(lightness, ab):
    """CIE L [...] and ab [..., 2] to uint16 sRGB [..., 3], for 16-bit outputs; out of gamut is clipped."""
    shape = np.shape(lightness)
    out = np.empty((int(np.prod(shape)), 3), dtype=np.uint16)
    for channel, linear in enumerate(_linear_rgb_channels(lightness, ab)):
        out[..., channel] = np.round(_srgb_encode_np(linear) * np.float32(65535.0))
    return out.reshape(shape + (3,))


def lightness_of_gray16(gray):
    """CIE L (0-100) of uint16 gray levels (R = G = B), any shape, as float32: one table lookup."""
    gray = np.asarray(gray)
    if gray.dtype != np.uint16:
        raise ValueError(f"gray must be uint16, got {gray.dtype}")
    return _GRAY16_LIGHTNESS[gray]


def _linear_rgb_channels(lightness, ab):
    """The three linear-light sRGB planes, flat float32 in [0, 1], of CIE L [...] and ab [..., 2]."""
    f_y = (np.asarray(lightness, dtype=np.float32).reshape(-1) + np.float32(16.0)) / np.float32(116.0)
    ab = np.asarray(ab, dtype=np.float32).reshape(-1, 2)
    xyz = (_f_inverse_np(f_y + ab[..., 0] / np.float32(500.0)) * np.float32(_D65_WHITE[0]),
           _f_inverse_np(f_y),
           _f_inverse_np(f_y - ab[..., 1] / np.float32(200.0)) * np.float32(_D65_WHITE[2]))
    for row in _XYZ_TO_RGB.astype(np.float32):
        linear = xyz[0] * row[0]
        linear += xyz[1] * row[1]
        linear += xyz[2] * row[2]
        yield np.clip(linear, 0.0, 1.0, out=linear)


def _srgb_decode_np(encoded):
    """The sRGB transfer function of _srgb_decode, in NumPy float32, for values in [0, 1]."""
    power = ((encoded + np.float32(_SRGB_OFFSET)) / np.float32(1.0 + _SRGB_OFFSET)) ** np.float32(_SRGB_GAMMA)
    return np.where(encoded <= np.float32(_SRGB_DECODE_THRESHOLD), encoded / np.float32(_SRGB_TOE_SLOPE), power)


def _srgb_encode_np(linear):
    """The sRGB transfer function of _srgb_encode, in NumPy float32, for values in [0, 1]."""
    power = np.float32(1.0 + _SRGB_OFFSET) * linear ** np.float32(1.0 / _SRGB_GAMMA) - np.float32(_SRGB_OFFSET)
    return np.where(linear <= np.float32(_SRGB_ENCODE_THRESHOLD), linear * np.float32(_SRGB_TOE_SLOPE), power)


# Computed by lightness_of_srgb8 itself, so a gray image and its RGB copy get the same L, bit for bit.
_GRAY_LIGHTNESS = lightness_of_srgb8(np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1))


# For a gray, the luminance Y is the linear level itself: the Y row of the matrix sums to 1.
_GRAY16_LIGHTNESS = (_lab_f_np(_srgb_decode_np(np.arange(65536, dtype=np.float32) / np.float32(65535.0)))
                     * np.float32(116.0) - np.float32(16.0))


def _f_inverse_np(f):
    line = (f * np.float32(116.0) - np.float32(16.0)) / np.float32(_KAPPA)
    return np.where(f > np.float32(_DELTA), f * f * f, line)


# The colorize job's join at full resolution, in Y'CbCr (ITU-R 601, full range, as JPEG
# stores it): the output keeps the input's own luma Y' exactly (to the rounding of its
# integer levels) and takes only its chroma from the network. The ab the network predicts
# is turned into chroma (Cb, Cr) on its own small grid (chroma_of_lab), those two planes
# are upsampled, and each pixel's (Y', Cb, Cr) becomes sRGB through one lookup table that
# also maps the gamut: a chroma the pixel's luma cannot hold is reduced, its hue kept,
# until it fits (never clipped channel by channel, which would change the luma).

LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 luma of gamma-encoded R'G'B'
# R'G'B' = Y' + Cb * CB_TO_RGB + Cr * CR_TO_RGB, the inverse of the 601 luma and its chroma scales.
CB_TO_RGB = np.array([0.0, -0.114 * 1.772 / 0.587, 1.772])
CR_TO_RGB = np.array([1.402, -0.299 * 1.402 / 0.587, 0.0])
CHROMA_OFFSET = 128  # an 8-bit Cb or Cr level of 128 is no chroma


def luma601(rgb):
    """ITU-R 601 luma (float64, in the levels of the input) of R'G'B' values, shape [..., 3]."""
    return np.asarray(rgb, dtype=np.float64) @ LUMA_WEIGHTS


def chroma_of_lab(lightness, ab):
    """Cb, Cr (float64 [..., 2], in 8-bit levels, 0 = no chroma) of the sRGB color of CIE L [...] and ab [..., 2].

    The color may lie outside the sRGB gamut: its channels are computed without clipping
    (the transfer function extended oddly below 0), so its hue and chroma are kept for
    the per-pixel gamut mapping to reduce.
    """
    f_y = (np.asarray(lightness, dtype=np.float64) + 16.0) / 116.0
    ab = np.asarray(ab, dtype=np.float64)
    f = np.stack([f_y + ab[..., 0] / 500.0, f_y, f_y - ab[..., 1] / 200.0], axis=-1)
    relative = np.where(f > _DELTA, f ** 3, (116.0 * f - 16.0) / _KAPPA)
    linear = (relative * _D65_WHITE) @ _XYZ_TO_RGB.T
    magnitude = np.abs(linear)
    encoded = np.where(magnitude <= _SRGB_ENCODE_THRESHOLD, magnitude * _SRGB_TOE_SLOPE,
                       (1.0 + _SRGB_OFFSET) * np.maximum(magnitude, _SRGB_ENCODE_THRESHOLD) ** (1.0 / _SRGB_GAMMA)
                       - _SRGB_OFFSET)
    return chroma_of_rgb(255.0 * np.sign(linear) * encoded)


def chroma_of_rgb(rgb):
    """Cb, Cr (float64 [..., 2], 0 = no chroma, in the levels of the input) of R'G'B' [..., 3]."""
    rgb = np.asarray(rgb, dtype=np.float64)
    luma = rgb @ LUMA_WEIGHTS
    return np.stack([(rgb[..., 2] - luma) / CB_TO_RGB[2], (rgb[..., 0] - luma) / CR_TO_RGB[0]], axis=-1)


def fit_chroma(luma, chroma, top):
    """The largest share (0-1) of `chroma` (Cb, Cr [..., 2]) that luma [...] can hold in [0, top].

    R'G'B' = Y' + s * (Cb * CB_TO_RGB + Cr * CR_TO_RGB) moves along a line of constant
    luma and hue; s is where the first channel reaches 0 or `top`.
    """
    offsets = np.asarray(chroma, dtype=np.float64) @ np.stack([CB_TO_RGB, CR_TO_RGB])
    luma = np.asarray(luma, dtype=np.float64)
    # The channel furthest below and furthest above the luma bound how far the chroma may go.
    below, above = np.maximum(-offsets.min(axis=-1), 0.0), np.maximum(offsets.max(axis=-1), 0.0)
    with np.errstate(divide="ignore"):
        return np.minimum(1.0, np.minimum(luma / below, (top - luma) / above))


def ycbcr_to_rgb(luma, chroma, top, dtype):
    """R'G'B' of luma [...] and chroma (Cb, Cr [..., 2]), the chroma reduced to fit [0, top].

    Red and blue are rounded, and green chosen to bring the rounded luma nearest to
    `luma`: the output's luma is within 0.3 of a level of the input's.
    """
    luma = np.asarray(luma, dtype=np.float64)
    chroma = np.asarray(chroma, dtype=np.float64) * fit_chroma(luma, chroma, top)[..., None]
    red = np.clip(np.round(luma + chroma[..., 1] * CR_TO_RGB[0]), 0, top)
    blue = np.clip(np.round(luma + chroma[..., 0] * CB_TO_RGB[2]), 0, top)
    green = np.clip(np.round((luma - LUMA_WEIGHTS[0] * red - LUMA_WEIGHTS[2] * blue) / LUMA_WEIGHTS[1]), 0, top)
    return np.stack([red, green, blue], axis=-1).astype(dtype)


PACKED = np.dtype("<u4")  # four uint8 samples of a pixel as one little-endian index or value
_TABLE_ROWS = 32  # Cb levels built at a time: 2M entries, about 8 MB for each intermediate


def _build_ycbcr_table():
    """sRGB of every 8-bit (Y', Cr, Cb), packed R | G << 8 | B << 16 at index Y' | Cr << 8 | Cb << 16.

    ycbcr_to_rgb for all 2**24 of them, in float32 and in place (about half a second of CPU).
    """
    table = np.empty((256, 256, 256), dtype=PACKED)  # [Cb, Cr, Y']
    levels = np.arange(256, dtype=np.float32) - np.float32(CHROMA_OFFSET)
    luma = np.arange(256, dtype=np.float32)
    for first in range(0, 256, _TABLE_ROWS):
        cb, cr = levels[first:first + _TABLE_ROWS, None], levels[None, :]
        offsets = [cb * np.float32(CB_TO_RGB[c]) + cr * np.float32(CR_TO_RGB[c]) for c in range(3)]  # [Cb, Cr]
        below = np.maximum(-np.minimum(np.minimum(offsets[0], offsets[1]), offsets[2]), np.float32(1e-6))
        above = np.maximum(np.maximum(np.maximum(offsets[0], offsets[1]), offsets[2]), np.float32(1e-6))
        share = np.minimum(luma / below[..., None], (np.float32(255.0) - luma) / above[..., None])  # [Cb, Cr, Y']
        np.minimum(share, np.float32(1.0), out=share)
        packed = table[first:first + _TABLE_ROWS]
        packed[...] = 0
        rounded = []
        for channel, shift in ((0, 0), (2, 16)):
            value = share * offsets[channel][..., None]
            value += luma
            np.clip(np.round(value, out=value), 0, 255, out=value)
            rounded.append(value)
            packed |= value.astype(PACKED) << shift
        green = luma - np.float32(LUMA_WEIGHTS[0]) * rounded[0]
        green -= np.float32(LUMA_WEIGHTS[2]) * rounded[1]
        green /= np.float32(LUMA_WEIGHTS[1])
        np.clip(np.round(green, out=green), 0, 255, out=green)
        packed |= green.astype(PACKED) << 8
    return table.reshape(-1)


_YCBCR_TABLE = None  # built at the first join (about half a second), 64 MB


def ycbcr_table():
    """The join's lookup table (built once per process, on first use)."""
    global _YCBCR_TABLE
    if _YCBCR_TABLE is None:
        _YCBCR_TABLE = _build_ycbcr_table()
    return _YCBCR_TABLE
