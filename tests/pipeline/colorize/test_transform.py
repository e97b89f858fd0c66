"""Tests for pipeline/colorize/transform.py: the Beam composite, the model shared by a worker's threads, the pixel budget."""

import os
import threading

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to
from PIL import Image

from model import inference
from pipeline.colorize import job as colorize, transform as colorize_transform
from pipeline.io import files
from tests.pipeline.conftest import gray_pattern
from tests.pipeline.colorize.test_formats import (
    LIGHTNESS_TOLERANCE,
    MIN_CHROMA,
    chroma,
    lightness_difference,
)

WAIT_SECONDS = 30  # only a broken budget waits this long


def outputs_are_full_size_colorized(expected_outputs):
    """A matcher: one `colorized` result per expected output path, with its megapixels."""
    def check(results):
        by_output = {result["output"]: result for result in results}
        assert sorted(by_output) == sorted(expected_outputs), sorted(by_output)
        for output, megapixels in expected_outputs.items():
            assert by_output[output]["status"] == "colorized", by_output[output]
            assert by_output[output]["megapixels"] == megapixels, by_output[output]
    return check


@pytest.mark.slow
def test_colorize_images_writes_full_resolution_outputs_with_the_input_lightness(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    (source / "odd").mkdir(parents=True)
    gray_pattern(53, 37).save(source / "odd" / "small.png")
    gray_pattern(900, 600).save(source / "large.png")
    (source / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    config = colorize.ColorizeConfig(input=str(source), output=str(output), model=tiny_model)
    work, _ = files.list_files(str(source))
    work.append((str(source / "gone.png"), "gone.png"))  # deleted between listing and reading

    with test_pipeline.TestPipeline(options=PipelineOptions(["--direct_running_mode=in_memory"])) as pipeline:
        outputs = pipeline | "ColorizeImages" >> colorize_transform.ColorizeImages(config, work)
        assert_that(outputs.results, outputs_are_full_size_colorized({
            str(output / "odd" / "small.png"): 0.002, str(output / "large.png"): 0.54}), label="CheckResults")
        reasons = outputs[colorize_transform.FAILURE_TAG] | "Reasons" >> beam.Map(
            lambda failure: (os.path.basename(failure["path"]), failure["reason"]))
        assert_that(reasons, equal_to([("broken.png", "not_an_image"), ("gone.png", "unreadable")]), label="CheckFailures")

    for relative_path, size in [("odd/small.png", (53, 37)), ("large.png", (900, 600))]:
        result = Image.open(output / relative_path)
        assert (result.format, result.mode, result.size) == ("PNG", "RGB", size)
        data_in, data_out = (source / relative_path).read_bytes(), (output / relative_path).read_bytes()
        assert lightness_difference(data_in, data_out) < LIGHTNESS_TOLERANCE
        assert chroma(np.asarray(result)) > MIN_CHROMA
    assert not (output / "broken.png").exists()



def hold(budget, pixels, inside, release):
    """A thread that reserves `pixels`, sets `inside` once it has them, and keeps them until `release` is set."""
    def work():
        with budget.reserve(pixels):
            inside.set()
            release.wait(timeout=WAIT_SECONDS)
    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_pixel_budget_keeps_a_second_big_image_waiting_until_the_first_is_done():
    budget = colorize_transform.PixelBudget(100)
    first_inside, second_inside, release_first, release_second = (threading.Event() for _ in range(4))
    first = hold(budget, 60, first_inside, release_first)
    assert first_inside.wait(WAIT_SECONDS)
    second = hold(budget, 60, second_inside, release_second)
    # If the budget let it in, it would be in at once; the short wait can only miss a bug, never invent one.
    assert not second_inside.wait(0.2)
    release_first.set()
    assert second_inside.wait(WAIT_SECONDS)  # and it runs as soon as the first is done
    release_second.set()
    for thread in (first, second):
        thread.join(WAIT_SECONDS)


def test_pixel_budget_lets_small_images_share_and_runs_a_huge_one_alone():
    budget = colorize_transform.PixelBudget(100)
    all_inside = threading.Barrier(3, timeout=WAIT_SECONDS)  # broken, and raising, unless all three are in at once

    def small():
        with budget.reserve(30):
            all_inside.wait()

    threads = [threading.Thread(target=small) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    assert not all_inside.broken

    huge_inside, release = threading.Event(), threading.Event()
    release.set()
    hold(budget, 500, huge_inside, release).join(WAIT_SECONDS)  # larger than the budget: runs, alone, not stuck
    assert huge_inside.is_set()


@pytest.mark.slow
def test_the_model_is_loaded_once_for_all_threads_of_a_worker(tiny_model, tmp_path, monkeypatch):
    source = tmp_path / "photos"
    source.mkdir()
    for index in range(6):
        gray_pattern(30 + index, 20).save(source / f"scan{index}.png")
    loads, real_load = [], inference.load

    def counted_load(*args, **kwargs):
        loads.append(args)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(inference, "load", counted_load)
    threads = PipelineOptions(["--direct_running_mode=multi_threading", "--direct_num_workers=3"])
    # A temperature of its own, so that no model loaded by another test is reused.
    config = colorize.ColorizeConfig(input=str(source), output=str(tmp_path / "colorized"), model=tiny_model,
                                     temperature=0.77)
    assert colorize.run_colorize(config, threads, argv=["test"])["counts"]["colorized"] == 6
    assert len(loads) == 1
