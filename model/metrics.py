"""Color-quality metrics of one image against its ground truth, as plain functions of arrays.

Images are uint8 RGB (H, W, 3) or float RGB in [0, 1]; every function converts to [0, 1]
first, so the figures match the original notebook's MSE on RGB in [0, 1].
"""

import numpy as np
import tensorflow as tf

from model import color

# Large images are measured as the reference implementations do, at a cost that does not
# grow with the megapixels: SSIM (Wang et al.'s ssim.m) on the image averaged down in
# f x f blocks, f = round(short side / 256); CIEDE2000 on an evenly spaced grid of about a
# million pixels, whose mean differs from the all-pixel mean by far less than its last digit.
SSIM_SHORT_SIDE = 256
SSIM_WINDOW = 11
CIEDE2000_PIXELS = 1_000_000

# Blotches: pixels painted a vivid wrong color, such as blue on gray rock or magenta in a
# blue sky. A muted wrong guess is a small error; a vivid one is what a viewer notices.
BLOTCH_CHROMA = 25.0  # C*ab of the output from which its color counts as vivid
BLOTCH_GRAY_CHROMA = 10.0  # C*ab of the truth below which it is near gray: any vivid color is wrong
BLOTCH_HUE_DEGREES = 90.0  # hue angle between output and truth beyond which the hue is wrong


def as_unit_float(rgb):
    """RGB as float64 in [0, 1] from uint8 or float input."""
    rgb = np.asarray(rgb)
    if rgb.dtype == np.uint8:
        return rgb.astype(np.float64) / 255.0
    return rgb.astype(np.float64)


def squared_error_sum(predicted, truth):
    """Sum of squared RGB differences in [0, 1] and the number of values summed."""
    difference = as_unit_float(predicted) - as_unit_float(truth)
    return float(np.sum(difference * difference)), difference.size


def mse(predicted, truth):
    """Mean squared error over all pixels and channels, RGB in [0, 1]."""
    total, count = squared_error_sum(predicted, truth)
    return total / count


def psnr_from_mse(value):
    """Peak signal-to-noise ratio in dB for a peak of 1.0; infinite for identical images."""
    return float("inf") if value <= 0 else float(10.0 * np.log10(1.0 / value))


def per_image_psnr(mse_values):
    """psnr_from_mse of each of an array of per-image MSEs."""
    return np.array([psnr_from_mse(value) for value in np.ravel(mse_values)])


def comparable_images(psnr_by_method):
    """Images on which every method's PSNR is finite (a bool mask): the mean image PSNR of each is over these.

    `psnr_by_method`: a per-image PSNR array per method, the images in the same order.
    """
    return np.all([np.isfinite(psnr) for psnr in psnr_by_method], axis=0)


def mean_image_psnr(psnr, compared=None):
    """Mean per-image PSNR over the images in the mask `compared` (default: those with a finite PSNR); None if none.

    A method that reproduces an image exactly (the grayscale copy of a photo that is
    already gray) has an infinite PSNR there. Such images are left out, for every method
    compared alike (comparable_images): clamping their PSNR to a large figure instead
    would let a few already-gray photos outweigh all the others in the mean.
    """
    psnr = np.asarray(psnr, dtype=np.float64)
    compared = np.isfinite(psnr) if compared is None else np.asarray(compared, dtype=bool)
    return float(np.mean(psnr[compared])) if compared.any() else None


def mean_image_psnr_gain(psnr, baseline_psnr):
    """Mean per-image PSNR of a method minus a baseline's (e.g. the grayscale copy's), by mean_image_psnr's rule.

    Over the images that neither reproduces exactly; NaN if there are none.
    """
    compared = comparable_images([psnr, baseline_psnr])
    if not compared.any():
        return float("nan")
    return mean_image_psnr(psnr, compared) - mean_image_psnr(baseline_psnr, compared)


def colorfulness(rgb):
    """Hasler and Suesstrunk (2003) colorfulness, on the 0-255 scale of their paper.

    Of one image (H, W, 3), or per image of a batch (N, H, W, 3).
    """
    values = as_unit_float(rgb) * 255.0
    red, green, blue = values[..., 0], values[..., 1], values[..., 2]
    red_green = red - green
    yellow_blue = 0.5 * (red + green) - blue
    axes = (-2, -1)
    spread = np.sqrt(np.var(red_green, axis=axes) + np.var(yellow_blue, axis=axes))
    offset = np.sqrt(np.mean(red_green, axis=axes) ** 2 + np.mean(yellow_blue, axis=axes) ** 2)
    result = spread + 0.3 * offset
    return float(result) if np.ndim(result) == 0 else result


def ssim(predicted, truth):
    """Structural similarity of RGB images (mean over channels), Gaussian window 11, sigma 1.5.

    Of one image, or per image of a batch. The same figure as tf.image.ssim (valid
    windows, K1 = 0.01, K2 = 0.03), computed with a separable filter.
    """
    factor = ssim_downsampling(*np.shape(truth)[-3:-1])
    first = _average_down(as_unit_float(predicted), factor).astype(np.float32)
    second = _average_down(as_unit_float(truth), factor).astype(np.float32)
    # Sides shorter than the window use a smaller (odd) window.
    window = int(min(SSIM_WINDOW, first.shape[-3], first.shape[-2]))
    window = max(1, window - (1 - window % 2))
    taps = np.exp(-0.5 * ((np.arange(window) - (window - 1) / 2.0) / 1.5) ** 2)
    taps = (taps / taps.sum()).astype(np.float32)

    def blur(values):  # the Gaussian over every valid window: rows, then columns
        for axis in (-3, -2):
            valid = values.shape[axis] - window + 1
            moved = np.moveaxis(values, axis, 0)
            values = np.moveaxis(sum(tap * moved[offset:offset + valid] for offset, tap in enumerate(taps)), 0, axis)
        return values

    c1, c2 = (0.01 * 1.0) ** 2, (0.03 * 1.0) ** 2
    mean_first, mean_second = blur(first), blur(second)
    luminance_numerator = 2.0 * mean_first * mean_second + c1
    luminance_denominator = mean_first**2 + mean_second**2 + c1
    structure_numerator = 2.0 * blur(first * second) - luminance_numerator + c1 + c2
    structure_denominator = blur(first**2 + second**2) - luminance_denominator + c1 + c2
    values = luminance_numerator / luminance_denominator * structure_numerator / structure_denominator
    result = values.mean(axis=(-3, -2, -1))
    return float(result) if np.ndim(result) == 0 else result


def ssim_downsampling(height, width):
    """The block size by which SSIM first averages an image down (1 for a short side under 384)."""
    return max(1, round(min(height, width) / SSIM_SHORT_SIDE))


def _average_down(values, factor):
    if factor == 1:
        return values
    height, width = (values.shape[-3] // factor) * factor, (values.shape[-2] // factor) * factor
    values = values[..., :height, :width, :]
    blocks = values.reshape(values.shape[:-3] + (height // factor, factor, width // factor, factor, values.shape[-1]))
    return blocks.mean(axis=(-4, -2))


def grid_sample(images, pixels=CIEDE2000_PIXELS):
    """Every k-th row and column of images (..., H, W, C), k chosen to keep about `pixels`."""
    height, width = np.shape(images)[-3:-1]
    step = max(1, int(np.ceil(np.sqrt(height * width / pixels))))
    return images[..., ::step, ::step, :]


def lab_of(rgb):
    """CIE Lab of an RGB image (float32 from uint8 input, float64 from float input)."""
    rgb = np.asarray(rgb)
    if rgb.dtype == np.uint8:
        return color.srgb8_to_lab(rgb)
    return color.rgb_to_lab(tf.constant(as_unit_float(rgb))).numpy()


def ciede2000(lab_first, lab_second):
    """Per-pixel CIEDE2000 color difference (Sharma, Wu and Dalal, 2005) of two Lab arrays."""
    l1, a1, b1 = np.moveaxis(np.asarray(lab_first, dtype=np.float64), -1, 0)
    l2, a2, b2 = np.moveaxis(np.asarray(lab_second, dtype=np.float64), -1, 0)
    chroma_mean = 0.5 * (np.hypot(a1, b1) + np.hypot(a2, b2))
    g = 0.5 * (1.0 - np.sqrt(chroma_mean**7 / (chroma_mean**7 + 25.0**7)))
    a1p, a2p = a1 * (1.0 + g), a2 * (1.0 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360.0
    delta_l = l2 - l1
    delta_c = c2p - c1p
    chroma_product = c1p * c2p
    delta_h_angle = h2p - h1p
    delta_h_angle = np.where(delta_h_angle > 180.0, delta_h_angle - 360.0, delta_h_angle)
    delta_h_angle = np.where(delta_h_angle < -180.0, delta_h_angle + 360.0, delta_h_angle)
    delta_h_angle = np.where(chroma_product == 0, 0.0, delta_h_angle)
    delta_h = 2.0 * np.sqrt(chroma_product) * np.sin(np.radians(delta_h_angle) / 2.0)
    l_mean = 0.5 * (l1 + l2)
    c_mean = 0.5 * (c1p + c2p)
    h_sum = h1p + h2p
    h_mean = np.where(np.abs(h1p - h2p) <= 180.0, h_sum / 2.0,
                      np.where(h_sum < 360.0, (h_sum + 360.0) / 2.0, (h_sum - 360.0) / 2.0))
    h_mean = np.where(chroma_product == 0, h_sum, h_mean)
    t = (1.0 - 0.17 * np.cos(np.radians(h_mean - 30.0)) + 0.24 * np.cos(np.radians(2.0 * h_mean))
         + 0.32 * np.cos(np.radians(3.0 * h_mean + 6.0)) - 0.20 * np.cos(np.radians(4.0 * h_mean - 63.0)))
    delta_theta = 30.0 * np.exp(-(((h_mean - 275.0) / 25.0) ** 2))
    r_c = 2.0 * np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7))
    s_l = 1.0 + 0.015 * (l_mean - 50.0) ** 2 / np.sqrt(20.0 + (l_mean - 50.0) ** 2)
    s_c = 1.0 + 0.045 * c_mean
    s_h = 1.0 + 0.015 * c_mean * t
    r_t = -np.sin(np.radians(2.0 * delta_theta)) * r_c
    return np.sqrt((delta_l / s_l) ** 2 + (delta_c / s_c) ** 2 + (delta_h / s_h) ** 2
                   + r_t * (delta_c / s_c) * (delta_h / s_h))


def blotch_mask(lab_predicted, lab_truth):
    """Per pixel of two Lab arrays: True where the output is vivid and the truth near gray or of another hue.

    Vivid is C*ab >= BLOTCH_CHROMA; near gray is C*ab < BLOTCH_GRAY_CHROMA; another hue is
    more than BLOTCH_HUE_DEGREES away (the angle between the two ab vectors, 0-180 degrees).
    """
    a_predicted, b_predicted = np.moveaxis(np.asarray(lab_predicted, dtype=np.float64)[..., 1:], -1, 0)
    a_truth, b_truth = np.moveaxis(np.asarray(lab_truth, dtype=np.float64)[..., 1:], -1, 0)
    vivid = np.hypot(a_predicted, b_predicted) >= BLOTCH_CHROMA
    gray = np.hypot(a_truth, b_truth) < BLOTCH_GRAY_CHROMA
    # The angle from the dot and cross products of the two ab vectors needs no wrapping at 0/360.
    hue_angle = np.degrees(np.abs(np.arctan2(a_predicted * b_truth - b_predicted * a_truth,
                                             a_predicted * a_truth + b_predicted * b_truth)))
    return vivid & (gray | (hue_angle > BLOTCH_HUE_DEGREES))


def _ciede2000_on_grid(predicted, truth):
    """Per-pixel CIEDE2000 of two RGB images (or batches), on a grid of pixels for large ones."""
    return ciede2000(lab_of(grid_sample(predicted)), lab_of(grid_sample(truth)))


def mean_ciede2000(predicted, truth):
    """Mean CIEDE2000 difference between two RGB images (over a grid of pixels for large ones)."""
    return float(np.mean(_ciede2000_on_grid(predicted, truth)))


def batch_metrics(predicted, truth):
    """Per-image figures of a batch (N, H, W, 3): mse, psnr, ssim, ciede2000, blotches (the share of
    pixels in blotch_mask), colorfulness of both. CIEDE2000 and blotches are on grid_sample's pixels."""
    difference = as_unit_float(predicted) - as_unit_float(truth)
    per_image_mse = np.mean(difference * difference, axis=(1, 2, 3))
    lab_predicted, lab_truth = lab_of(grid_sample(predicted)), lab_of(grid_sample(truth))
    return {
        "mse": per_image_mse,
        "psnr": per_image_psnr(per_image_mse),
        "ssim": np.atleast_1d(ssim(predicted, truth)),
        "ciede2000": np.mean(ciede2000(lab_predicted, lab_truth), axis=(1, 2)),
        "blotches": np.mean(blotch_mask(lab_predicted, lab_truth), axis=(1, 2)),
        "colorfulness": np.atleast_1d(colorfulness(predicted)),
        "colorfulness_truth": np.atleast_1d(colorfulness(truth)),
    }
