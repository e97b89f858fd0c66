"""Tests for pipeline/colorize/formats.py: one file's bytes in, its colorized copy out, in its own format."""

import functools
import io
import pathlib

import numpy as np
import pytest
from PIL import ExifTags, Image

from model import color, inference
from pipeline.colorize import formats as colorized_photos
from pipeline.io import images
from tests.pipeline.conftest import color_image, encode, gray_pattern

LIGHTNESS_TOLERANCE = 0.5  # mean |L in - L out| in L units (0-100) for a lossless format
JPEG_LIGHTNESS_TOLERANCE = 1.5  # re-encoding as JPEG adds its own small error to the rounding
MIN_CHROMA = 2.0  # mean channel spread (8-bit) above which an output counts as colorized


def chroma(rgb):
    """Mean spread between the largest and smallest channel: 0 for gray."""
    return float(np.mean(rgb.max(axis=-1).astype(np.int16) - rgb.min(axis=-1)))


def lightness_difference(input_data, output_data):
    """Mean difference in 8-bit levels between the output's ITU-R 601 luma and the input's gray."""
    source = images.to_rgb(images.open_image(input_data))
    result = np.asarray(Image.open(io.BytesIO(output_data)).convert("RGB"))
    return float(np.mean(np.abs(color.gray_of_srgb8(source) - color.luma601(result))))


@pytest.fixture(scope="module")
def colorize_pixels(tiny_model):
    """The colorize function the DoFn uses, with the tiny model loaded once for this module."""
    colorizer = inference.load(tiny_model)
    return functools.partial(inference.colorize_image, colorizer)



@pytest.mark.parametrize("extension, pillow_format", [
    (".jpg", "JPEG"), (".png", "PNG"), (".webp", "WEBP"), (".tif", "TIFF"), (".bmp", "BMP")])
def test_each_format_is_written_back_in_its_own_format_at_its_own_size(colorize_pixels, extension, pillow_format):
    data = encode(gray_pattern(53, 37), pillow_format)
    status, output, _ = colorized_photos.colorize_image_bytes(data, f"scan{extension}", colorize_pixels)
    result = Image.open(io.BytesIO(output))
    assert status == "colorized"
    assert (result.format, result.size) == (pillow_format, (53, 37))
    assert chroma(np.asarray(result.convert("RGB"))) > MIN_CHROMA
    lossy = pillow_format in ("JPEG", "WEBP")
    assert lightness_difference(data, output) < (JPEG_LIGHTNESS_TOLERANCE if lossy else LIGHTNESS_TOLERANCE)


def _png_with_alpha(mode):
    """A 41x29 PNG in `mode` with transparency: an alpha ramp, or palette entry 0 transparent."""
    if mode == "P":
        return encode(color_image(41, 29).quantize(colors=16), "PNG", transparency=0)
    image = gray_pattern(41, 29).convert(mode)
    image.putalpha(Image.fromarray(np.tile(np.linspace(0, 255, 41).astype(np.uint8), (29, 1))))
    return encode(image, "PNG")


@pytest.mark.parametrize("mode", ["LA", "RGBA", "P"])
def test_transparency_is_kept_exactly(colorize_pixels, mode):
    data = _png_with_alpha(mode)
    _, output, _ = colorized_photos.colorize_image_bytes(data, "logo.png", colorize_pixels)
    result = Image.open(io.BytesIO(output))
    expected_alpha = np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))[..., 3]
    assert result.mode == "RGBA" and result.size == (41, 29)
    np.testing.assert_array_equal(np.asarray(result)[..., 3], expected_alpha)
    if mode == "P":
        assert (expected_alpha == 0).any() and (expected_alpha == 255).any()


def test_gray_mode_l_png_becomes_rgb_with_the_same_lightness(colorize_pixels):
    data = encode(gray_pattern(37, 53), "PNG")
    _, output, _ = colorized_photos.colorize_image_bytes(data, "old photo.png", colorize_pixels)
    result = Image.open(io.BytesIO(output))
    assert result.mode == "RGB" and result.size == (37, 53)
    assert lightness_difference(data, output) < LIGHTNESS_TOLERANCE


def test_cmyk_jpeg_becomes_an_rgb_jpeg(colorize_pixels):
    data = encode(color_image(23, 31).convert("CMYK"), "JPEG")
    _, output, _ = colorized_photos.colorize_image_bytes(data, "print.jpg", colorize_pixels)
    result = Image.open(io.BytesIO(output))
    assert (result.format, result.mode, result.size) == ("JPEG", "RGB", (23, 31))


def test_sixteen_bit_png_keeps_its_lightness_scaled_to_eight_bits(colorize_pixels):
    deep = Image.fromarray(np.linspace(2_000, 60_000, 40 * 30).reshape(30, 40).astype(np.uint16))
    data = encode(deep, "PNG")
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    _, output, _ = colorized_photos.colorize_image_bytes(data, "scan.png", colorize_pixels)
    assert Image.open(io.BytesIO(output)).size == (40, 30)
    assert lightness_difference(data, output) < LIGHTNESS_TOLERANCE


def test_exif_rotated_jpeg_is_written_upright(colorize_pixels):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored 40 wide and 24 tall, shown turned a quarter clockwise
    data = encode(gray_pattern(40, 24).convert("RGB"), "JPEG", exif=exif)
    _, output, _ = colorized_photos.colorize_image_bytes(data, "phone.jpg", colorize_pixels)
    result = Image.open(io.BytesIO(output))
    assert result.size == (24, 40)
    assert result.getexif().get(ExifTags.Base.Orientation, 1) == 1


def test_camera_jpeg_with_a_preview_frame_is_one_picture_not_an_animation(colorize_pixels):
    picture = gray_pattern(40, 30).convert("RGB")
    data = encode(picture, "MPO", save_all=True, append_images=[picture.resize((20, 15))])
    status, output, _ = colorized_photos.colorize_image_bytes(data, "camera.jpg", colorize_pixels)
    assert status == "colorized" and Image.open(io.BytesIO(output)).size == (40, 30)


def test_color_input_is_colorized_by_default_and_copied_byte_for_byte_with_keep_color(colorize_pixels):
    data = encode(color_image(30, 20), "JPEG")
    status, output, _ = colorized_photos.colorize_image_bytes(data, "color.jpg", colorize_pixels)
    assert status == "colorized" and output != data
    status, output, colorized = colorized_photos.colorize_image_bytes(data, "color.jpg", colorize_pixels, keep_color=True)
    assert (status, output, colorized) == ("passed_through", data, None)
    status, _, _ = colorized_photos.colorize_image_bytes(encode(gray_pattern(30, 20), "JPEG"), "gray.jpg", colorize_pixels,
                                                 keep_color=True)
    assert status == "colorized"


def _animation():
    frames = [color_image(25, 19).convert("P"), color_image(25, 19).rotate(180).convert("P")]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def _truncated_jpeg():
    jpeg = encode(color_image(50, 36), "JPEG")
    start_of_scan = jpeg.index(b"\xff\xda")  # the header ends here; the compressed pixels follow
    return jpeg[: (start_of_scan + len(jpeg)) // 2]


@pytest.mark.parametrize("name, make_data, reason", [
    ("random.jpg", lambda: np.random.default_rng(0).integers(0, 256, 3_000, dtype=np.uint8).tobytes(),
     "not_an_image"),
    ("notes.png", lambda: b"holiday photos, 2019\n", "not_an_image"),
    ("cut.jpg", _truncated_jpeg, "corrupt"),
    ("empty.png", lambda: b"", "empty"),
    ("animated.jpg", _animation, "animated"),  # frames that a JPEG cannot hold
    ("dot.png", lambda: encode(gray_pattern(1, 1), "PNG"), "too_small"),
    ("big.png", lambda: encode(gray_pattern(60, 50), "PNG"), "too_large"),
    ("scan.pcx", lambda: encode(gray_pattern(20, 20), "PCX"), "unsupported_format"),
])
def test_unusable_file_is_refused_with_its_reason(colorize_pixels, name, make_data, reason):
    with pytest.raises(images.UnusableImage) as refused:
        colorized_photos.colorize_image_bytes(make_data(), name, colorize_pixels, max_pixels=2_000)
    assert refused.value.reason == reason and refused.value.detail


SAMPLES = sorted((pathlib.Path(__file__).resolve().parents[3] / "data" / "samples").glob("*.*g"))


def vivid(pixels):
    """The join of a real photo's gray with strong network colors (ab up to 90), many of them outside
    the sRGB gamut at the lightness they land on: where clipping channels changed the gray."""
    ab = np.random.default_rng(7).uniform(-90, 90, (1, 8, 8, 2)).astype(np.float32)
    return inference.compose(pixels[None], ab, (8.0, 8.0))[0]


@pytest.mark.parametrize("extension, pillow_format", [(".png", "PNG"), (".tif", "TIFF"), (".jpg", "JPEG")])
def test_every_output_keeps_the_inputs_gray_where_the_colors_leave_the_gamut(extension, pillow_format):
    assert len(SAMPLES) >= 5
    for path in SAMPLES:
        gray = Image.open(path).convert("L")
        gray.thumbnail((480, 480))
        data = encode(gray, pillow_format, **({"quality": 95} if pillow_format == "JPEG" else {}))
        _, output, _ = colorized_photos.colorize_image_bytes(data, f"photo{extension}", vivid)
        level = np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.float64)
        luma = np.asarray(Image.open(io.BytesIO(output)).convert("RGB"), dtype=np.float64) @ (0.299, 0.587, 0.114)
        if pillow_format == "JPEG":
            # Quantized with the input's own luma table, the gray stays on its grid (at quality 92 it moved
            # by 1-1.6 levels on these detailed thumbnails); the colors' 4:2:0 chroma adds a fraction.
            assert Image.open(io.BytesIO(output)).quantization[0] == Image.open(io.BytesIO(data)).quantization[0]
            assert np.abs(luma - level).mean() <= 1.0, path.name
        else:
            assert np.abs(luma - level).mean() <= 0.5, path.name  # 0.13-0.2: the rounding of each channel
