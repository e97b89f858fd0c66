"""bench/tune_decoding.py: its cached decoding is the colorize job's, and its gain search finds the share asked."""

import keras
import numpy as np
import pytest

from model import bins, inference, network


def test_the_gain_search_finds_the_colorfulness_asked_for(tune):
    reached = []

    def share(gain):  # colorfulness grows with the gain, then clips
        reached.append(min(0.4 * gain, 0.9))
        return reached[-1]

    gain = tune.gain_for_colorfulness(0.65, share)
    assert 0.4 * gain == pytest.approx(0.65, abs=tune.COLORFULNESS_TOLERANCE)
    assert len(reached) < 12


@pytest.mark.parametrize("gain, agreement", [(1.0, 0.0), (1.5, 0.5)])
def test_decoding_the_cached_predictions_gives_what_colorize_gives(tune, gain, agreement):
    keras.utils.set_random_seed(0)
    model = network.build_colorizer(len(bins.bin_centers()), base_filters=4)
    description = {"ab_bin_centers": bins.bin_centers().tolist()}
    images = [np.random.default_rng(seed).integers(0, 256, size=(2, 20, 28, 3), dtype=np.uint8) for seed in (1, 2)]
    colorizer = inference.Colorizer.from_description(model, description, 0.7, 32, saturation=gain,
                                                     agreement_power=agreement)
    found = tune.predictions(model, description, images, working_size=32)
    for (out, truth), rgb in zip(tune.decoded(colorizer, found), images):
        assert truth is rgb
        # The cache keeps the logits in float16: a level of rounding at most.
        assert np.abs(out.astype(int) - inference.colorize_batch(colorizer, rgb).astype(int)).max() <= 1


def test_write_sets_the_one_decoding_measured_as_the_models_defaults(tune, tmp_path):
    import argparse
    import json

    (tmp_path / inference.MODEL_CONFIG_NAME).write_text(json.dumps({"default_temperature": 0.5, "saturation": 1.0,
                                                                     "architecture": "kept"}))
    args = argparse.Namespace(write=str(tmp_path))
    tune.write_defaults(args, 1.55, 1.0, 0.7, 0.5, 256)
    written = json.loads((tmp_path / inference.MODEL_CONFIG_NAME).read_text())
    assert written == {"default_temperature": 0.7, "prior_correction": 1.0, "saturation": 1.55,
                       "agreement_power": 0.5, "working_size": 256, "architecture": "kept"}


@pytest.mark.parametrize("flags, message", [
    (["--write", "{folder}", "--temperatures", "0.5,0.7"], "--write takes one decoding"),
    (["--write", "{missing}"], "no model.json there")])
def test_write_refuses_more_than_one_decoding_or_a_folder_without_a_model(flags, message, tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPOSITORY

    (tmp_path / inference.MODEL_CONFIG_NAME).write_text("{}")
    flags = [flag.format(folder=tmp_path, missing=tmp_path / "nothing") for flag in flags]
    result = subprocess.run([sys.executable, str(REPOSITORY / "bench" / "tune_decoding.py"), "--model", "m.keras",
                             *flags], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and message in result.stderr
