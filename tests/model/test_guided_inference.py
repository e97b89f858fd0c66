"""Tests for the guided colorization of model/inference.py: hints and a palette, one network pass, hints obeyed."""

import numpy as np
import pytest

from model import color, hints, inference


def smooth_photo(height=96, width=128):
    """A gray-ish uint8 RGB photo of soft gradients, mid lightness (every hint color below exists at it)."""
    rows, columns = np.mgrid[0:height, 0:width]
    level = (110 + 30 * np.sin(rows / 17.0) + 20 * np.cos(columns / 23.0)).astype(np.uint8)
    return np.stack([level] * 3, axis=-1)


@pytest.fixture(scope="module")
def guided(tiny_guided_model):
    return inference.load(tiny_guided_model)


@pytest.fixture(scope="module")
def automatic(tiny_pretrained_model):
    return inference.load(tiny_pretrained_model)


def test_without_guidance_a_guided_model_colorizes_as_the_automatic_one_it_was_made_from(guided, automatic):
    photo = smooth_photo()
    assert guided.guided and not automatic.guided
    np.testing.assert_array_equal(inference.colorize_image(guided, photo), inference.colorize_image(automatic, photo))
    np.testing.assert_array_equal(inference.colorize_image(guided, photo, inference.NO_GUIDANCE),
                                  inference.colorize_image(automatic, photo))


def output_ab_at(output, hint):
    return color.srgb8_to_lab(output[int(hint.y), int(hint.x)][None])[0, 1:]


@pytest.mark.parametrize("size", [(96, 128), (480, 640)])
def test_each_hint_is_obeyed_where_it_is_put_and_the_lightness_kept(guided, size):
    photo = smooth_photo(*size)
    height, width = size
    points = [(0.2, 0.3, "#c03030"), (0.7, 0.6, "#3060c0"), (0.5, 0.9, "#40a040")]
    guidance = inference.Guidance(tuple(hints.hint_from_hex(x * width, y * height, code) for x, y, code in points))
    output = inference.colorize_image(guided, photo, guidance)
    for hint in guidance.hints:
        # The hint's color as it exists at the photo's lightness there in sRGB (clipped into it).
        lightness = color.srgb8_to_lab(photo[int(hint.y), int(hint.x)][None])[0, 0]
        reachable = color.srgb8_to_lab(color.lab_to_srgb8(np.float32([lightness]), np.float32([[hint.a, hint.b]])))
        assert np.hypot(*(output_ab_at(output, hint) - reachable[0, 1:])) < 10
    luma = output.astype(float) @ np.float64([0.299, 0.587, 0.114])  # ITU-R 601, which the join keeps
    assert np.abs(luma - photo[..., 0]).max() <= 1
    # A hint colors its surroundings, not the far side of the photo.
    far = output[int(0.95 * height), int(0.05 * width)]
    assert np.hypot(*color.srgb8_to_lab(far[None])[0, 1:]) < np.hypot(guidance.hints[0].a, guidance.hints[0].b) / 2


def test_hints_move_the_colors_in_one_network_pass_per_image(guided):
    photo = smooth_photo()
    calls = []
    traced = guided.traced
    object.__setattr__(guided, "traced", lambda *inputs: calls.append(len(inputs)) or traced(*inputs))
    try:
        many = tuple(hints.hint_from_hex(10 + 3 * index, 20 + 2 * index, "#a04020") for index in range(30))
        inference.colorize_image(guided, photo, inference.Guidance(many))
    finally:
        object.__setattr__(guided, "traced", traced)
    assert calls == [3]


def test_a_palette_enters_the_network_and_none_leaves_it_as_without(guided):
    photo = smooth_photo()
    reference = np.zeros((40, 60, 3), dtype=np.uint8)
    reference[..., 1] = 180  # a green photo
    palette = inference.palette_of_photo(guided, reference)
    assert palette.shape == (len(guided.centers),) and abs(palette.sum() - 1) < 1e-4
    # The tiny model's palette weights start at zero: the output is the automatic one, through the palette path.
    np.testing.assert_array_equal(inference.colorize_image(guided, photo, inference.Guidance(palette=palette)),
                                  inference.colorize_image(guided, photo))


def test_an_automatic_model_given_hints_says_it_cannot_use_them(automatic):
    guidance = inference.Guidance((hints.hint_from_hex(5, 5, "#ff0000"),))
    with pytest.raises(inference.GuidanceUnsupported, match="takes no hints or reference photos"):
        inference.colorize_image(automatic, smooth_photo(), guidance)
    assert inference.colorize_image(automatic, smooth_photo()).shape == (96, 128, 3)


def test_one_guidance_per_image(guided):
    with pytest.raises(ValueError, match="one Guidance per image"):
        inference.colorize_batch(guided, smooth_photo()[None], [inference.NO_GUIDANCE] * 2)


def test_true_hints_are_drawn_nested_and_from_the_truth():
    lab = color.srgb8_to_lab(np.stack([np.full((50, 70), level, dtype=np.uint8) for level in (200, 40, 90)], -1))
    ten, three = hints.draw_true_hints(lab, 10, seed=5), hints.draw_true_hints(lab, 3, seed=5)
    assert ten[:3] == three and len(ten) == 10 and ten != hints.draw_true_hints(lab, 10, seed=6)
    for hint in ten:
        assert 0 <= hint.x < 70 and 0 <= hint.y < 50 and 0.5 <= hint.radius <= 4.5
        assert (hint.a, hint.b) == pytest.approx(tuple(lab[0, 0, 1:]), abs=1e-3)


def test_the_spread_alone_works_on_an_automatic_model(automatic):
    photo = smooth_photo()
    guidance = inference.Guidance((hints.hint_from_hex(40, 30, "#c03030"),))
    output = inference.colorize_batch(automatic, photo[None], [guidance], into_network=False)[0]
    assert np.hypot(*(output_ab_at(output, guidance.hints[0]) - (guidance.hints[0].a, guidance.hints[0].b))) < 10


def test_a_pinned_hint_is_its_color_where_the_upsampling_reads_its_point():
    ab = np.zeros((8, 8, 2), dtype=np.float32)
    lightness = np.full((8, 8), 50.0, dtype=np.float32)
    lightness[:, 5:] = 90.0  # an edge beyond the point's right-hand cells
    pinned = hints.pin_hints(ab, lightness, [(2.3, 3.6, 40.0, -20.0)])
    # What bilinear interpolation reads at (2.3, 3.6): the four cells around it, all the hint's color.
    np.testing.assert_allclose(pinned[2:4, 3:5], np.broadcast_to([40.0, -20.0], (2, 2, 2)), atol=1e-4)
    assert not pinned[:2].any() and not pinned[4:].any() and not pinned[:, 5:].any()
    across = hints.pin_hints(ab, lightness, [(2.3, 4.4, 40.0, -20.0)])  # its right-hand cells 40 L lighter
    assert np.allclose(across[2, 4], [40.0, -20.0]) and np.abs(across[2, 5]).max() < 1
