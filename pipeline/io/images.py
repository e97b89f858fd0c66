"""Element functions over image bytes and arrays: decoding, validation, crops and splits.

Everything here is a plain function of bytes and numpy arrays, so the Beam transforms
stay thin and the tests call these directly.
"""

import dataclasses
import hashlib
import io
import os
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from pipeline.io import files

MAX_PIXELS = 100_000_000  # larger images are refused before decoding, not resized
# Pillow's own bomb guard (about 179 megapixels) would override a user's higher --max-pixels;
# open_image enforces the limit itself, from the header, before any pixel is decoded.
Image.MAX_IMAGE_PIXELS = None
MIN_SIDE = 8  # pixels; smaller images carry no usable color layout
# A file larger than its pixel limit could fill, at the deepest pixels Pillow reads (16-bit
# RGBA) uncompressed, plus room for metadata and previews, is refused before it is read.
MAX_BYTES_PER_PIXEL = 8
FILE_HEADROOM_BYTES = 64 * 1024 * 1024
GRAY_SPREAD = 6  # max-min channel spread (8-bit) under which a pixel counts as gray
GRAY_PIXEL_FRACTION = 0.99  # an image is grayscale when this share of its pixels is gray
# A toned print (tone_measures): its mean chroma at least TONED_MIN_CHROMA levels, 95% of its
# pixels within TONED_MAX_SPREAD levels of one hue, 90% within TONED_MAX_RESIDUAL of one tone
# curve. Measured on 388 real color photos (data/downloads) and on 12 of them made sepia and
# cyan (JPEG, quality 85): toned spread 1.06-1.34 and residual 2.2-4.5; of the real ones,
# sunsets 11.8-18.3 and blue-green water 5.1-26.2 spread; two foggy blue mountain photos,
# nearly of one hue (spread 1.45, 1.23), are the only ones under both limits (docs/notes-issue31.md).
TONED_SAMPLE_SIDE = 256  # pixels on the long side of the sample the colors are read on
TONED_LUMA_BIN = 8  # levels of luma that share one point of the tone curve
TONED_MIN_CHROMA = 5.0
TONED_QUANTILE = 0.95
TONED_MAX_SPREAD = 1.5
TONED_RESIDUAL_QUANTILE = 0.9
TONED_MAX_RESIDUAL = 5.0
TONED_MIN_LUMA_RANGE = 48  # levels between the 5th and 95th percentile of the luma
POLICIES = ("center-crop", "random-crops")
MIN_CROP_FRACTION = 0.5  # random crops cover between half and all of the short side
# The default shares of images that split_for puts in validation and in test.
VALIDATION_FRACTION = 0.1
TEST_FRACTION = 0.1


class UnusableImage(Exception):
    """An input file that cannot become a training image; `reason` is one of files.FAILURE_REASONS."""

    def __init__(self, reason, detail):
        if reason not in files.FAILURE_REASONS:
            raise ValueError(f"unknown failure reason {reason!r}; add it to files.FAILURE_REASONS")
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclasses.dataclass(frozen=True)
class SourceImage:
    """One decoded image from any source, before the size policy is applied."""

    image_id: str
    split: str
    label: int
    rgb: np.ndarray  # uint8 (H, W, 3)


def open_image(data, max_pixels=MAX_PIXELS, min_side=MIN_SIDE):
    """Open image bytes with Pillow, first frame, EXIF orientation applied; checks size limits.

    Raises UnusableImage for empty, unidentifiable, corrupt, too large or too small input.
    """
    if not data:
        raise UnusableImage("empty", "the file has 0 bytes")
    image = open_header(io.BytesIO(data), max_pixels=max_pixels, min_side=min_side)
    try:
        image.seek(0)
        image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise UnusableImage("corrupt", f"decoding failed ({error})") from error
    return image


def open_header(stream, max_pixels=MAX_PIXELS, min_side=MIN_SIDE):
    """A lazily opened Pillow image of a binary stream, its size checked against the limits.

    Only the header is read: no pixel is decoded. Raises UnusableImage as open_image does.
    """
    try:
        with warnings.catch_warnings():
            # Our own pixel limit applies below; Pillow's bomb warning would only repeat it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(stream)
    except UnidentifiedImageError as error:
        # Pillow's message names only an in-memory buffer, which would tell the user nothing.
        raise UnusableImage("not_an_image", "Pillow does not recognise it as an image file") from error
    except Image.DecompressionBombError as error:
        # Pillow itself refuses images over twice its own limit (about 179 megapixels) before ours applies.
        raise UnusableImage("too_large", f"Pillow refuses it as a possible decompression bomb ({error})") from error
    except (OSError, SyntaxError, ValueError) as error:
        # Pillow knows the format but its header is damaged, as in a JPEG or WebP cut short.
        raise UnusableImage("corrupt", f"cannot read the image header ({error})") from error
    width, height = image.size
    if width * height > max_pixels:
        raise UnusableImage(
            "too_large",
            f"{width}x{height} is {width * height:,} pixels, over the limit of {max_pixels:,}; "
            "raise --max-pixels if the file is trusted")
    if min(width, height) < min_side:
        raise UnusableImage("too_small", f"{width}x{height} is below the minimum side of {min_side} px")
    return image


def max_file_bytes(max_pixels):
    """The largest file that an image within `max_pixels` can plausibly be."""
    return max_pixels * MAX_BYTES_PER_PIXEL + FILE_HEADROOM_BYTES


def read_image_file(path, max_pixels=MAX_PIXELS):
    """The bytes of an image file, read whole only once its kind, size and header are known to fit.

    Anything but a regular file (a FIFO, a device node, a socket) is refused without being
    opened; a file larger than max_file_bytes(max_pixels), or whose header claims more than
    `max_pixels`, is refused after reading its header alone. Raises UnusableImage for
    those, OSError when the file cannot be read.
    """
    if "://" in path:
        return _read_remote_image_file(path, max_pixels)
    kind = files.not_regular_kind(os.stat(path).st_mode)
    if kind:
        raise UnusableImage("not_a_file", f"{kind}, not a regular file: it was not opened")
    # Non-blocking, in case the path became a FIFO since: opening one would wait for a writer.
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as file:
        status = os.fstat(file.fileno())
        kind = files.not_regular_kind(status.st_mode)
        if kind:
            raise UnusableImage("not_a_file", f"{kind}, not a regular file: it was not read")
        return _read_checked(file, status.st_size, max_pixels)


def _read_remote_image_file(path, max_pixels):
    from apache_beam.io.filesystems import FileSystems

    size = FileSystems.match([path])[0].metadata_list[0].size_in_bytes
    with FileSystems.open(path, compression_type="uncompressed") as file:
        return _read_checked(file, size, max_pixels)


def _read_checked(file, size, max_pixels):
    if size == 0:
        raise UnusableImage("empty", "the file has 0 bytes")
    if size > max_file_bytes(max_pixels):
        raise UnusableImage("too_large", f"the file has {size:,} bytes, more than an image of {max_pixels:,} "
                                         f"pixels can fill ({max_file_bytes(max_pixels):,}); raise --max-pixels "
                                         "if the file is trusted")
    # The pixel limit is checked on the header; the minimum side is the decoder's to check.
    open_header(file, max_pixels=max_pixels, min_side=0)
    file.seek(0)
    return file.read()


GRAY_MODES = ("L", "I;16", "I;16B", "I;16L", "I", "F")  # Pillow modes of one channel without alpha


def to_gray8(image):
    """A uint8 (H, W) array of a grayscale Pillow image (a mode in GRAY_MODES)."""
    if image.mode == "L":
        return np.asarray(image)
    if image.mode == "F":
        return np.clip(np.round(np.asarray(image) * 255.0), 0, 255).astype(np.uint8)
    # 16- and 32-bit grayscale: scale the used range to 8 bits rather than clip it.
    values = np.asarray(image)
    if image.mode.startswith("I;16") or values.max() > 255:
        # round(v * 255 / 65535) in integers (no level falls on a half), a fifth of the float time.
        return ((np.clip(values, 0, 65535).astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    return np.clip(values, 0, 255).astype(np.uint8)


def to_rgb(image):
    """Convert any Pillow mode to an RGB uint8 array; transparency is composited over white."""
    if image.mode in GRAY_MODES:
        return np.repeat(to_gray8(image)[:, :, None], 3, axis=2)
    if image.mode == "P" and "transparency" in image.info or image.mode in ("LA", "PA", "La"):
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "RGBa"):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def is_grayscale(rgb):
    """True when nearly every pixel has equal channels, so the image holds no color to learn."""
    spread = rgb.max(axis=2).astype(np.int16) - rgb.min(axis=2).astype(np.int16)
    return np.mean(spread <= GRAY_SPREAD) >= GRAY_PIXEL_FRACTION


def tone_measures(rgb):
    """How far the colors of uint8 RGB (H, W, 3) stray from one tone: (spread, residual, mean chroma), in 8-bit levels.

    On a sample of the pixels, each one's chroma (ITU-R 601 Cb, Cr): the spread is the
    TONED_QUANTILE of its distances across the line through gray and the mean chroma (one
    hue), the residual that of its distances from the mean chroma of the pixels of about
    its luma (one tone curve). A toned print has one hue, its chroma set by its lightness,
    so both are the noise of the scan; a photo of a sunset or under water, however strong
    its cast, holds other hues besides, and colors that differ at one lightness.
    """
    step = max(1, max(rgb.shape[:2]) // TONED_SAMPLE_SIDE)
    sample = rgb[::step, ::step].reshape(-1, 3).astype(np.float32)
    luma = sample @ np.float32([0.299, 0.587, 0.114])
    chroma = np.stack([(sample[:, 2] - luma) / np.float32(1.772), (sample[:, 0] - luma) / np.float32(1.402)], axis=-1)
    mean = chroma.mean(axis=0)
    strength = float(np.hypot(*mean))
    if strength == 0:
        return float("inf"), float("inf"), strength
    across = np.abs(chroma @ np.float32([-mean[1], mean[0]]) / np.float32(strength))
    bins = np.minimum(luma.astype(np.int32) // TONED_LUMA_BIN, 255 // TONED_LUMA_BIN)
    counts = np.bincount(bins, minlength=256 // TONED_LUMA_BIN + 1)
    curve = np.stack([np.bincount(bins, weights=chroma[:, axis], minlength=len(counts)) for axis in range(2)], axis=-1)
    curve /= np.maximum(counts, 1)[:, None]
    residual = np.hypot(*(chroma - curve[bins]).T)
    return (float(np.quantile(across, TONED_QUANTILE)), float(np.quantile(residual, TONED_RESIDUAL_QUANTILE)),
            strength)


def is_toned(rgb):
    """True for a toned monochrome print scanned in color (sepia, cyan, selenium): one hue, set by the lightness.

    Such a scan holds no more color than a gray one: it is colorized from its lightness
    and is no color training target. A photo with a strong cast is not toned (tone_measures).
    """
    spread, residual, strength = tone_measures(rgb)
    if not (strength >= TONED_MIN_CHROMA and spread <= TONED_MAX_SPREAD and residual <= TONED_MAX_RESIDUAL):
        return False
    # A print has a range of tones; a flat color (a logo, a swatch) is one color, not a toned print.
    step = max(1, max(rgb.shape[:2]) // TONED_SAMPLE_SIDE)
    luma = rgb[::step, ::step].reshape(-1, 3) @ np.float32([0.299, 0.587, 0.114])
    low, high = np.quantile(luma, [0.05, 0.95])
    return high - low >= TONED_MIN_LUMA_RANGE and not is_grayscale(rgb)


def decode_color_image(data, max_pixels=MAX_PIXELS, min_side=MIN_SIDE):
    """Decode bytes into an RGB uint8 array that has color; raises UnusableImage otherwise."""
    image = open_image(data, max_pixels=max_pixels, min_side=min_side)
    rgb = to_rgb(image)
    if is_grayscale(rgb):
        raise UnusableImage("grayscale", "the image is already grayscale: no color to learn from")
    if is_toned(rgb):
        raise UnusableImage("toned", "a toned monochrome print (one hue, as sepia or cyan): no color to learn from")
    return rgb


def stable_fraction(key):
    """A number in [0, 1) fixed by `key` alone, the same on every machine and run."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def split_for(key, validation_fraction, test_fraction):
    """The split of an image by a stable hash of its key (its relative path)."""
    fraction = stable_fraction(key)
    if fraction < test_fraction:
        return "test"
    if fraction < test_fraction + validation_fraction:
        return "validation"
    return "train"


def resize_short_side_and_center_crop(rgb, size):
    """Resize so the short side is `size`, then crop the central size x size square."""
    height, width = rgb.shape[:2]
    if height == size and width == size:
        return rgb
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return _crop_and_resize(rgb, top, left, side, size)


def _crop_and_resize(rgb, top, left, side, size):
    image = Image.fromarray(rgb[top:top + side, left:left + side])
    if side != size:
        # Reducing first with box filtering keeps large downscales fast and alias-free.
        image = image.resize((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return np.asarray(image)


def random_crops(rgb, size, count, seed, image_id):
    """`count` square crops, each covering 50-100% of the short side, resized to size x size.

    The crops depend only on the seed and the image id, so a re-run writes the same data.
    """
    digest = hashlib.sha256(f"{seed}:{image_id}".encode()).digest()
    generator = np.random.default_rng(int.from_bytes(digest[:8], "big"))
    height, width = rgb.shape[:2]
    short = min(height, width)
    crops = []
    for _ in range(count):
        side = round(short * generator.uniform(MIN_CROP_FRACTION, 1.0))
        side = max(1, min(side, short))
        top = int(generator.integers(0, height - side + 1))
        left = int(generator.integers(0, width - side + 1))
        crops.append(_crop_and_resize(rgb, top, left, side, size))
    return crops


def training_images(source_image, size, policy, crops_per_image=1, seed=0):
    """Apply the size policy: yields (example id, uint8 size x size x 3 array)."""
    if policy == "center-crop":
        yield source_image.image_id, resize_short_side_and_center_crop(source_image.rgb, size)
    elif policy == "random-crops":
        crops = random_crops(source_image.rgb, size, crops_per_image, seed, source_image.image_id)
        for index, crop in enumerate(crops):
            yield f"{source_image.image_id}#crop{index}", crop
    else:
        raise ValueError(f"unknown policy {policy!r}; choose one of {', '.join(POLICIES)}")
