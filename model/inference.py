"""Colorize one image at full resolution: the single code path of the colorize and evaluate jobs.

The network sees the image's lightness at a working resolution; the ab it predicts is
upsampled to the full size and joined to the original full-resolution lightness, so
every detail of the original stays sharp and L passes through unchanged.

A guided model (network.GUIDED_ARCHITECTURE) also takes what a person knows about an
image, a `Guidance`: point hints, painted into a hint map at the working resolution, and
a reference photo's palette. It is still one network pass per image; after it the decoded
ab is moved toward each hint by a weight of distance and lightness (hints.spread_hints),
so that a hint is obeyed where it is put. An automatic model given guidance raises
GuidanceUnsupported, which says so.
"""

import dataclasses
import json
import math
import os

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from model import bins, color, hints, network

MODEL_CONFIG_NAME = "model.json"  # beside every model.keras: bins, temperature, working size
# Pixels composed at a time: the float32 intermediates of a strip (about 25 MB) stay near
# the CPU's caches (measured on a 7 MP photo: 190 ms at 500,000, 231 ms at 2,000,000).
STRIP_PIXELS = 500_000
CHROMA_LIMIT = 127.0  # the largest Cb or Cr an 8-bit level offset by 128 holds
# On a large photo, blocks of up to CHROMA_BLOCK x CHROMA_BLOCK pixels share one upsampled
# chroma: where an ab cell spans at least CHROMA_BLOCK_CELL_PIXELS pixels a side, neighbouring
# blocks differ by a quarter of a cell's change or less (JPEG's own chroma is 2 x 2 blocks).
# On a 12 MP photo the join then takes 0.13 CPU-s instead of 0.19 (bench/bench_colorize.py).
CHROMA_BLOCK = 4
CHROMA_BLOCK_CELL_PIXELS = 16
WORKING_SIZE = 256  # pixels on the short side at which the network sees a photo
# The network sees at most WIDEST_ASPECT * working size**2 pixels: every photo up to 3:1 at
# its working size, a wider panorama at the same pixel count, its short side smaller.
WIDEST_ASPECT = 3
DEFAULT_TEMPERATURE = 0.5  # annealed-mean temperature: lower is more vivid, 1.0 is the plain mean


class GuidanceUnsupported(ValueError):
    """Hints or a reference given to a model that has no inputs for them."""


@dataclasses.dataclass(frozen=True)
class Guidance:
    """What a person says about one image's colors.

    `hints`: hints.Hint points in the image's pixels (x right, y down, origin top left, as
    displayed); `palette`: a reference photo's palette over the model's ab cells
    (hints.palette_of), or None.
    """

    hints: tuple = ()
    palette: np.ndarray | None = dataclasses.field(default=None, compare=False)

    def __bool__(self):
        return bool(self.hints) or self.palette is not None


NO_GUIDANCE = Guidance()


@dataclasses.dataclass(frozen=True)
class Colorizer:
    """A loaded model and how to decode it."""

    model: object
    centers: np.ndarray
    temperature: float = DEFAULT_TEMPERATURE
    working_size: int = WORKING_SIZE
    # Added to the logits before decoding: -correction * log(rebalancing weight) undoes
    # part of the training's bias toward rare, saturated colors (0 keeps all of it).
    logit_shift: np.ndarray | None = None
    # Multiplies the decoded chroma: above 1 more colorful, at a cost in accuracy that the
    # model card's vividness curve shows.
    saturation: float = 1.0
    # Each pixel's chroma is also multiplied by bins.hue_agreement ** agreement_power, which
    # fades to gray where the likely colors disagree in hue (0: off).
    agreement_power: float = 0.0
    # The network and the decoding as one traced TensorFlow function for inputs of any size
    # (a quarter faster than eager calls on a batch of thumbnails).
    traced: object = dataclasses.field(init=False, repr=False, compare=False, default=None)

    @property
    def geometry(self):
        """How the model's architecture sees an image (network.Geometry)."""
        return network.geometry_of(self.model.name)

    @property
    def guided(self):
        """Whether the model takes hints and a palette (network.GUIDED_ARCHITECTURE)."""
        return network.is_guided(self.model)

    def decode(self, lightness, hint_maps=None, palettes=None):
        """ab (N, h, w, 2) for normalized lightness (N, H, W, 1); a guided model also takes hint maps
        (N, H, W, hints.HINT_CHANNELS) and palettes (N, Q), each None for none."""
        return self.decode_rated(lightness, hint_maps, palettes)[0]

    def decode_rated(self, lightness, hint_maps=None, palettes=None):
        """(ab, certainty): decode's ab and, per ab cell, how sure the model's distribution is there
        (bins.certainty, (N, h, w))."""
        return self.traced(*self.network_inputs(lightness, hint_maps, palettes))

    def network_logits(self, lightness, hint_maps=None, palettes=None):
        """The network's own logits (N, h, w, Q), a guided model's missing inputs at zero."""
        inputs = self.network_inputs(lightness, hint_maps, palettes)
        return self.model(list(inputs) if self.guided else lightness, training=False)

    def logits(self, lightness, hint_maps=None, palettes=None):
        """The network's logits (N, h, w, Q), this colorizer's prior correction added."""
        return self.shifted(self.network_logits(lightness, hint_maps, palettes))

    def shifted(self, logits):
        """Logits with this colorizer's prior correction added (logit_shift), what it decodes."""
        return logits if self.logit_shift is None else logits + self.logit_shift

    def network_inputs(self, lightness, hint_maps=None, palettes=None):
        """The model's inputs: (lightness,) or, for a guided model, (lightness, hint maps, palettes), none zero."""
        if not self.guided:
            if hint_maps is not None or palettes is not None:
                raise GuidanceUnsupported(self.unsupported_message())
            return (lightness,)
        shape = tf.shape(lightness)
        if hint_maps is None:
            hint_maps = tf.zeros(tf.concat([shape[:3], [hints.HINT_CHANNELS]], axis=0), tf.float32)
        if palettes is None:
            palettes = tf.zeros([shape[0], len(self.centers)], tf.float32)
        return lightness, hint_maps, palettes

    def unsupported_message(self):
        return (f"this model ({self.model.name!r}) takes no hints or reference photos; colorize with the "
                f"shipped model (model/default), which is guided, or train one with colorize-train --guided")

    def __post_init__(self):
        if not self.temperature > 0:
            raise ValueError(f"temperature must be above 0, got {self.temperature:g}; 1.0 is the plain mean, "
                             "lower is more vivid")
        if not self.agreement_power >= 0:
            raise ValueError(f"hue agreement power must be 0 or more, got {self.agreement_power:g}; 0 turns "
                             "it off, higher fades uncertain colors more")
        if not self.saturation >= 0:
            raise ValueError(f"saturation must be 0 or more, got {self.saturation:g}; 1 keeps the predicted "
                             "colors, 0 gives grayscale")
        downsampling = self.geometry.downsampling
        if self.working_size < downsampling:
            raise ValueError(f"working size must be at least {downsampling} pixels for this model, got "
                             f"{self.working_size}; 256 suits photos")
        lightness = tf.TensorSpec([None, None, None, 1], tf.float32)
        if self.guided:
            traced = tf.function(self._decode_guided, input_signature=[
                lightness, tf.TensorSpec([None, None, None, hints.HINT_CHANNELS], tf.float32),
                tf.TensorSpec([None, len(self.centers)], tf.float32)])
        else:
            traced = tf.function(self._decode, input_signature=[lightness])
        object.__setattr__(self, "traced", traced)

    def _decode(self, lightness):
        return self._decode_rated(self.model(lightness, training=False))

    def _decode_guided(self, lightness, hint_maps, palettes):
        return self._decode_rated(self.model([lightness, hint_maps, palettes], training=False))

    def _decode_rated(self, logits):
        shifted = self.shifted(logits)
        return self._decode_shifted(shifted), bins.certainty(shifted)

    def decode_logits(self, logits):
        """ab [..., 2] from the network's logits [..., Q]: this colorizer's prior correction, annealed mean,
        chroma gain and hue agreement (a tool that decodes one prediction many ways calls it directly)."""
        return self._decode_shifted(self.shifted(logits))

    def _decode_shifted(self, logits):
        ab = bins.annealed_mean(logits, self.centers, self.temperature) * self.saturation
        if self.agreement_power:
            ab *= (bins.hue_agreement(logits, self.centers) ** self.agreement_power)[..., None]
        return ab

    @classmethod
    def from_description(cls, model, description, temperature=None, working_size=None, correction=None,
                         saturation=None, agreement_power=None):
        centers = np.asarray(description.get("ab_bin_centers", bins.bin_centers()), dtype=np.float32)
        if temperature is None:
            temperature = description.get("default_temperature", DEFAULT_TEMPERATURE)
        if working_size is None:
            working_size = description.get("working_size", WORKING_SIZE)
        if correction is None:
            correction = description.get("prior_correction", 0.0)
        if saturation is None:
            saturation = description.get("saturation", 1.0)
        if agreement_power is None:
            agreement_power = description.get("agreement_power", 0.0)
        shift = None
        if correction and "rebalancing_weights" in description:
            weights = np.asarray(description["rebalancing_weights"], dtype=np.float32)
            shift = (-correction * np.log(weights)).astype(np.float32)
        return cls(model, centers, float(temperature), int(working_size), shift, float(saturation),
                   float(agreement_power))


def load_colorizer(path):
    """Load a model file and its JSON description, checking that it is our architecture."""
    if not os.path.exists(path):
        raise ValueError(f"model file {path} does not exist; pass a .keras file written by colorize-train")
    description_path = os.path.join(os.path.dirname(path), MODEL_CONFIG_NAME)
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types for a file that is not a model.
        raise ValueError(f"{path} is not a loadable Keras model ({type(error).__name__}: {error})") from error
    num_bins = len(bins.bin_centers())
    if model.name not in network.GEOMETRIES or model.output_shape[-1] != num_bins:
        raise ValueError(f"{path} is a {model.name!r} model with output {model.output_shape}; this version "
                         f"needs a {' or '.join(repr(name) for name in network.GEOMETRIES)} model with "
                         f"{num_bins} ab classes")
    description = {}
    if os.path.exists(description_path):
        with open(description_path) as file:
            description = json.load(file)
    return model, description


def load(path, temperature=None, working_size=None, correction=None, saturation=None, agreement_power=None):
    """A Colorizer from a model.keras file and the model.json beside it."""
    model, description = load_colorizer(path)
    return Colorizer.from_description(model, description, temperature, working_size, correction, saturation,
                                      agreement_power)


def working_shape(height, width, working_size, smallest_side=0):
    """(height, width) at which the network runs, aspect kept.

    The short side is at most `working_size`, and the picture at most the pixels of a
    WIDEST_ASPECT:1 picture at that size, so that a panorama costs what a photo costs (a
    40000x256 strip is seen at 5543x35, not whole). An image whose short side is below
    `smallest_side` is enlarged to it, within the same pixel budget.
    """
    pixel_budget = WIDEST_ASPECT * working_size * working_size
    short = min(height, width)
    largest = math.sqrt(pixel_budget / (height * width))
    scale = min(1.0, working_size / short, largest)
    if short * scale < smallest_side:
        scale = min(smallest_side / short, largest)
    return max(1, round(height * scale)), max(1, round(width * scale))


def pad_to_multiple(array, multiple):
    """Reflect-pad the two leading axes up to multiples of `multiple`; returns the array and the pads."""
    height, width = array.shape[:2]
    pad_h, pad_w = -height % multiple, -width % multiple
    if pad_h == 0 and pad_w == 0:
        return array, (0, 0)
    mode = "reflect" if height > pad_h and width > pad_w else "edge"
    padding = [(0, pad_h), (0, pad_w)] + [(0, 0)] * (array.ndim - 2)
    return np.pad(array, padding, mode=mode), (pad_h, pad_w)


def lightness_of(rgb):
    """CIE L (0-100) of uint8 RGB arrays (..., H, W, 3), as float32 (..., H, W)."""
    return color.lightness_of_srgb8(rgb)


def _lightness_of_batch(images):
    """CIE L (0-100) as float32 (N, H, W) of a batch of uint8 images, RGB (N, H, W, 3) or grayscale (N, H, W)."""
    return color.lightness_of_gray8(images) if images.ndim == 3 else color.lightness_of_srgb8(images)


def network_input(images, working_size, geometry):
    """The network's input for uint8 images of one size, RGB (N, H, W, 3) or grayscale (N, H, W).

    `geometry`: the model's network.Geometry. Returns normalized L (N, h, w, 1) at the
    working size, padded to the network's multiple, and the extent (rows, columns) in ab
    pixels, possibly fractional, that the unpadded image covers.
    """
    height, width = images.shape[1:3]
    small_h, small_w = working_shape(height, width, working_size, geometry.smallest_side)
    if (small_h, small_w) != (height, width):
        # BOX averages when shrinking; enlarging a thumbnail wants a smooth interpolation.
        method = Image.Resampling.BOX if small_h < height else Image.Resampling.BICUBIC
        images = np.stack([np.asarray(Image.fromarray(image).resize((small_w, small_h), method))
                           for image in images])
    # Pad the two image axes: move the batch axis behind them and back.
    padded, _ = pad_to_multiple(np.moveaxis(images, 0, 2), geometry.downsampling)
    lightness = color.normalize_l(_lightness_of_batch(np.moveaxis(padded, 2, 0)))[..., None]
    stride = geometry.output_stride
    return tf.constant(lightness, dtype=tf.float32), (small_h / stride, small_w / stride)


def predict_ab(colorizer, images, guidance=None, into_network=True):
    """Network ab for uint8 images of one size, RGB (N, H, W, 3) or grayscale (N, H, W).

    `guidance`: a Guidance per image, or None. Returns ab (N, h, w, 2), each image's hints
    obeyed (obey_hints); the extent (rows, columns) in ab pixels, possibly fractional, that
    the unpadded image covers; and each image's confidence (N,), confidence_of.
    `into_network=False`: the hints are only spread over the automatic colors (the hand-made
    baseline a guided network must beat; any model).
    """
    lightness, extent = network_input(images, colorizer.working_size, colorizer.geometry)
    guidance = list(guidance) if guidance is not None else [NO_GUIDANCE] * len(images)
    if len(guidance) != len(images):
        raise ValueError(f"one Guidance per image: got {len(guidance)} for {len(images)} images")
    if any(guidance) and into_network:
        if not colorizer.guided:
            raise GuidanceUnsupported(colorizer.unsupported_message())
        ab, certainty = colorizer.decode_rated(lightness, *guidance_inputs(colorizer, guidance, images.shape[1:3],
                                                                            lightness.shape[1:3]))
    else:
        ab, certainty = colorizer.decode_rated(lightness)
    ab, confidence = ab.numpy(), confidence_of(certainty.numpy(), extent)
    if any(guidance):
        ab = obey_hints(colorizer, ab, lightness, guidance, images.shape[1:3], extent)
    return ab, extent, confidence


def confidence_of(certainty, extent):
    """Each image's confidence (N,) from decode_rated's certainty (N, h, w): its mean over the image's
    extent, in [0, 1] (1: the model is sure of one color everywhere). Chosen on the validation
    photos among the model's own uncertainty measures as the one whose least confident quarter
    holds the most photos colored worse than gray (experiments/confidence.py; the model card
    has the figure on the test photos)."""
    rows, columns = math.ceil(extent[0]), math.ceil(extent[1])
    return np.asarray(certainty, dtype=np.float64)[:, :rows, :columns].mean(axis=(1, 2))


def guidance_inputs(colorizer, guidance, image_shape, padded_shape):
    """The guided network's hint maps (N, H, W, 3) and palettes (N, Q) for a Guidance per image of one size."""
    map_shape = working_shape(*image_shape, colorizer.working_size, colorizer.geometry.smallest_side)
    maps = np.stack([hints.hint_map(item.hints, image_shape, map_shape, tuple(padded_shape)) for item in guidance])
    palettes = np.stack([hints.no_palette(len(colorizer.centers)) if item.palette is None
                         else np.asarray(item.palette, dtype=np.float32) for item in guidance])
    return tf.constant(maps), tf.constant(palettes)


def obey_hints(colorizer, ab, lightness, guidance, image_shape, extent):
    """ab (N, h, w, 2) moved onto each image's hints (hints.spread_hints over hints.OBEY_REACH cells, or a
    hint's own radius if larger, then over hints.EXACT_REACH, then hints.pin_hints), the lightness
    edges respected: where a hint is, its color."""
    stride = colorizer.geometry.output_stride
    # CIE L on the ab grid: the network's input lightness averaged over each cell.
    grid_l = tf.nn.avg_pool2d(lightness, stride, stride, "VALID").numpy()[..., 0]
    grid_l = (grid_l + 1.0) * (color.L_MAX / 2.0)
    scale_y, scale_x = extent[0] / image_shape[0], extent[1] / image_shape[1]
    out = ab.copy()
    for index, item in enumerate(guidance):
        points = [((hint.y + 0.5) * scale_y - 0.5, (hint.x + 0.5) * scale_x - 0.5, hint.a, hint.b,
                   max(hints.OBEY_REACH, hint.radius * max(scale_y, scale_x))) for hint in item.hints]
        spread = hints.spread_hints(ab[index], grid_l[index], points, hints.OBEY_REACH, hints.LIGHTNESS_REACH)
        exact = [(row, column, a, b, hints.EXACT_REACH) for row, column, a, b, _ in points]
        exact = hints.spread_hints(spread, grid_l[index], exact, hints.EXACT_REACH, hints.LIGHTNESS_REACH)
        out[index] = hints.pin_hints(exact, grid_l[index], points, hints.LIGHTNESS_REACH)
    return out


def chroma_grid(gray, ab, extent):
    """The chroma (Cb, Cr, as uint8 levels offset by 128) of the network's ab field (h, w, 2) over one image.

    `gray` is the image's luma (H, W) uint8; the color of each ab cell is taken at the
    cell's mean lightness. Returns (rows, columns, 4) uint8: (0, Cr, Cb, 0), the layout of
    color.ycbcr_table's index once the luma is put in the first byte.
    """
    rows, columns = min(ab.shape[0], math.ceil(extent[0])), min(ab.shape[1], math.ceil(extent[1]))
    cell_gray = np.asarray(Image.fromarray(gray).resize((columns, rows), Image.Resampling.BOX))
    chroma = color.chroma_of_lab(color.lightness_of_gray8(cell_gray), ab[:rows, :columns])
    # A chroma past what 8 bits hold (no luma could hold it either) is shortened, its hue kept.
    chroma *= np.minimum(1.0, CHROMA_LIMIT / np.maximum(np.abs(chroma).max(axis=-1, keepdims=True), 1e-9))
    grid = np.zeros((rows, columns, 4), dtype=np.uint8)
    grid[..., 1:3] = np.round(chroma[..., ::-1] + color.CHROMA_OFFSET)
    return grid


def upsample_grid(grid, extent, width, row_start, row_stop, height):
    """Rows [row_start, row_stop) of a 4-channel uint8 grid (h, w, 4) upsampled bilinearly to (height, width).

    `extent` is the (rows, columns) of the grid that the full image covers.
    """
    height_scale = extent[0] / float(height)
    # CMYK: Pillow's one 4-band mode without an alpha band, which it would premultiply.
    image = Image.frombytes("CMYK", (grid.shape[1], grid.shape[0]), np.ascontiguousarray(grid).tobytes())
    box = (0.0, row_start * height_scale, min(extent[1], grid.shape[1]), min(row_stop * height_scale, grid.shape[0]))
    return np.array(image.resize((width, row_stop - row_start), Image.Resampling.BILINEAR, box=box))


def chroma_block(height, extent):
    """The side in pixels of the blocks that share one upsampled chroma: 1 (every pixel its own) on
    small images, up to CHROMA_BLOCK on large ones, where an ab cell spans CHROMA_BLOCK_CELL_PIXELS or more."""
    return int(min(CHROMA_BLOCK, max(1, height / extent[0] // CHROMA_BLOCK_CELL_PIXELS)))


def compose(images, ab, extent, strip_pixels=STRIP_PIXELS):
    """Join the full-resolution gray of images (N, H, W, 3) or (N, H, W) with the chroma of their ab.

    The output's ITU-R 601 luma is the input's gray (a gray input's own levels; for a color
    input, the gray of the same CIE lightness), to the rounding of its levels; the network's
    ab gives only the chroma, upsampled bilinearly (in blocks of chroma_block pixels on a
    large photo), and a chroma that a pixel's luma cannot hold in sRGB is reduced, its hue
    kept (color.ycbcr_table). Works through the rows in strips of about `strip_pixels`
    pixels, so a 50-megapixel photo needs little more memory than its own pixels.
    """
    count, height, width = images.shape[:3]
    out = np.empty((count, height, width, 3), dtype=np.uint8)
    block = chroma_block(height, extent)
    strip_rows = max(1, strip_pixels // width // block) * block
    blocks_high, blocks_wide = -(-height // block), -(-width // block)
    for index in range(count):
        # A color input's gray is that of the same CIE lightness, which the network saw.
        gray = images[index] if images.ndim == 3 else color.gray_of_srgb8(images[index])
        grid = chroma_grid(gray, ab[index], extent)
        for row_start in range(0, height, strip_rows):
            row_stop = min(height, row_start + strip_rows)
            rows = -(-(row_stop - row_start) // block)
            chroma = upsample_grid(grid, extent, blocks_wide, row_start // block, row_start // block + rows,
                                   blocks_high).view(color.PACKED)[..., 0]
            strip, _ = pad_to_multiple(gray[row_start:row_stop], block)
            packed = np.empty((rows, block, blocks_wide, block), dtype=color.PACKED)
            # The luma takes the first of the four bytes, which the grid leaves 0.
            np.bitwise_or(strip.reshape(packed.shape), chroma[:, None, :, None], out=packed)
            rgb = color.ycbcr_table()[packed.reshape(rows * block, blocks_wide * block)]
            out[index, row_start:row_stop] = rgb[:row_stop - row_start, :width, None].view(np.uint8)[..., :3]
    return out


def colorize_batch(colorizer, images, guidance=None, into_network=True):
    """Colorize uint8 images of one size, RGB (N, H, W, 3) or grayscale (N, H, W), from their lightness
    and a Guidance per image (or None; `into_network`: predict_ab's).

    Returns RGB (N, H, W, 3). A grayscale image gives the same colors as its RGB copy, for less work.
    """
    return colorize_batch_rated(colorizer, images, guidance, into_network)[0]


def colorize_batch_rated(colorizer, images, guidance=None, into_network=True):
    """colorize_batch's RGB (N, H, W, 3) and each image's confidence (N,) (confidence_of)."""
    ab, extent, confidence = predict_ab(colorizer, images, guidance, into_network)
    return compose(images, ab, extent), confidence


def colorize_image(colorizer, pixels, guidance=NO_GUIDANCE):
    """Colorize one uint8 image of any size, RGB (H, W, 3) or grayscale (H, W), from its lightness
    and what `guidance` says about it.

    Returns RGB (H, W, 3). A grayscale image gives the same colors as its RGB copy, for less work.
    """
    return colorize_image_rated(colorizer, pixels, guidance)[0]


def colorize_image_rated(colorizer, pixels, guidance=NO_GUIDANCE):
    """colorize_image's RGB (H, W, 3) and the image's confidence, a float (confidence_of)."""
    rgb, confidence = colorize_batch_rated(colorizer, pixels[None], [guidance])
    return rgb[0], float(confidence[0])


def palette_of_photo(colorizer, rgb):
    """The palette of a reference color photo, uint8 RGB (H, W, 3), over this colorizer's ab cells."""
    return hints.palette_of(rgb, colorizer.centers)


def gray_copy(images):
    """The do-nothing baseline: the images' own lightness with a = b = 0."""
    lightness = lightness_of(images)
    return color.lab_to_srgb8(lightness, np.zeros(lightness.shape + (2,), dtype=np.float32))
