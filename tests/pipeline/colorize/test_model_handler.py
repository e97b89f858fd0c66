"""Tests for pipeline/colorize/model_handler.py: the colorizer through Beam's RunInference on the DirectRunner."""

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.ml.inference.base import RunInference
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that

from model import default_model, inference
from pipeline.colorize import model_handler
from tests.pipeline.colorize.test_batching import SIZES, assert_same_pixels, one_at_a_time, photos

# The DirectRunner's own engine (the FnApiRunner) without its first attempt to download Prism,
# which would make the test reach the network (pipeline/runners/local.py).
DIRECT = ["--runner=pipeline.runners.local.LocalRunner", "--direct_running_mode=in_memory"]


def results_match(expected, model_path):
    """An assert_that matcher: results in any order, each the colorized copy of its own example."""
    def check(results):
        assert len(results) == len(expected)
        for result in results:
            assert result.model_id == model_path
            index = int(result.example[0, 0] if result.example.ndim == 2 else result.example[0, 0, 0])
            assert_same_pixels([result.inference], [expected[index]])
    return check


def numbered(images):
    """Each image's first value set to its index, so that a result says which example it came from."""
    for index, image in enumerate(images):
        image[(0,) * image.ndim] = index
    return images


@pytest.mark.slow
def test_run_inference_colorizes_images_of_any_size_as_colorize_image_does(tiny_model):
    images = numbered(photos(8, SIZES + [(33, 47), (200, 90)], gray=(1, 5)))
    expected = one_at_a_time(inference.load(tiny_model), images)
    handler = model_handler.ColorizerModelHandler(tiny_model, max_batch_size=4)
    with test_pipeline.TestPipeline(options=beam.options.pipeline_options.PipelineOptions(DIRECT)) as pipeline:
        results = (pipeline
                   | beam.Create(images, reshuffle=False)
                   | RunInference(handler))
        assert_that(results, results_match(expected, tiny_model))


@pytest.mark.slow
def test_the_shipped_model_is_the_default(tmp_path):
    handler = model_handler.ColorizerModelHandler()
    assert handler.model_path == default_model.path()
    colorizer = handler.load_model()
    image = photos(9, [(120, 160)])[0]
    [result] = handler.run_inference([image], colorizer)
    assert_same_pixels([result.inference], [inference.colorize_image(colorizer, image)])
    assert handler.batch_elements_kwargs()["max_batch_size"] == 16 and not handler.share_model_across_processes()


def test_settings_reach_the_loaded_model(tiny_model):
    colorizer = model_handler.ColorizerModelHandler(tiny_model, temperature=0.25, saturation=1.5).load_model()
    assert (colorizer.temperature, colorizer.saturation, colorizer.working_size) == (0.25, 1.5, 64)


@pytest.mark.parametrize("image, message", [
    (np.zeros((8, 8, 3), np.float32), "uint8 arrays .* got float32 \\(8, 8, 3\\)"),
    (np.zeros((8, 8, 4), np.uint8), "got uint8 \\(8, 8, 4\\)"),
    (np.zeros((8,), np.uint8), "got uint8 \\(8,\\)"),
    (np.zeros((0, 8), np.uint8), "at least one pixel"),
])
def test_what_is_not_an_image_is_refused_with_what_to_pass(tiny_model, image, message):
    handler = model_handler.ColorizerModelHandler(tiny_model)
    with pytest.raises(ValueError, match=message):
        handler.run_inference([image], None)


def test_inference_args_are_refused(tiny_model):
    with pytest.raises(ValueError, match="takes no inference_args, got \\['temperature'\\]"):
        model_handler.ColorizerModelHandler(tiny_model).validate_inference_args({"temperature": 0.3})


@pytest.mark.slow
def test_the_example_in_the_docstring_runs(capfd):
    block = model_handler.__doc__.split("freely.\n\n")[1].split("\n\nprints")[0]
    example = "\n".join(line[4:] for line in block.splitlines())
    assert "RunInference(ColorizerModelHandler())" in example
    # Beam's default runner would first try to download Prism; the same pipeline on its engine.
    example = example.replace("beam.Pipeline()", f"beam.Pipeline(argv={DIRECT!r})")
    exec(compile(example, "model_handler.__doc__", "exec"), {})
    printed = sorted(capfd.readouterr().out.strip().splitlines())
    assert printed == [f"(480, 960, 3) {default_model.path()}"] * 2
