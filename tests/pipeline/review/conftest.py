"""A colorize run for the review page's tests: the bundled sample photos, a broken file and a color photo."""

import dataclasses
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from pipeline.review import server
from tests.pipeline.colorize.test_job import make_config, run

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "data", "samples")


@dataclasses.dataclass(frozen=True)
class ReviewedRun:
    input: object  # pathlib.Path
    output: object
    report: dict
    model: str


def make_run(folder, model):
    source, output = folder / "scans", folder / "colored"
    source.mkdir()
    for name in sorted(os.listdir(SAMPLES)):
        shutil.copy(os.path.join(SAMPLES, name), source / name)
    (source / "broken.jpg").write_bytes(b"not a photo at all")
    color = np.zeros((60, 80, 3), dtype=np.uint8)
    color[..., 0], color[:, 40:, 2] = 200, 150
    Image.fromarray(color).save(source / "color reference.png")
    report = run(make_config(model, source, output, keep_color=True))
    return ReviewedRun(source, output, report, model)


@pytest.fixture(scope="session")
def reviewed_run(tmp_path_factory, tiny_guided_model):
    """The samples colorized by the tiny guided model (the color photo passed through, broken.jpg failed)."""
    return make_run(tmp_path_factory.mktemp("reviewed"), tiny_guided_model)


@pytest.fixture
def review(reviewed_run, tmp_path):
    """A Review of that run whose hints and references CSVs are in tmp_path."""
    made = server.Review(input=str(reviewed_run.input), output=str(reviewed_run.output),
                         hints=str(tmp_path / "hints.csv"), references=str(tmp_path / "references.csv"),
                         model=reviewed_run.model)
    made.allowed_hosts = ("testserver",)
    return made
