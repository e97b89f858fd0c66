"""Tests for pipeline/runners/local.py: the jobs' default runner never tries Prism and keeps the running modes."""

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import StandardOptions
from apache_beam.runners.portability import prism_runner
from apache_beam.testing.util import assert_that, equal_to

from jobs import common


@pytest.fixture
def prism_starts(monkeypatch):
    """The attempts to start Prism (Beam's DirectRunner makes one before every batch pipeline), each refused."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise RuntimeError("no Prism in this test")
    monkeypatch.setattr(prism_runner.PrismRunner, "run_pipeline", refuse)
    return attempts


def test_beams_direct_runner_tries_prism_first(prism_starts):
    # The behaviour LocalRunner exists for: if Beam stops doing this, LocalRunner can go.
    with beam.Pipeline(options=common.pipeline_options(["--runner=DirectRunner"])) as pipeline:
        assert_that(pipeline | beam.Create([1, 2]), equal_to([1, 2]))
    assert len(prism_starts) == 1


def test_the_default_runner_is_ours():
    assert common.pipeline_options([]).view_as(StandardOptions).runner == common.LOCAL_RUNNER
    assert common.pipeline_options(["--runner=DirectRunner"]).view_as(StandardOptions).runner == "DirectRunner"


@pytest.mark.parametrize("flags, threads", [([], 1), ([], 2),
                                            (["--direct_running_mode=multi_processing", "--direct_num_workers=2"], 1)])
@pytest.mark.slow
def test_runs_pipelines_in_every_mode_without_prism(prism_starts, flags, threads):
    with beam.Pipeline(options=common.pipeline_options(flags, threads=threads)) as pipeline:
        squares = (pipeline | beam.Create(range(20)) | beam.Map(lambda x: (x % 3, x * x)) | beam.GroupByKey()
                   | beam.MapTuple(lambda key, values: (key, sum(values))))
        assert_that(squares, equal_to([(key, sum(x * x for x in range(20) if x % 3 == key)) for key in range(3)]))
    assert prism_starts == []
