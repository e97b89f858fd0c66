"""Fixtures shared by the test packages."""

# ---------------------------------------------------------------------------------------
# Prepared shards: a tiny folder of random-color PNGs run through the real prepare job.

import ast
import importlib.util
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

SHARD_IMAGES = 24  # with the fractions below: 14 train, 6 validation, 4 test (stable hashes)
SHARD_SOURCE_SHAPE = (40, 48)  # height, width of the source PNGs
SHARD_SIZE = 16  # side of the prepared examples; the network needs multiples of 8
SHARD_SPLIT_FRACTION = 0.25  # validation and test each, so that every split has images


def write_color_pngs(folder, count, shape, seed=0):
    """`count` PNGs of random colored blocks plus noise; returns their paths."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    height, width = shape
    for index in range(count):
        blocks = rng.integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
        picture = np.asarray(Image.fromarray(blocks).resize((width, height), Image.Resampling.NEAREST))
        noise = rng.integers(-20, 21, size=picture.shape)
        picture = np.clip(picture.astype(np.int16) + noise, 0, 255).astype(np.uint8)
        path = folder / f"image{index:02d}.png"
        Image.fromarray(picture).save(path)
        paths.append(path)
    return paths


@pytest.fixture(scope="session")
def prepare_shards(tmp_path_factory):
    """A function (size) -> shard folder made by the prepare job from one session-wide image folder."""
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.prepare.job import PrepareConfig, run_prepare

    source = tmp_path_factory.mktemp("shard-source")
    write_color_pngs(source, SHARD_IMAGES, SHARD_SOURCE_SHAPE)
    made = {}

    def prepare(size):
        if size not in made:
            output = tmp_path_factory.mktemp(f"shards-{size}px")
            config = PrepareConfig(source=str(source), output=str(output), size=size,
                                   validation_fraction=SHARD_SPLIT_FRACTION, test_fraction=SHARD_SPLIT_FRACTION)
            run_prepare(config, PipelineOptions(["--direct_running_mode=in_memory"]), argv=["test"])
            made[size] = output
        return made[size]

    return prepare


@pytest.fixture(scope="session")
def shard_folder(prepare_shards):
    """A shard folder of 16x16 examples with train, validation and test splits."""
    return prepare_shards(SHARD_SIZE)


# ---------------------------------------------------------------------------------------
# A tiny untrained colorizer: the real architecture and model.json, a few thousand weights.

TINY_MODEL_FILTERS = 4  # base filters; enough to exercise every layer, fast on a CPU
TINY_MODEL_DESCRIPTION = {"default_temperature": 0.5, "working_size": 64}


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """The path of an untrained model.keras with its model.json, as colorize --model takes it."""
    import json

    from model import bins, network

    folder = tmp_path_factory.mktemp("tiny-model")
    model = network.build_colorizer(len(bins.bin_centers()), base_filters=TINY_MODEL_FILTERS)
    model.save(folder / "model.keras")
    (folder / "model.json").write_text(json.dumps(TINY_MODEL_DESCRIPTION))
    return str(folder / "model.keras")


# ---------------------------------------------------------------------------------------
# The pretrained network without a download: an EfficientNet-Lite0 encoder with random
# weights, saved as data/fetch_efficientnet.py saves the converted ImageNet ones.

TINY_DECODER_WIDTHS = (8, 8, 8, 16)  # the pretrained network's decoder, small enough for a test


@pytest.fixture(scope="session")
def encoder_weights(tmp_path_factory):
    """The path of a .weights.npz of a randomly initialised Lite0 encoder."""
    from model import efficientnet

    encoder = efficientnet.build_encoder("lite0")
    arrays = {f"{layer.name}/{variable.name}": np.asarray(variable) for layer in encoder.layers
              for variable in layer.weights}
    path = tmp_path_factory.mktemp("encoder") / efficientnet.weights_file_name("lite0")
    np.savez(path, **arrays)
    return str(path)


@pytest.fixture(scope="session")
def tiny_pretrained_model(tmp_path_factory, encoder_weights):
    """The path of an untrained pretrained-architecture model.keras (tiny decoder) with its model.json."""
    import json

    from model import bins, network

    folder = tmp_path_factory.mktemp("tiny-pretrained-model")
    model = network.build_pretrained_colorizer(len(bins.bin_centers()), encoder_weights=encoder_weights,
                                               widths=TINY_DECODER_WIDTHS)
    model.save(folder / "model.keras")
    (folder / "model.json").write_text(json.dumps(TINY_MODEL_DESCRIPTION))
    return str(folder / "model.keras")


# ---------------------------------------------------------------------------------------
# Every script's --help: a test module that sets SCRIPT_FOLDER gets one test per script in
# that folder of the repository (tests/bench/ for bench/, ...), so that none rots unseen.

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
# Imported by some scripts and absent from a plain install: --help must not need them.
OPTIONAL_MODULES = ("torch", "dask", "distributed")
# Runs a script as `python SCRIPT --help` would, with the optional modules made missing.
HELP_RUNNER = f"""
import importlib.abc, os, runpy, sys
class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {OPTIONAL_MODULES!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Missing())
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.fixture(scope="session")
def load_script():
    """A function (folder, name) that loads the repository's FOLDER/NAME.py as a module: scripts are not a package."""
    def load(folder, name):
        where = str(REPOSITORY / folder)
        sys.path.insert(0, where)  # a script may import its siblings, as data/ scripts import fetching.py
        try:
            spec = importlib.util.spec_from_file_location(name, REPOSITORY / folder / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
        finally:
            sys.path.remove(where)
    return load


def scripts_in(folder):
    """The runnable scripts of a repository folder (a module without a __main__ block is a library)."""
    return sorted(path for path in (REPOSITORY / folder).glob("*.py")
                  if 'if __name__ == "__main__":' in path.read_text())


def pytest_generate_tests(metafunc):
    folder = getattr(metafunc.module, "SCRIPT_FOLDER", None)
    if folder and "script" in metafunc.fixturenames:
        # Each starts a Python that imports TensorFlow (seconds): part of the full suite, not the fast one.
        scripts = [pytest.param(path, marks=pytest.mark.slow) for path in scripts_in(folder)]
        metafunc.parametrize("script", scripts, ids=[param.values[0].name for param in scripts])


@pytest.fixture
def prints_help(tmp_path):
    """A function (script path) that runs its --help in a fresh process from an empty folder and checks it."""
    def check(script):
        result = subprocess.run([sys.executable, "-c", HELP_RUNNER, str(script), "--help"], check=False,
                                cwd=tmp_path, capture_output=True, text=True, timeout=300,
                                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.startswith(f"usage: {script.name}")
        purpose = ast.get_docstring(ast.parse(script.read_text())).splitlines()[0]
        # Compared word by word: argparse may wrap the description again.
        assert purpose.split() == result.stdout.split("\n\n")[1].split()[:len(purpose.split())], \
            "the help should open with the script's docstring"
        assert not any(tmp_path.iterdir()), "--help wrote files"
    return check


@pytest.fixture(scope="session")
def tiny_guided_model(tmp_path_factory, encoder_weights, tiny_pretrained_model):
    """The path of the tiny pretrained model made guided (its hint and palette inputs at zero), with its model.json."""
    import json

    import keras

    from model import bins, network

    folder = tmp_path_factory.mktemp("tiny-guided-model")
    automatic = keras.saving.load_model(tiny_pretrained_model, compile=False)
    model = network.build_pretrained_colorizer(len(bins.bin_centers()), encoder_weights=encoder_weights,
                                               widths=TINY_DECODER_WIDTHS, guided=True)
    network.copy_weights_by_name(automatic, model)
    model.save(folder / "model.keras")
    (folder / "model.json").write_text(json.dumps(TINY_MODEL_DESCRIPTION))
    return str(folder / "model.keras")
