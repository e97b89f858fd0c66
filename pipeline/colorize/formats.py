"""One photo's bytes in, its colorized bytes out, in its own format: what the colorize job writes.

Every frame is colorized and the output keeps what the input had besides (pipeline/colorize/photos.py):
size, format, transparency, metadata. A color input can pass through untouched.
"""

import os

from pipeline.colorize import signing
from pipeline.io import grids, images

JPEG_QUALITY = 92  # visually lossless for photos; chroma is low-resolution by construction
WEBP_QUALITY = 90
OUTPUT_FORMATS = {  # extension -> Pillow format and save options
    ".jpg": ("JPEG", {"quality": JPEG_QUALITY, "subsampling": "4:2:0"}),
    ".jpeg": ("JPEG", {"quality": JPEG_QUALITY, "subsampling": "4:2:0"}),
    ".png": ("PNG", {"compress_level": 6}),
    ".webp": ("WEBP", {"quality": WEBP_QUALITY}),
    ".bmp": ("BMP", {}),
    ".tif": ("TIFF", {"compression": "tiff_deflate"}),
    ".tiff": ("TIFF", {"compression": "tiff_deflate"}),
    ".gif": ("GIF", {}),
}
COMPARE_GAP = 8  # white pixels between the input and the result in a compare image


def can_write(path):
    """Whether colorize writes files with this path's extension (otherwise it ignores the input)."""
    return os.path.splitext(path)[1].lower() in OUTPUT_FORMATS


def output_format(path):
    """The Pillow format and options for writing a file with this path's extension."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in OUTPUT_FORMATS:
        raise images.UnusableImage("unsupported_format",
                                   f"the extension {extension or '(none)'} is not one of "
                                   f"{', '.join(sorted(OUTPUT_FORMATS))}")
    return OUTPUT_FORMATS[extension]


def colorize_image_bytes(data, path, colorize, keep_color=False, max_pixels=images.MAX_PIXELS, provenance=None,
                         credentials=None):
    """Colorize one file's bytes; returns (status, output bytes, (pixels in, RGB out) or None).

    `colorize` maps uint8 pixels, grayscale (H, W) or RGB (H, W, 3), to RGB (H, W, 3).
    status is "colorized" or "passed_through" (a color input with keep_color; a toned
    monochrome scan, images.is_toned, is colorized from its lightness even then).
    `provenance` (a metadata.Provenance) marks the output as made by the model; `credentials`
    (signing.Credentials) sign it with C2PA where its format can hold a manifest. Raises
    UnusableImage with the reason for anything that cannot be colorized (or signed).
    """
    from pipeline.colorize import photos  # imports TensorFlow, which planning a run does without

    pillow_format, options = output_format(path)
    photo = photos.read_photo(data, max_pixels=max_pixels)
    first = photo.frames[0].pixels
    if keep_color and first.ndim == 3 and not images.is_grayscale(first) and not images.is_toned(first):
        return "passed_through", data, None
    colorized = photos.colorize_frames(photo, colorize)
    output = photos.write_photo(photo, colorized, pillow_format, options, provenance)
    if credentials is not None and signing.can_sign(pillow_format):
        output = credentials.sign(output, pillow_format, data, os.path.basename(path))
    return "colorized", output, (first, colorized[0])


def compare_image_bytes(path, pixels_in, rgb_out):
    """The input (grayscale or RGB) beside its colorized result, encoded in the format of `path`'s extension."""
    pillow_format, options = output_format(path)
    return grids.encode(grids.picture_grid([[pixels_in, rgb_out]], gap=COMPARE_GAP), pillow_format, **options)
