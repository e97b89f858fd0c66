"""Tests for pipeline/io/images.py, calling the element functions directly on bytes and arrays."""

import os
import stat
import struct
import tracemalloc
import zlib

import numpy as np
import pytest
from PIL import ExifTags, Image

from pipeline.io import files, images
from tests.pipeline.conftest import encode

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


def filled(width, height, color):
    return np.full((height, width, 3), color, dtype=np.uint8)


def assert_color_near(pixels, color, tolerance=12):
    """Every pixel within `tolerance` of `color` in each channel (JPEG and WebP are lossy)."""
    difference = np.abs(pixels.reshape(-1, 3).astype(int) - np.array(color))
    assert difference.max() <= tolerance, f"expected {color} give or take {tolerance}, off by {difference.max()}"


# ---------------------------------------------------------------------------------------
# Decoding: every file of the folder fixture is either an RGB image or a skip with its reason.


def test_every_file_decodes_upright_or_is_refused_with_its_reason(image_folder):
    outcomes = {}
    for path in image_folder.path.rglob("*"):
        if path.is_file():
            try:
                rgb = images.decode_color_image(path.read_bytes(), max_pixels=image_folder.max_pixels)
            except images.UnusableImage as error:
                outcomes[path.relative_to(image_folder.path).as_posix()] = error.reason
            else:
                assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
                outcomes[path.relative_to(image_folder.path).as_posix()] = rgb.shape[:2]

    assert outcomes == {**image_folder.good, **image_folder.bad}


def test_exif_orientation_6_turns_the_picture_a_quarter_clockwise():
    stored = filled(40, 24, BLUE)  # 40 wide and 24 tall as the camera stored it
    stored[:8, :8] = RED  # red in the stored top-left corner
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6

    rgb = images.decode_color_image(encode(Image.fromarray(stored), "JPEG", exif=exif, quality=95))

    assert rgb.shape == (40, 24, 3)
    assert_color_near(rgb[1:7, -7:-1], RED)  # the stored top-left corner is now top right
    assert_color_near(rgb[1:7, 1:7], BLUE)
    assert_color_near(rgb[-7:-1, -7:-1], BLUE)


def test_animated_gif_gives_its_first_frame():
    frames = [Image.fromarray(filled(16, 12, color)).convert("P") for color in (RED, BLUE)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)

    rgb = images.decode_color_image(data)

    assert rgb.shape == (12, 16, 3)
    assert_color_near(rgb, RED, tolerance=0)


def test_transparent_palette_pixels_become_white():
    picture = Image.new("P", (10, 10), 0)
    picture.putpalette([*RED, *BLUE])
    picture.paste(1, (0, 0, 10, 5))  # the top half uses palette entry 1, which is transparent
    data = encode(picture, "PNG", transparency=1)

    rgb = images.to_rgb(images.open_image(data))

    assert_color_near(rgb[:5], WHITE, tolerance=0)
    assert_color_near(rgb[5:], RED, tolerance=0)


def test_alpha_is_composited_over_white():
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[..., 0] = 200  # red 200 everywhere
    rgba[:, :4, 3] = 255  # opaque on the left
    rgba[:, 4:, 3] = 0  # transparent on the right

    rgb = images.to_rgb(Image.fromarray(rgba, "RGBA"))

    assert_color_near(rgb[:, :4], (200, 0, 0), tolerance=0)
    assert_color_near(rgb[:, 4:], WHITE, tolerance=0)


def test_gray_with_alpha_becomes_three_equal_channels_over_white():
    gray_alpha = Image.merge("LA", [Image.new("L", (8, 8), 60), Image.new("L", (8, 8), 255)])
    gray_alpha.paste((60, 0), (0, 0, 8, 4))  # the top half transparent

    rgb = images.to_rgb(gray_alpha)

    assert_color_near(rgb[:4], WHITE, tolerance=0)
    assert_color_near(rgb[4:], (60, 60, 60), tolerance=0)


def test_sixteen_bit_gray_is_scaled_to_eight_bits_not_clipped():
    values = np.array([[0, 257, 32896, 65535]] * 8, dtype=np.uint16)
    picture = images.open_image(encode(Image.fromarray(values), "PNG"), min_side=1)
    assert picture.mode.startswith("I")

    rgb = images.to_rgb(picture)

    np.testing.assert_array_equal(rgb[0], [[0, 0, 0], [1, 1, 1], [128, 128, 128], [255, 255, 255]])


def test_cmyk_jpeg_decodes_to_its_rgb_colors():
    cyan = Image.new("CMYK", (16, 16), (255, 0, 0, 0))

    rgb = images.decode_color_image(encode(cyan, "JPEG", quality=95))

    assert_color_near(rgb, (0, 255, 255))


def noise_file(image_format):
    noise = np.random.default_rng(0).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    return encode(Image.fromarray(noise), image_format)


@pytest.mark.parametrize("image_format", ["JPEG", "WEBP", "PNG", "GIF", "TIFF", "BMP"])
def test_file_cut_in_half_is_corrupt(image_format):
    data = noise_file(image_format)

    with pytest.raises(images.UnusableImage) as caught:
        images.decode_color_image(data[:len(data) // 2])

    assert caught.value.reason == "corrupt"


@pytest.mark.parametrize("image_format", ["JPEG", "WEBP"])
def test_file_cut_inside_its_header_is_corrupt(image_format):
    # Pillow reads these headers while opening the file, before any pixel is decoded.
    with pytest.raises(images.UnusableImage) as caught:
        images.decode_color_image(noise_file(image_format)[:60])

    assert caught.value.reason == "corrupt"


def test_size_limit_names_the_flag_that_raises_it():
    data = encode(Image.fromarray(filled(80, 60, RED)), "PNG")

    with pytest.raises(images.UnusableImage) as caught:
        images.decode_color_image(data, max_pixels=4_000)

    assert caught.value.reason == "too_large"
    assert "80x60 is 4,800 pixels, over the limit of 4,000; raise --max-pixels" in caught.value.detail


def png_header_claiming(width, height):
    """A PNG whose header claims a size its data does not have, to test limits without the memory."""
    data = bytearray(encode(Image.new("RGB", (1, 1)), "PNG"))
    data[16:24] = struct.pack(">II", width, height)  # the IHDR chunk's width and height
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))  # and its checksum
    return bytes(data)


@pytest.mark.parametrize("width, height", [(12_000, 10_000), (20_000, 10_000)], ids=["120MP", "200MP"])
def test_huge_image_is_too_large_before_any_pixel_is_decoded(width, height):
    # 200 megapixels is also over Pillow's own limit, which refuses it while opening.
    with pytest.raises(images.UnusableImage) as caught:
        images.open_image(png_header_claiming(width, height))

    assert caught.value.reason == "too_large"


def test_tiny_and_empty_inputs_have_their_own_reasons():
    with pytest.raises(images.UnusableImage, match="empty: the file has 0 bytes"):
        images.open_image(b"")
    with pytest.raises(images.UnusableImage, match="too_small: 1x1 is below the minimum side of 8 px"):
        images.open_image(encode(Image.new("RGB", (1, 1)), "PNG"))


@pytest.mark.parametrize("rgb, grayscale", [
    (np.repeat(np.arange(64, dtype=np.uint8).reshape(8, 8, 1), 3, axis=2), True),
    (filled(8, 8, (100, 103, 98)), True),  # a gray with a faint cast, as scanners make
    (filled(8, 8, (120, 100, 90)), False),  # sepia
    (filled(8, 8, BLUE), False),
], ids=["gray", "gray-with-cast", "sepia", "blue"])
def test_grayscale_means_no_color_to_learn(rgb, grayscale):
    assert images.is_grayscale(rgb) == grayscale


# ---------------------------------------------------------------------------------------
# Splits: a stable hash of the relative path, nothing else.


def test_split_is_fixed_by_the_relative_path_across_versions_and_machines():
    # Pinned: if these change, re-running prepare would move images between train and test.
    assert images.split_for("holiday/IMG_0000.JPG", 0.1, 0.1) == "train"
    assert images.split_for("holiday/IMG_0005.JPG", 0.1, 0.1) == "test"
    assert images.split_for("holiday/IMG_0010.JPG", 0.1, 0.1) == "validation"


def test_adding_files_never_moves_an_old_file_to_another_split():
    old_keys = [f"holiday/IMG_{number:04d}.JPG" for number in range(2_000)]
    before = {key: images.split_for(key, 0.1, 0.1) for key in old_keys}

    new_keys = [f"holiday/more/IMG_{number:04d}.JPG" for number in range(2_000)]
    after = {key: images.split_for(key, 0.1, 0.1) for key in sorted(old_keys + new_keys, reverse=True)}

    assert {key: after[key] for key in old_keys} == before


def test_fractions_come_out_as_asked_on_ten_thousand_keys():
    keys = [f"photos/{number}.jpg" for number in range(10_000)]

    splits = [images.split_for(key, 0.15, 0.05) for key in keys]

    # 150 is about five standard deviations of the count of a 15% share of 10,000.
    assert abs(splits.count("validation") - 1_500) < 150
    assert abs(splits.count("test") - 500) < 150
    assert splits.count("train") == 10_000 - splits.count("validation") - splits.count("test")


def test_more_validation_only_takes_from_train_and_leaves_test_alone():
    keys = [f"photos/{number}.jpg" for number in range(2_000)]

    smaller = {key: images.split_for(key, 0.1, 0.1) for key in keys}
    larger = {key: images.split_for(key, 0.2, 0.1) for key in keys}

    moved = {(smaller[key], larger[key]) for key in keys if smaller[key] != larger[key]}
    assert moved == {("train", "validation")}


# ---------------------------------------------------------------------------------------
# Size policies.


def test_center_crop_keeps_the_middle_of_the_long_side():
    rgb = filled(90, 30, RED)
    rgb[:, 30:60] = BLUE  # a blue square in the middle of a red band

    square = images.resize_short_side_and_center_crop(rgb, 16)

    assert square.shape == (16, 16, 3) and square.dtype == np.uint8
    assert_color_near(square, BLUE, tolerance=0)


def test_center_crop_enlarges_small_images():
    assert images.resize_short_side_and_center_crop(filled(9, 12, RED), 32).shape == (32, 32, 3)


def test_random_crops_are_fixed_by_seed_and_id():
    rgb = np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)

    first = images.random_crops(rgb, 16, 4, seed=1, image_id="folder:a.jpg")
    again = images.random_crops(rgb, 16, 4, seed=1, image_id="folder:a.jpg")
    other_seed = images.random_crops(rgb, 16, 4, seed=2, image_id="folder:a.jpg")
    other_image = images.random_crops(rgb, 16, 4, seed=1, image_id="folder:b.jpg")

    assert len(first) == 4 and all(crop.shape == (16, 16, 3) and crop.dtype == np.uint8 for crop in first)
    np.testing.assert_array_equal(np.stack(first), np.stack(again))
    assert not np.array_equal(np.stack(first), np.stack(other_seed))
    assert not np.array_equal(np.stack(first), np.stack(other_image))
    assert len({crop.tobytes() for crop in first}) == 4  # the crops of one image differ from each other


def test_training_images_name_each_crop():
    source = images.SourceImage("folder:a.jpg", "train", -1, filled(40, 30, RED))

    center = list(images.training_images(source, 8, "center-crop"))
    crops = list(images.training_images(source, 8, "random-crops", crops_per_image=3, seed=5))

    assert [image_id for image_id, _ in center] == ["folder:a.jpg"]
    assert [image_id for image_id, _ in crops] == ["folder:a.jpg#crop0", "folder:a.jpg#crop1", "folder:a.jpg#crop2"]
    assert {rgb.shape for _, rgb in center + crops} == {(8, 8, 3)}


def test_unknown_policy_names_the_choices():
    source = images.SourceImage("folder:a.jpg", "train", -1, filled(40, 30, RED))
    with pytest.raises(ValueError, match="choose one of center-crop, random-crops"):
        list(images.training_images(source, 8, "stretch"))


# ---------------------------------------------------------------------------------------
# Reading a file: only regular files, and only once its size and header fit the limit.

READ_MEMORY_LIMIT = 20_000_000  # bytes: far below the files that must not be read whole


def peak_memory_of(function, *args):
    """(result or raised UnusableImage, peak bytes Python allocated while calling function)."""
    tracemalloc.start()
    try:
        result = function(*args)
    except images.UnusableImage as error:
        result = error
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, peak


def test_a_regular_file_is_read_whole(tmp_path):
    data = encode(Image.fromarray(filled(30, 20, RED)), "PNG")
    (tmp_path / "red.png").write_bytes(data)
    assert images.read_image_file(str(tmp_path / "red.png")) == data


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe.png")
    with pytest.raises(images.UnusableImage, match="not_a_file: a FIFO"):
        images.read_image_file(str(tmp_path / "pipe.png"))


def test_a_device_node_is_refused_without_being_read(tmp_path):
    try:  # the same device as /dev/zero, which never ends; making one needs root
        os.mknod(tmp_path / "zero.png", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("making a device node needs root")
    with pytest.raises(images.UnusableImage, match="not_a_file: a character device"):
        images.read_image_file(str(tmp_path / "zero.png"))


def test_a_sparse_file_larger_than_any_image_within_the_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.tif"
    path.write_bytes(encode(Image.fromarray(filled(30, 20, RED)), "TIFF"))
    os.truncate(path, 3 * 1024**3)  # 3 GB that take no disk space

    refused, peak = peak_memory_of(images.read_image_file, str(path))

    assert isinstance(refused, images.UnusableImage) and refused.reason == "too_large"
    assert "3,221,225,472 bytes" in refused.detail and "--max-pixels" in refused.detail
    assert peak < READ_MEMORY_LIMIT


def test_a_header_over_the_pixel_limit_is_refused_before_the_file_is_read(tmp_path):
    path = tmp_path / "claims.png"
    path.write_bytes(png_header_claiming(2_000, 1_000))
    os.truncate(path, 60_000_000)  # within the byte bound of 100 megapixels, not worth reading

    refused, peak = peak_memory_of(images.read_image_file, str(path), 1_000_000)

    assert isinstance(refused, images.UnusableImage) and refused.reason == "too_large"
    assert "2000x1000" in refused.detail
    assert peak < READ_MEMORY_LIMIT


def test_an_unrecognised_large_file_is_refused_from_its_first_bytes(tmp_path):
    path = tmp_path / "video.jpg"
    path.write_bytes(b"not an image at all")
    os.truncate(path, 60_000_000)

    refused, peak = peak_memory_of(images.read_image_file, str(path))

    assert isinstance(refused, images.UnusableImage) and refused.reason == "not_an_image"
    assert peak < READ_MEMORY_LIMIT


def test_an_unusable_image_names_its_reason_from_the_shared_vocabulary():
    assert images.UnusableImage("corrupt", "cut short").reason in files.FAILURE_REASONS
    with pytest.raises(ValueError, match="unknown failure reason"):
        images.UnusableImage("broken", "cut short")
