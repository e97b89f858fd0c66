"""One photo on the review page: read at display size, previewed with hints, and the model's likely colors.

The preview is the colorize job's own path (model/inference.colorize_image_rated) on the photo
shrunk to the page's display size: the network sees the same working size either way (256
pixels on the short side), so the colors are the job's, and the chroma is upsampled as the job
does it; only the final join is at display size. A 12-megapixel JPEG is decoded at a fraction
of its size (Pillow's draft mode), so a preview takes well under the 2 seconds a person waits.
"""

import collections
import dataclasses
import io
import os
import threading

import numpy as np
from PIL import Image, ImageOps

from pipeline.io import images

DISPLAY_SIDE = 1600  # pixels on the long side at which the page shows and previews a photo
THUMBNAIL_SIDE = 320  # the gallery's thumbnails
SUGGESTIONS = 6  # the model's likely colors offered at a clicked point
SUGGESTION_MIN_SHARE = 0.02  # a color less likely than this is not offered
PREVIEW_QUALITY = 90
CACHED_PHOTOS = 4  # photos kept decoded at display size: the one open, and a few just seen


@dataclasses.dataclass(frozen=True)
class Shown:
    """A photo as the page shows it: its pixels at display size and its full size as displayed."""

    pixels: np.ndarray  # uint8 gray (h, w) or RGB (h, w, 3), upright
    width: int  # the full image's, as displayed (after its EXIF orientation)
    height: int

    @property
    def scale(self):
        """Display pixels per full-size pixel."""
        return self.pixels.shape[1] / self.width


def read_shown(path, side=DISPLAY_SIDE, max_pixels=images.MAX_PIXELS):
    """The photo at `path` upright, at most `side` pixels on its long side. Raises images.UnusableImage."""
    with open(path, "rb") as file:
        data = file.read()
    image = images.open_header(io.BytesIO(data), max_pixels=max_pixels)
    try:
        width, height = image.size
        if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # turned a quarter: displayed sideways
            width, height = height, width
        scale = min(1.0, side / max(width, height))
        image.draft(image.mode if image.mode in ("L", "RGB") else None,
                    (max(1, round(image.width * scale)), max(1, round(image.height * scale))))
        upright = ImageOps.exif_transpose(image)
        shown_size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if upright.size != shown_size:
            upright = upright.resize(shown_size, Image.Resampling.BOX)
        pixels = images.to_gray8(upright) if upright.mode in ("L", "I;16", "I", "1") else images.to_rgb(upright)
    except (OSError, ValueError, EOFError, SyntaxError) as error:
        raise images.UnusableImage("corrupt", f"decoding it failed ({error})") from error
    finally:
        image.close()
    return Shown(np.asarray(pixels), width, height)


def encode_jpeg(pixels, quality=PREVIEW_QUALITY):
    output = io.BytesIO()
    Image.fromarray(pixels).convert("RGB").save(output, "JPEG", quality=quality)
    return output.getvalue()


def thumbnail_bytes(path, side=THUMBNAIL_SIDE):
    """A JPEG thumbnail of the image at `path`, upright, at most `side` pixels on its long side."""
    return encode_jpeg(read_shown(path, side).pixels, quality=80)


def parse_hints(items, width, height):
    """The page's hints ([{"x", "y", "color", "radius"?}], full-size pixels) as model.hints.Hint, checked.

    Raises ValueError saying which hint is wrong.
    """
    from model import hints

    made = []
    for number, item in enumerate(items, 1):
        try:
            x, y = float(item["x"]), float(item["y"])
            radius = float(item.get("radius") or 0.0)
            hint = hints.hint_from_hex(x, y, str(item["color"]), radius)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"hint {number}: {error}; a hint is x and y in pixels, color #rrggbb") from None
        if not (0 <= x < width and 0 <= y < height) or radius < 0:
            raise ValueError(f"hint {number}: the point x={x:g}, y={y:g} is outside the photo ({width} x {height})")
        made.append(hint)
    return tuple(made)


def hint_rows(items):
    """The page's hints (checked by parse_hints) as rows of a --hints CSV (pipeline/colorize/guidance.py)."""
    rows = []
    for item in items:
        row = {"x": f"{float(item['x']):.1f}", "y": f"{float(item['y']):.1f}", "color": str(item["color"]).lower()}
        if float(item.get("radius") or 0):
            row["radius"] = f"{float(item['radius']):g}"
        rows.append(row)
    return rows


def shown_hints(hint_list, scale):
    """model.hints.Hint in full-size pixels moved to a display `scale` (display pixels per full-size pixel)."""
    from model import hints

    return tuple(hints.Hint(hint.x * scale, hint.y * scale, hint.a, hint.b, hint.radius * scale)
                 for hint in hint_list)


class PhotoDesk:
    """The model and the photos a review session works on: previews and suggestions, one at a time.

    TensorFlow and the model are loaded on the first preview, not at start-up, so the gallery
    opens at once.
    """

    def __init__(self, model_path, side=DISPLAY_SIDE):
        self.model_path = model_path
        self.side = side
        self._colorizer = None
        self._lock = threading.Lock()  # one preview at a time: the CPU has no more to give
        self._loading = threading.Lock()
        self._shown = collections.OrderedDict()  # path -> (modification time, Shown)

    @property
    def colorizer(self):
        with self._loading:
            if self._colorizer is None:
                from pipeline.io import console

                console.load_tensorflow_quietly()
                from model import inference

                self._colorizer = inference.load(self.model_path)
                # The network traced once, so that the first preview is as fast as the next.
                inference.colorize_image(self._colorizer, np.full((64, 64), 128, dtype=np.uint8))
        return self._colorizer

    def warm_up(self):
        """Load TensorFlow and the model in the background (a few seconds), so the first preview does not wait."""
        threading.Thread(target=lambda: self.colorizer, name="load the model", daemon=True).start()

    def shown(self, path):
        """The photo at `path` at display size, from the cache while the file is unchanged."""
        modified = os.stat(path).st_mtime_ns
        cached = self._shown.get(path)
        if cached is not None and cached[0] == modified:
            self._shown.move_to_end(path)
            return cached[1]
        shown = read_shown(path, self.side)
        self._shown[path] = (modified, shown)
        while len(self._shown) > CACHED_PHOTOS:
            self._shown.popitem(last=False)
        return shown

    def preview(self, path, hint_list=(), palette=None):
        """(JPEG bytes at display size, confidence) of the photo colorized with these hints and palette."""
        from model import inference

        with self._lock:
            shown = self.shown(path)
            guidance = inference.Guidance(shown_hints(hint_list, shown.scale), palette)
            rgb, confidence = inference.colorize_image_rated(self.colorizer, shown.pixels, guidance)
        return encode_jpeg(rgb), confidence

    def palette(self, reference_path):
        """The palette of a reference color photo (model/inference.palette_of_photo)."""
        from model import inference

        shown = self.shown(reference_path)
        if shown.pixels.ndim != 3 or images.is_grayscale(shown.pixels):
            raise ValueError("the reference photo has no color; pick a color photo of the same scene or day")
        with self._lock:
            return inference.palette_of_photo(self.colorizer, shown.pixels)

    def suggestions(self, path, x, y, hint_list=(), palette=None):
        """The model's likely colors at full-size point (x, y): up to SUGGESTIONS of [#rrggbb, share],
        most likely first, each at the photo's lightness there."""
        import tensorflow as tf

        from model import color, hints, inference

        with self._lock:
            shown = self.shown(path)
            scale = shown.scale
            colorizer = self.colorizer
            pixels = shown.pixels[None]
            lightness, extent = inference.network_input(pixels, colorizer.working_size, colorizer.geometry)
            guidance = inference.Guidance(shown_hints(hint_list, scale), palette)
            inputs = ()
            if colorizer.guided and guidance:
                inputs = inference.guidance_inputs(colorizer, [guidance], pixels.shape[1:3], lightness.shape[1:3])
            logits = colorizer.logits(lightness, *inputs)
            row = min(int(y / shown.height * extent[0]), logits.shape[1] - 1)
            column = min(int(x / shown.width * extent[1]), logits.shape[2] - 1)
            probabilities = tf.nn.softmax(logits[0, row, column]).numpy()
        order = np.argsort(probabilities)[::-1][:SUGGESTIONS]
        order = [index for index in order if probabilities[index] >= SUGGESTION_MIN_SHARE] or order[:1]
        point = shown.pixels[min(int(y * scale), shown.pixels.shape[0] - 1), min(int(x * scale), shown.pixels.shape[1] - 1)]
        level = color.lightness_of_gray8(np.uint8([point]))[0] if np.ndim(point) == 0 else \
            color.srgb8_to_lab(np.uint8([point]))[0, 0]
        return [[hints.ab_to_hex(level, *colorizer.centers[index]), round(float(probabilities[index]), 3)]
                for index in order]
