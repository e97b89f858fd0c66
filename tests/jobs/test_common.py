"""What every job's command line shares: the flags of the model and the pixel limit, and the Beam options
built from the flags it does not know."""

import pytest
from apache_beam.options.pipeline_options import DirectOptions, StandardOptions

from jobs import common


def direct(options):
    view = options.view_as(DirectOptions)
    return view.direct_running_mode, view.direct_num_workers


def test_default_is_the_in_process_runner_and_threads_when_asked():
    assert direct(common.pipeline_options([])) == ("in_memory", 1)
    assert direct(common.pipeline_options([], threads=2)) == ("multi_threading", 2)


def test_the_users_own_mode_workers_or_runner_win():
    assert direct(common.pipeline_options(["--direct_running_mode=multi_processing", "--direct_num_workers=3"],
                                          threads=2)) == ("multi_processing", 3)
    assert direct(common.pipeline_options(["--direct_num_workers=1"], threads=2)) == ("in_memory", 1)
    options = common.pipeline_options(["--runner=FlinkRunner"], threads=2)
    assert options.view_as(StandardOptions).runner == "FlinkRunner"
    assert options.view_as(DirectOptions).direct_running_mode != "multi_threading"


def test_every_job_reads_model_and_pixel_limit_flags_alike():
    import argparse

    from model import default_model
    from pipeline.io import images

    parser = argparse.ArgumentParser()
    common.add_model_flag(parser)
    common.add_max_pixels_flag(parser)
    args = parser.parse_args([])
    assert args.max_pixels == images.MAX_PIXELS  # the decoder's own limit, not a second copy of it
    assert common.model_path(args.model) == default_model.path()
    assert common.model_path("runs/mine/model.keras") == "runs/mine/model.keras"


def test_ctrl_c_exits_130_saying_how_to_go_on(capsys):
    with pytest.raises(SystemExit) as stopped, common.user_errors(after_interrupt="add --resume to go on"):
        raise KeyboardInterrupt
    assert stopped.value.code == common.EXIT_INTERRUPTED
    assert capsys.readouterr().err == "interrupted: add --resume to go on\n"
