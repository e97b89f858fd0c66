"""Tests for pipeline/colorize/photos.py through the colorize job's code for one file: what the copy keeps.

The colorize function here is a fixed tint of the input's own lightness, so that every
figure the output should keep (levels, lightness, transparency, frames) can be checked exactly.
"""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin, TiffImagePlugin

from model import color
from pipeline.colorize import formats as colorized_photos, photos
from pipeline.io import images
from tests.pipeline.conftest import encode, gray_pattern

TINT = (20.0, 30.0)  # the a, b every pixel gets


def tint(pixels):
    """The input's lightness with a fixed color: RGB uint8."""
    lightness = color.lightness_of_gray8(pixels) if pixels.ndim == 2 else color.lightness_of_srgb8(pixels)
    return color.lab_to_srgb8(lightness, np.broadcast_to(np.float32(TINT), lightness.shape + (2,)))


def gray_copy(pixels):
    """No color at all: the output's levels are the input's."""
    return np.repeat(pixels[..., None], 3, axis=-1) if pixels.ndim == 2 else pixels


def colorized(data, name, colorize_function=tint, **options):
    status, output, _ = colorized_photos.colorize_image_bytes(data, name, colorize_function, **options)
    assert status == "colorized"
    return output


def chroma(rgb):
    return float(np.mean(rgb.max(axis=-1).astype(np.int16) - rgb.min(axis=-1)))


# ---------------------------------------------------------------------------------------
# Metadata: EXIF, resolution, PNG text, the sRGB profile.


def camera_exif():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Kodak"
    exif[ExifTags.Base.Model] = "Brownie"
    exif[ExifTags.Base.ImageDescription] = "Grandma at the lake"
    exif[ExifTags.Base.Orientation] = 6  # stored 40 wide and 24 tall, shown turned a quarter clockwise
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "1952:07:04 10:00:00"
    return exif


@pytest.mark.parametrize("extension, pillow_format", [(".jpg", "JPEG"), (".png", "PNG"), (".webp", "WEBP"),
                                                      (".tif", "TIFF")])
def test_exif_is_kept_with_the_orientation_reset_once_applied(extension, pillow_format):
    exif = camera_exif()
    if pillow_format == "TIFF":  # Pillow's TIFF writer takes the EXIF block as a tag of the directory
        tags = TiffImagePlugin.ImageFileDirectory_v2()
        for tag, value in exif.items():
            tags[tag] = value
        tags[ExifTags.IFD.Exif] = dict(exif.get_ifd(ExifTags.IFD.Exif))
        data = encode(gray_pattern(40, 24).convert("RGB"), pillow_format, tiffinfo=tags)
    else:
        data = encode(gray_pattern(40, 24).convert("RGB"), pillow_format, exif=exif)

    result = Image.open(io.BytesIO(colorized(data, f"scan{extension}")))

    exif = result.getexif()
    assert result.size == (24, 40)
    assert (exif[ExifTags.Base.Make], exif[ExifTags.Base.Model], exif[ExifTags.Base.ImageDescription]) == (
        "Kodak", "Brownie", "Grandma at the lake")
    assert exif[ExifTags.Base.Orientation] == 1
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] == "1952:07:04 10:00:00"


@pytest.mark.parametrize("extension, pillow_format", [(".jpg", "JPEG"), (".png", "PNG"), (".tif", "TIFF"),
                                                      (".bmp", "BMP")])
def test_resolution_is_kept(extension, pillow_format):
    data = encode(gray_pattern(40, 30), pillow_format, dpi=(600, 300))

    result = Image.open(io.BytesIO(colorized(data, f"scan{extension}")))

    assert result.info["dpi"] == pytest.approx((600, 300), abs=0.5)


def test_resolution_turns_with_the_picture():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    data = encode(gray_pattern(40, 24), "JPEG", exif=exif, dpi=(600, 300))
    result = Image.open(io.BytesIO(colorized(data, "scan.jpg")))
    assert result.info["dpi"] == (300, 600)


def test_png_text_chunks_are_kept():
    text = PngImagePlugin.PngInfo()
    text.add_text("Title", "Grandma at the lake")
    text.add_itxt("Description", "Été 1952, café au bord du lac ☕")
    data = encode(gray_pattern(40, 30), "PNG", pnginfo=text)

    result = Image.open(io.BytesIO(colorized(data, "scan.png")))

    assert result.text == {"Title": "Grandma at the lake", "Description": "Été 1952, café au bord du lac ☕"}


@pytest.mark.parametrize("extension, pillow_format", [(".jpg", "JPEG"), (".png", "PNG"), (".webp", "WEBP"),
                                                      (".tif", "TIFF")])
def test_the_output_carries_an_srgb_profile(extension, pillow_format):
    data = encode(gray_pattern(40, 30), pillow_format)

    result = Image.open(io.BytesIO(colorized(data, f"scan{extension}")))

    profile = ImageCms.ImageCmsProfile(io.BytesIO(result.info["icc_profile"]))
    assert "sRGB" in ImageCms.getProfileDescription(profile)


# ---------------------------------------------------------------------------------------
# 16-bit scans: the output is 16-bit and keeps every gray level.

TWELVE_BIT_LEVELS = 320  # distinct levels of a narrow-range 12-bit scan stored in 16 bits


def twelve_bit_scan(width=40, height=32):
    """A 16-bit gray image of 320 distinct 12-bit levels (multiples of 16) in a narrow range."""
    levels = (1_200 + np.arange(width * height) % TWELVE_BIT_LEVELS) * 16
    return levels.reshape(height, width).astype(np.uint16)


def png_pixels(data):
    """The pixels of a non-interlaced 8- or 16-bit RGB(A) PNG, as Pillow cannot read 16-bit RGB."""
    chunks, position = {}, 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunks.setdefault(kind, []).append(data[position + 8:position + 8 + length])
        position += 12 + length
    width, height, depth, color_type = struct.unpack(">IIBB", chunks[b"IHDR"][0][:10])
    channels = {2: 3, 6: 4}[color_type]
    step = channels * depth // 8
    raw = np.frombuffer(zlib.decompress(b"".join(chunks[b"IDAT"])), dtype=np.uint8).reshape(height, -1)
    rows, previous = [], np.zeros(width * step, dtype=np.int32)
    for line in raw:
        kind, row = line[0], line[1:].astype(np.int32)
        out = np.zeros_like(row)
        for index in range(len(row)):
            left = out[index - step] if index >= step else 0
            up, corner = previous[index], previous[index - step] if index >= step else 0
            predictor = {0: 0, 1: left, 2: up, 3: (left + up) // 2}.get(int(kind))
            if predictor is None:  # Paeth
                estimate = left + up - corner
                predictor = min((abs(estimate - left), 0, left), (abs(estimate - up), 1, up),
                                (abs(estimate - corner), 2, corner))[2]
            out[index] = (row[index] + predictor) % 256
        rows.append(out)
        previous = out
    values = np.array(rows, dtype=np.uint8)
    if depth == 16:
        return depth, values.view(">u2").reshape(height, width, channels).astype(np.uint16)
    return depth, values.reshape(height, width, channels)


def tiff_pixels(data):
    """The pixels of our deflate TIFF's first page (8 or 16 bits, horizontal predictor), read by its tags."""
    tiff = Image.open(io.BytesIO(data))
    tags = tiff.tag_v2
    width, height, bits, channels = tags[256], tags[257], tags[258][0], tags[277]
    dtype = np.dtype("<u2") if bits == 16 else np.uint8
    body = b"".join(zlib.decompress(data[offset:offset + count]) for offset, count in zip(tags[273], tags[279]))
    values = np.frombuffer(body, dtype=dtype).reshape(height, width, channels)
    assert tags[317] == 2
    return bits, np.cumsum(values, axis=1, dtype=dtype)  # undo the differencing, modulo 2**bits


@pytest.mark.parametrize("extension, read_pixels", [(".png", png_pixels), (".tif", tiff_pixels)])
def test_a_sixteen_bit_scan_gives_a_sixteen_bit_output_with_every_gray_level(extension, read_pixels):
    scan = twelve_bit_scan()
    data = encode(Image.fromarray(scan), "PNG" if extension == ".png" else "TIFF")

    bits, pixels = read_pixels(colorized(data, f"scan{extension}", gray_copy))

    assert bits == 16 and pixels.dtype == np.uint16
    assert len(np.unique(pixels[..., 1])) == TWELVE_BIT_LEVELS
    np.testing.assert_array_equal(pixels[..., 0], scan)  # no color: each channel is the scan's own level


def test_a_colorized_sixteen_bit_scan_keeps_its_gray_at_sixteen_bits():
    scan = twelve_bit_scan()

    _, pixels = png_pixels(colorized(encode(Image.fromarray(scan), "PNG"), "scan.png"))

    # The output's luma is the scan's 16-bit level, to a fraction of a 16-bit level.
    assert np.abs(color.luma601(pixels) - scan).max() <= 0.5
    lab = color.rgb_to_lab(pixels.astype(np.float64) / 65535.0).numpy()
    middle = (scan > 16000) & (scan < 50000)  # where the tint fits the gamut whole
    assert np.abs(lab[middle][:, 1:] - TINT).max() < 3.0


# ---------------------------------------------------------------------------------------
# Transparency given by one color.


def test_a_gray_png_with_a_transparent_level_keeps_its_transparency():
    picture = gray_pattern(40, 30)
    data = encode(picture, "PNG", transparency=0)

    result = Image.open(io.BytesIO(colorized(data, "logo.png")))

    expected = np.where(np.asarray(picture) == 0, 0, 255)
    assert (expected == 0).any()
    np.testing.assert_array_equal(np.asarray(result.convert("RGBA"))[..., 3], expected)


def test_a_gray_gif_with_a_transparent_color_keeps_its_transparency():
    picture = gray_pattern(40, 30)
    data = encode(picture, "GIF", transparency=0)
    assert Image.open(io.BytesIO(data)).info["transparency"] == 0

    result = Image.open(io.BytesIO(colorized(data, "logo.gif")))

    expected = np.where(np.asarray(picture) == 0, 0, 255)
    np.testing.assert_array_equal(np.asarray(result.convert("RGBA"))[..., 3], expected)
    assert chroma(np.asarray(result.convert("RGB"))[expected == 255]) > 5


# ---------------------------------------------------------------------------------------
# Animations and pages.

DURATIONS = [100, 250, 400]  # milliseconds


def animation_frames(width=48, height=36):
    """A still background with a bright square moving across it, one frame per duration."""
    frames = []
    for index in range(len(DURATIONS)):
        pixels = np.asarray(gray_pattern(width, height)).copy() // 2
        pixels[10:20, 5 + 12 * index:15 + 12 * index] = 250
        frames.append(pixels)
    return frames


def moving_square(index):
    mask = np.zeros((36, 48), dtype=bool)
    mask[10:20, 5 + 12 * index:15 + 12 * index] = True
    return mask


def frames_of(data):
    """(RGB uint8 frames, durations, loop) of an animation file."""
    image = Image.open(io.BytesIO(data))
    frames, durations = [], []
    for index in range(image.n_frames):
        image.seek(index)
        frames.append(np.asarray(image.convert("RGB")))
        durations.append(image.info.get("duration"))
    return frames, durations, image.info.get("loop")


@pytest.mark.parametrize("extension, pillow_format", [(".gif", "GIF"), (".webp", "WEBP"), (".png", "PNG")])
def test_every_frame_of_an_animation_is_colorized_alike_with_its_timing(extension, pillow_format):
    frames = [Image.fromarray(pixels) for pixels in animation_frames()]
    data = encode(frames[0], pillow_format, save_all=True, append_images=frames[1:], duration=DURATIONS, loop=0)

    result, durations, loop = frames_of(colorized(data, f"anim{extension}"))

    assert len(result) == len(DURATIONS) and durations == DURATIONS and loop == 0
    assert all(chroma(frame) > 5 for frame in result)
    moved = moving_square(0) | moving_square(1) | moving_square(2)
    for frame in result[1:]:
        difference = np.abs(frame[~moved].astype(int) - result[0][~moved])
        if pillow_format == "WEBP":  # lossy: each frame's encoding errs a little on its own
            assert difference.mean() < 1.0
        else:
            assert difference.max() == 0


def test_an_animation_without_a_loop_count_plays_once_as_before():
    frames = [Image.fromarray(pixels) for pixels in animation_frames()]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=DURATIONS)
    assert "loop" not in Image.open(io.BytesIO(data)).info
    _, _, loop = frames_of(colorized(data, "anim.gif"))
    assert loop is None


def test_every_page_of_a_multi_page_tiff_is_colorized_at_its_own_size():
    pages = [gray_pattern(40, 30), gray_pattern(24, 50)]
    data = encode(pages[0], "TIFF", save_all=True, append_images=pages[1:])

    result = Image.open(io.BytesIO(colorized(data, "album.tif")))

    assert result.n_frames == 2
    for index, page in enumerate(pages):
        result.seek(index)
        assert result.size == page.size
        assert chroma(np.asarray(result.convert("RGB"))) > 5


def test_all_frames_together_must_fit_the_pixel_limit():
    frames = [Image.fromarray(pixels) for pixels in animation_frames()]  # 3 frames of 1,728 pixels
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=DURATIONS)
    with pytest.raises(images.UnusableImage, match="too_large: its first 3 of 3 frames hold 5,184 pixels"):
        colorized_photos.colorize_image_bytes(data, "anim.gif", tint, max_pixels=4_000)


def test_our_tiff_pages_are_chained_and_readable_by_pillow():
    page = np.asarray(gray_pattern(300, 200).convert("RGB"))  # several strips per page
    data = colorized(encode(Image.fromarray(page), "TIFF", save_all=True,
                            append_images=[Image.fromarray(page[::-1])]), "two.tif", gray_copy)
    result = Image.open(io.BytesIO(data))
    assert isinstance(result, TiffImagePlugin.TiffImageFile) and result.n_frames == 2
    np.testing.assert_array_equal(np.asarray(result.convert("RGB")), page)
    result.seek(1)
    np.testing.assert_array_equal(np.asarray(result.convert("RGB")), page[::-1])


def test_a_maker_note_too_large_for_a_jpeg_goes_and_the_rest_of_the_exif_stays():
    exif = camera_exif()
    exif.get_ifd(ExifTags.IFD.Exif)[0x927C] = bytes(64_000)  # a camera's private notes
    data = encode(gray_pattern(40, 24), "PNG", exif=exif)  # a PNG holds it; a JPEG copy could not

    result = Image.open(io.BytesIO(colorized_photos.colorize_image_bytes(data, "scan.png", tint)[1]))
    assert len(result.getexif().get_ifd(ExifTags.IFD.Exif)[0x927C]) == 64_000

    data = encode(gray_pattern(40, 24), "JPEG", exif=camera_exif())
    photo = photos.read_photo(data)
    photo.exif.get_ifd(ExifTags.IFD.Exif)[0x927C] = bytes(65_500)
    result = Image.open(io.BytesIO(photos.write_photo(photo, [tint(photo.frames[0].pixels)], "JPEG", {})))
    assert result.getexif()[ExifTags.Base.Make] == "Kodak"
    assert 0x927C not in result.getexif().get_ifd(ExifTags.IFD.Exif)
