"""Toned monochrome prints (sepia, cyan) count as monochrome; real photos with a strong cast stay color."""

import io
import pathlib

import numpy as np
import pytest
from PIL import Image

from pipeline.colorize import formats as colorized_photos
from pipeline.io import images

ROOT = pathlib.Path(__file__).resolve().parents[3]
SAMPLES = sorted((ROOT / "data" / "samples").glob("*.*g"))  # real color photos (data/SAMPLES.md)
CASTS = sorted((pathlib.Path(__file__).parent / "photos").glob("*.jpg"))  # sunsets, turquoise water (CREDITS)
# A print's tint at mid-gray: sepia is warm brown, a cyanotype or cyan toner blue-green.
TONES = {"sepia": (1.0, 0.80, 0.60), "cyan": (0.60, 0.85, 1.0)}


def rgb_of(path):
    with Image.open(path) as image:
        image.draft("RGB", (512, 512))
        return images.to_rgb(image)


def toned(rgb, tone, quality=85):
    """A real photo printed in one tone and scanned in color: the tint strongest in the mid-tones, paper
    white and deep black nearly neutral, as a toner acts on the silver; saved as a scanner's JPEG."""
    gray = np.asarray(Image.fromarray(rgb).convert("L")).astype(np.float64) / 255.0
    strength = (4.0 * gray * (1.0 - gray))[..., None]
    print_rgb = gray[..., None] * (1.0 - strength * (1.0 - np.array(TONES[tone])))
    buffer = io.BytesIO()
    Image.fromarray(np.round(print_rgb * 255).astype(np.uint8)).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def test_the_photos_are_there():
    assert len(SAMPLES) >= 5 and len(CASTS) == 3


@pytest.mark.parametrize("tone", sorted(TONES))
@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.name)
def test_a_toned_print_of_a_real_photo_is_toned(path, tone):
    scan = images.to_rgb(images.open_image(toned(rgb_of(path), tone)))
    assert not images.is_grayscale(scan)  # as far as the gray test goes, it is a color photo
    assert images.is_toned(scan)


@pytest.mark.parametrize("path", SAMPLES + CASTS, ids=lambda path: path.name)
def test_real_color_photos_even_with_a_strong_cast_are_not_toned(path):
    assert not images.is_toned(rgb_of(path))


def test_a_flat_color_is_not_a_toned_print():
    assert not images.is_toned(np.full((64, 64, 3), (200, 120, 60), dtype=np.uint8))


def test_prepare_skips_a_toned_print_as_it_skips_a_gray_one():
    with pytest.raises(images.UnusableImage) as raised:
        images.decode_color_image(toned(rgb_of(SAMPLES[0]), "sepia"))
    assert raised.value.reason == "toned"
    assert images.decode_color_image((CASTS[0]).read_bytes()).ndim == 3


def tint(pixels):
    return np.repeat(pixels[..., None], 3, axis=-1) if pixels.ndim == 2 else pixels[..., ::-1].copy()


def test_keep_color_colorizes_a_toned_print_and_passes_a_sunset_through():
    status, _, _ = colorized_photos.colorize_image_bytes(toned(rgb_of(SAMPLES[1]), "cyan"), "print.jpg", tint,
                                                         keep_color=True)
    assert status == "colorized"
    sunset = next(path for path in CASTS if "sunset" in path.name).read_bytes()
    status, output, _ = colorized_photos.colorize_image_bytes(sunset, "sunset.jpg", tint, keep_color=True)
    assert status == "passed_through" and output == sunset
