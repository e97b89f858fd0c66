"""Tests for pipeline/colorize/batching.py: images of one working shape in one network call, the same pixels."""

import threading

import numpy as np
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from PIL import Image

from model import default_model, hints, inference
from pipeline.colorize import batching


def photos(seed, sizes, gray=()):
    """Random-looking uint8 photos of the given (height, width); those at the indexes in `gray` grayscale."""
    generator = np.random.default_rng(seed)
    images = []
    for index, (height, width) in enumerate(sizes):
        image = generator.integers(0, 256, (height, width, 3), dtype=np.uint8)
        images.append(image[..., 0] if index in gray else image)
    return images


# Three sizes of one 4:3 working shape (64 x 85 at the tiny model's working size 64), a grayscale
# one among them, and a 1:1 photo of another shape.
SIZES = [(96, 128), (192, 256), (150, 200), (480, 640), (80, 80)]


@pytest.fixture(scope="module")
def tiny_colorizer(tiny_model):
    return inference.load(tiny_model)


def one_at_a_time(colorizer, images):
    return [inference.colorize_image(colorizer, image) for image in images]


# TensorFlow's CPU kernels sum in an order that depends on the batch size, so a network output
# may differ from the one-image call in its last bits, and a pixel value that lies on a rounding
# boundary by a level; where the chroma-only gamut mapping (model/color.py) then reduces a color's
# chroma, by two. Measured with the shipped model on these photos: 809 of 4,159,296 values (0.02 %)
# differ, 232 of them by two levels, none by more. Any mix-up (another image's colors, a shifted
# row) differs by far more.
LEVELS_APART = 2
SHARE_APART = 0.001


def assert_same_pixels(results, expected):
    assert len(results) == len(expected)
    for result, wanted in zip(results, expected):
        assert result.dtype == np.uint8 and result.shape == wanted.shape
        difference = np.abs(result.astype(int) - wanted)
        assert difference.max() <= LEVELS_APART
        assert np.count_nonzero(difference) <= SHARE_APART * difference.size


def test_one_working_shape_in_one_call_gives_the_pixels_of_one_at_a_time(tiny_colorizer):
    images = photos(1, SIZES[:4], gray=(2,))
    assert len({batching.working_shape_of(tiny_colorizer, image) for image in images}) == 1
    assert_same_pixels(batching.colorize_same_shape(tiny_colorizer, images), one_at_a_time(tiny_colorizer, images))


@pytest.mark.slow
def test_the_shipped_model_batched_gives_the_pixels_of_one_at_a_time():
    colorizer = inference.load(default_model.path())
    images = photos(2, [(300, 400), (600, 800), (768, 1024)], gray=(1,))
    assert_same_pixels(batching.colorize_all(colorizer, images), one_at_a_time(colorizer, images))


def test_images_of_two_working_shapes_are_refused_together_and_grouped_apart(tiny_colorizer):
    images = photos(3, SIZES)
    with pytest.raises(ValueError, match=r"one working shape .* got \[\(64, 64\), \(64, 85\)\]"):
        batching.colorize_same_shape(tiny_colorizer, images)
    assert batching.group_by_working_shape(tiny_colorizer, images) == [[0, 1, 2, 3], [4]]
    assert_same_pixels(batching.colorize_all(tiny_colorizer, images, max_batch=3),
                       one_at_a_time(tiny_colorizer, images))


def colorize_in_threads(batcher, images, guidance=None):
    results = [None] * len(images)
    guidance = guidance or [inference.NO_GUIDANCE] * len(images)

    def work(index):
        results[index], _ = batcher.colorize(images[index], guidance[index])

    threads = [threading.Thread(target=work, args=(index,)) for index in range(len(images))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_the_batcher_runs_the_images_threads_hand_in_together(tiny_colorizer):
    images = photos(4, SIZES[:4] * 2 + [(80, 80), (90, 90), (100, 100), (70, 70)])  # 8 of one shape, 4 of another
    # Groups fill before the (long) wait ends: three calls of 4, whatever the threads' timing.
    batcher = batching.SameShapeBatcher(tiny_colorizer, max_batch=4, max_wait=30)
    expected = one_at_a_time(tiny_colorizer, images)
    assert_same_pixels(colorize_in_threads(batcher, images), expected)
    assert (batcher.calls, batcher.images) == (3, 12)


@pytest.fixture(scope="module")
def tiny_guided_colorizer(tiny_guided_model):
    return inference.load(tiny_guided_model)


def guidance_of(colorizer, count):
    """Guidance for `count` images: hints of other colors and places, a palette, and none."""
    palette = inference.palette_of_photo(colorizer, photos(8, [(40, 40)])[0])
    choices = [inference.Guidance(hints=(hints.hint_from_hex(10, 20, "#c03030", 2),)),
               inference.NO_GUIDANCE,
               inference.Guidance(hints=(hints.hint_from_hex(60, 40, "#3050c0"), hints.hint_from_hex(5, 5, "#30c050")),
                                  palette=palette),
               inference.Guidance(palette=palette)]
    return [choices[index % len(choices)] for index in range(count)]


def test_images_with_and_without_guidance_in_one_call_give_the_pixels_of_one_at_a_time(tiny_guided_colorizer):
    images = photos(9, SIZES[:4], gray=(1,))
    guidance = guidance_of(tiny_guided_colorizer, len(images))
    expected = [inference.colorize_image(tiny_guided_colorizer, image, item) for image, item in zip(images, guidance)]
    # The hints show: an image given another's guidance comes out otherwise.
    assert np.abs(expected[0].astype(int) - inference.colorize_image(tiny_guided_colorizer, images[0])).max() > 20
    assert_same_pixels(batching.colorize_same_shape(tiny_guided_colorizer, images, guidance), expected)
    batcher = batching.SameShapeBatcher(tiny_guided_colorizer, max_batch=4, max_wait=30)
    assert_same_pixels(colorize_in_threads(batcher, images, guidance), expected)
    assert batcher.calls == 1


def test_an_automatic_model_in_the_batcher_refuses_guidance(tiny_colorizer):
    batcher = batching.SameShapeBatcher(tiny_colorizer, max_batch=1)
    with pytest.raises(inference.GuidanceUnsupported, match="takes no hints"):
        batcher.colorize(photos(10, [(96, 128)])[0], inference.Guidance(hints=(hints.hint_from_hex(1, 1, "#ff0000"),)))


def test_a_lone_image_waits_no_longer_than_max_wait(tiny_colorizer):
    batcher = batching.SameShapeBatcher(tiny_colorizer, max_batch=8, max_wait=0.01)
    image = photos(5, [(96, 128)])[0]
    rgb, confidence = batcher.colorize(image)
    expected_rgb, expected_confidence = inference.colorize_image_rated(tiny_colorizer, image)
    np.testing.assert_array_equal(rgb, expected_rgb)
    assert abs(confidence - expected_confidence) < 1e-6
    assert (batcher.calls, batcher.images) == (1, 1)


def test_a_failed_call_raises_in_every_thread_whose_image_was_in_it(tiny_colorizer, monkeypatch):
    def fail(colorizer, images, guidance=None):
        raise MemoryError("out of GPU memory")

    monkeypatch.setattr(batching, "colorize_same_shape_rated", fail)
    batcher = batching.SameShapeBatcher(tiny_colorizer, max_batch=2, max_wait=30)
    errors = []

    def work(image):
        try:
            batcher.colorize(image)
        except MemoryError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=work, args=(image,)) for image in photos(6, SIZES[:2])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == ["out of GPU memory"] * 2


def test_a_batch_of_none_is_refused(tiny_colorizer):
    with pytest.raises(ValueError, match="max_batch must be 1 or more"):
        batching.SameShapeBatcher(tiny_colorizer, max_batch=0)


def pretend_a_gpu(monkeypatch, max_batch=2):
    """Make the colorize job batch as with a GPU; returns the list of the batchers it makes."""
    made = []

    class CountingBatcher(batching.SameShapeBatcher):
        def __init__(self, colorizer):
            super().__init__(colorizer, max_batch=max_batch, max_wait=30)
            made.append(self)

    monkeypatch.setattr(batching, "has_gpu", lambda: True)
    monkeypatch.setattr(batching, "SameShapeBatcher", CountingBatcher)
    return made


@pytest.mark.slow
def test_the_colorize_job_with_a_gpu_batches_its_threads_images(tiny_model, tmp_path, monkeypatch):
    from pipeline.colorize import job as colorize
    from tests.pipeline.colorize.test_job import make_config

    source = tmp_path / "photos"
    source.mkdir()
    images = photos(7, SIZES[:4] * 2)
    for index, image in enumerate(images):
        Image.fromarray(image).save(source / f"{index}.png")
    made = pretend_a_gpu(monkeypatch)
    config = make_config(tiny_model, source, tmp_path / "colorized")
    options = PipelineOptions(["--direct_running_mode=multi_threading", "--direct_num_workers=2"])
    assert colorize.run_colorize(config, options, argv=["test"])["counts"]["colorized"] == len(images)
    colorizer = inference.load(tiny_model)
    results = [np.asarray(Image.open(tmp_path / "colorized" / f"{index}.png")) for index in range(len(images))]
    assert_same_pixels(results, one_at_a_time(colorizer, images))
    assert len(made) == 1 and made[0].images == len(images) and made[0].calls < len(images)
