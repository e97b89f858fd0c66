"""Tests for model/inference.py: colorizing images of any size with a tiny untrained model."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from model import bins, color, inference, network

# Lab L of the output against the input's: the output is rounded to uint8 and the
# predicted ab may push a color out of the sRGB gamut, where clipping moves L a little.
MEAN_LIGHTNESS_ERROR = 0.5
MAX_LIGHTNESS_ERROR = 3.0


def random_photo(height, width, seed=0):
    """Smooth random colors, like a photo rather than noise."""
    blocks = np.random.default_rng(seed).integers(0, 256, size=(3, 4, 3), dtype=np.uint8)
    smooth = tf.image.resize(blocks[None].astype(np.float32), (height, width), method="bilinear")[0]
    return np.clip(np.round(smooth.numpy()), 0, 255).astype(np.uint8)


def luma_error(photo, result):
    """|ITU-R 601 luma of the result - the photo's gray| in 8-bit levels, per pixel."""
    return np.abs(color.luma601(result) - color.gray_of_srgb8(photo))


def lab_of(rgb):
    return color.rgb_to_lab(tf.constant(rgb, dtype=tf.float32) / 255.0).numpy()


def test_loading_a_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        inference.load(str(tmp_path / "nothing.keras"))


@pytest.mark.parametrize("height, width", [(37, 53), (8, 8), (9, 31), (64, 40)])
def test_colorize_keeps_the_size_of_any_image(colorizer, height, width):
    result = inference.colorize_image(colorizer, random_photo(height, width))
    assert result.shape == (height, width, 3)
    assert result.dtype == np.uint8


def test_colorize_keeps_the_size_when_the_network_sees_a_smaller_copy(colorizer):
    small = inference.Colorizer(colorizer.model, colorizer.centers, colorizer.temperature, working_size=16)
    assert inference.working_shape(37, 53, 16) == (16, 23)
    assert inference.colorize_image(small, random_photo(37, 53)).shape == (37, 53, 3)


@pytest.mark.parametrize("height, width", [(37, 53), (32, 32)])
def test_colorize_keeps_the_lightness(colorizer, height, width):
    photo = random_photo(height, width, seed=1)
    result = inference.colorize_image(colorizer, photo)
    difference = luma_error(photo, result)
    assert difference.mean() < MEAN_LIGHTNESS_ERROR
    assert difference.max() < MAX_LIGHTNESS_ERROR


def test_colorize_batch_matches_one_at_a_time(colorizer):
    photos = np.stack([random_photo(24, 40, seed=seed) for seed in range(3)])
    batch = inference.colorize_batch(colorizer, photos)
    assert batch.shape == photos.shape
    for photo, colorized in zip(photos, batch):
        difference = np.abs(inference.colorize_image(colorizer, photo).astype(int) - colorized.astype(int))
        assert difference.max() <= 1


@pytest.mark.parametrize("height, width, working_size", [(37, 53, 256), (300, 410, 64)])
def test_a_grayscale_image_colorizes_exactly_as_its_rgb_copy(colorizer, height, width, working_size):
    gray = random_photo(height, width, seed=3)[..., 1]
    colorizer = inference.Colorizer(colorizer.model, colorizer.centers, colorizer.temperature, working_size)
    from_gray = inference.colorize_image(colorizer, gray)
    assert from_gray.shape == (height, width, 3)
    np.testing.assert_array_equal(from_gray, inference.colorize_image(colorizer, np.repeat(gray[..., None], 3, axis=2)))


@pytest.mark.parametrize("count, height, width, extent", [
    (1, 37, 53, (9.25, 13.25)), (3, 32, 32, (16.0, 16.0)), (1, 700, 450, (100.0, 64.3))])
def test_compose_keeps_the_gray_exactly_and_takes_the_chroma_of_ab(count, height, width, extent):
    generator = np.random.default_rng(4)
    ab_shape = (count, int(np.ceil(extent[0] / 4) * 4), int(np.ceil(extent[1] / 4) * 4), 2)
    # Strong colors, many of them out of the sRGB gamut at the lightness they land on.
    ab = generator.uniform(-90, 90, ab_shape).astype(np.float32)
    gray = generator.integers(0, 256, (count, height, width), dtype=np.uint8)
    # Strips of a few rows, so that their edges fall inside the ab field cells.
    composed = inference.compose(gray, ab, extent, strip_pixels=4096)
    luma = color.luma601(composed)
    assert np.abs(luma - gray).max() <= 0.3  # clipping channels moved it by tens of levels
    assert np.abs(luma - gray).mean() < 0.2
    # Where the gray is mid-tone, the network's hue comes through.
    middle = (gray > 100) & (gray < 160)
    composed_ab = color.srgb8_to_lab(composed)[..., 1:]
    cells = ab[:, :int(extent[0]), :int(extent[1])].mean(axis=(1, 2))
    for index in range(count):
        mean_ab = composed_ab[index][middle[index]].mean(axis=0)
        assert np.dot(mean_ab, cells[index]) >= 0 or np.linalg.norm(cells[index]) < 5


def test_gray_copy_has_no_color_and_keeps_the_lightness():
    photo = random_photo(37, 53, seed=2)
    gray = inference.gray_copy(photo[None])[0]
    assert gray.shape == photo.shape and gray.dtype == np.uint8
    lab = lab_of(gray)
    # uint8 rounding can leave the channels one level apart, about half a unit of a or b.
    assert np.abs(lab[..., 1:]).max() < 1.0
    np.testing.assert_allclose(lab[..., 0], lab_of(photo)[..., 0], atol=0.5)


def test_pad_to_multiple_reflects_up_to_the_next_multiple():
    array = np.arange(5 * 3).reshape(5, 3)
    padded, pads = inference.pad_to_multiple(array, 4)
    assert padded.shape == (8, 4) and pads == (3, 1)
    np.testing.assert_array_equal(padded[:5, :3], array)
    same, no_pads = inference.pad_to_multiple(np.zeros((8, 16, 3)), 8)
    assert same.shape == (8, 16, 3) and no_pads == (0, 0)


def test_working_shape_caps_the_short_side_and_keeps_the_aspect():
    assert inference.working_shape(1000, 2000, 256) == (256, 512)
    assert inference.working_shape(100, 50, 256) == (100, 50)


@pytest.mark.parametrize("height, width", [(256, 40_000), (40_000, 256), (600, 90_000), (300, 1_000_000)])
def test_a_panorama_is_seen_at_a_photos_pixel_count_whatever_its_aspect(height, width):
    budget = inference.WIDEST_ASPECT * 256 * 256
    small_height, small_width = inference.working_shape(height, width, 256)
    assert small_height * small_width <= budget * 1.1  # give or take the rounding of a short side of a few rows
    assert small_width / small_height == pytest.approx(width / height, rel=0.05)
    # Photos up to the widest aspect are seen at the full working size, as before.
    assert inference.working_shape(2000, 3000, 256) == (256, 384)
    assert inference.working_shape(1000, 3000, 256) == (256, 768)


def test_a_panorama_is_colorized_at_full_size_from_a_small_network_input(colorizer):
    strip = random_photo(64, 8_000)[..., 0]
    lightness, _ = inference.network_input(strip[None], 64, colorizer.geometry)
    # Padding the short side up to the network's multiple adds at most a few rows.
    assert lightness.shape[1] * lightness.shape[2] <= 2 * inference.WIDEST_ASPECT * 64 * 64
    small = inference.Colorizer(colorizer.model, colorizer.centers, colorizer.temperature, working_size=64)
    assert inference.colorize_image(small, strip).shape == (64, 8_000, 3)


@pytest.mark.slow
def test_saturation_scales_the_chroma_and_keeps_the_lightness(model_path):
    rgb = random_photo(40, 56)
    plain = inference.load(str(model_path), saturation=1.0)
    vivid = inference.load(str(model_path), saturation=2.0)
    muted = inference.load(str(model_path), saturation=0.0)
    chroma = {name: np.hypot(*np.moveaxis(lab_of(inference.colorize_image(colorizer, rgb))[..., 1:], -1, 0)).mean()
              for name, colorizer in [("plain", plain), ("vivid", vivid), ("muted", muted)]}
    assert chroma["muted"] < 0.5 < chroma["plain"]
    # Clipping to the sRGB gamut takes a little off the doubled chroma.
    assert 1.6 * chroma["plain"] < chroma["vivid"] <= 2.0 * chroma["plain"] + 0.5
    lightness = lab_of(rgb)[..., 0]
    assert np.abs(lab_of(inference.colorize_image(vivid, rgb))[..., 0] - lightness).mean() < 1.0


def test_saturation_defaults_to_the_model_description(model_path):
    assert inference.load(str(model_path)).saturation == 1.0
    model, description = inference.load_colorizer(str(model_path))
    colorizer = inference.Colorizer.from_description(model, {**description, "saturation": 1.3})
    assert colorizer.saturation == 1.3


@pytest.mark.slow
def test_hue_agreement_fades_only_where_the_likely_hues_disagree(model_path):
    rgb = random_photo(40, 56)
    plain = inference.load(str(model_path))
    faded = inference.load(str(model_path), agreement_power=1.0)
    lightness, _ = inference.network_input(rgb[None], plain.working_size, plain.geometry)
    logits = plain.model(lightness, training=False)
    agreement = bins.hue_agreement(logits, plain.centers).numpy()[..., None]
    np.testing.assert_allclose(faded.decode(lightness).numpy(), plain.decode(lightness).numpy() * agreement,
                               rtol=1e-4, atol=1e-4)
    assert agreement.min() < 0.99  # the untrained model is unsure somewhere, so something fades


def test_hue_agreement_defaults_to_the_model_description_and_off_for_older_models(model_path):
    assert inference.load(str(model_path)).agreement_power == 0.0
    model, description = inference.load_colorizer(str(model_path))
    assert inference.Colorizer.from_description(model, {**description, "agreement_power": 0.5}).agreement_power == 0.5
    with pytest.raises(ValueError, match="0 turns it off"):
        inference.load(str(model_path), agreement_power=-1.0)


def test_working_shape_enlarges_a_thumbnail_to_the_smallest_side_but_not_a_panorama():
    assert inference.working_shape(32, 32, 256, smallest_side=128) == (128, 128)
    assert inference.working_shape(32, 64, 256, smallest_side=128) == (128, 256)
    assert inference.working_shape(1000, 2000, 256, smallest_side=128) == (256, 512)
    assert inference.working_shape(256, 40_000, 256, smallest_side=128) == inference.working_shape(256, 40_000, 256)


@pytest.mark.parametrize("height, width", [(24, 40), (300, 200)])
@pytest.mark.slow
def test_a_pretrained_model_colorizes_thumbnails_and_photos_at_their_size(tiny_pretrained_model, height, width):
    colorizer = inference.load(tiny_pretrained_model)
    assert colorizer.geometry == network.GEOMETRIES[network.PRETRAINED_ARCHITECTURE]
    photo = random_photo(height, width)
    result = inference.colorize_image(colorizer, photo)
    assert result.shape == (height, width, 3)
    assert luma_error(photo, result).mean() < MEAN_LIGHTNESS_ERROR
