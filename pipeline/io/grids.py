"""Pictures laid out in rows on white paper: compare images, contact sheets and evaluation grids.

One builder serves all three, so they share how pictures are scaled, centred and captioned.
"""

import io

import numpy as np
from PIL import Image, ImageDraw

from pipeline.io import images

PAPER = (255, 255, 255)
CAPTION_HEIGHT = 18  # pixels under a picture for its caption: one line of Pillow's default font
CAPTION_CHARACTERS = 34  # a longer caption keeps its end, after "..."


def picture_grid(rows, gap, margin=0, cell=None, captions=None):
    """A Pillow RGB image of `rows` of pictures, `gap` pixels apart and `margin` pixels from the edges.

    Args:
        rows: lists of pictures, each a uint8 array (grayscale or RGB) or a Pillow image.
        cell: when given, each picture is scaled so that its long side is `cell` pixels
            (smoothly when shrunk, by repetition when enlarged, so small images show their
            pixels) and centred in a cell x cell box; otherwise it keeps its size, in a box as
            wide as its column's widest picture and as high as its row's tallest.
        captions: text under each picture, in lists shaped like `rows`.
    """
    pictures = [[_scaled(_as_image(picture), cell) for picture in row] for row in rows]
    columns = max(len(row) for row in pictures)
    widths = [cell or max(row[index].width for row in pictures if index < len(row)) for index in range(columns)]
    heights = [(cell or max(picture.height for picture in row)) + (CAPTION_HEIGHT if captions else 0)
               for row in pictures]
    canvas = Image.new("RGB", (2 * margin + sum(widths) + gap * (columns - 1),
                               2 * margin + sum(heights) + gap * (len(heights) - 1)), PAPER)
    draw = ImageDraw.Draw(canvas)
    top = margin
    for row_index, row in enumerate(pictures):
        left = margin
        box_height = heights[row_index] - (CAPTION_HEIGHT if captions else 0)
        for column, picture in enumerate(row):
            canvas.paste(picture, (left + (widths[column] - picture.width) // 2, top + (box_height - picture.height) // 2))
            if captions:
                draw.text((left, top + box_height + 2), _caption(captions[row_index][column]), fill=(0, 0, 0))
            left += widths[column] + gap
        top += heights[row_index] + gap
    return canvas


def encode(image, pillow_format, **options):
    """The bytes of a Pillow image saved in `pillow_format`."""
    buffer = io.BytesIO()
    image.save(buffer, format=pillow_format, **options)
    return buffer.getvalue()


def _as_image(picture):
    if isinstance(picture, Image.Image):
        return picture if picture.mode == "RGB" else Image.fromarray(images.to_rgb(picture))
    return Image.fromarray(np.repeat(picture[:, :, None], 3, axis=2) if picture.ndim == 2 else picture)


def _scaled(image, cell):
    if cell is None:
        return image
    factor = cell / max(image.size)
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS if factor < 1 else Image.Resampling.NEAREST)


def _caption(text):
    """The caption as Pillow's default font can draw it: ASCII, its end kept when too long."""
    text = text if len(text) <= CAPTION_CHARACTERS else "..." + text[-(CAPTION_CHARACTERS - 3):]
    return text.encode("ascii", "replace").decode("ascii")
