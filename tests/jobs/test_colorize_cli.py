"""Tests for jobs/colorize.py: what a user at the terminal sees, exit statuses and the run report."""

import dataclasses
import errno
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from jobs import colorize as colorize_job
from jobs import common
from pipeline.colorize import job as colorize, report as colorize_report
from pipeline.io import outputs
from tests.pipeline.conftest import gray_pattern

MAX_PIXELS = 2_000  # the --max-pixels of the bad-input run: the good images fit, huge.png does not
KILLED_RUN_IMAGES = 6  # more than the run's worker threads, each of which writes one output before it is held
KILLED_RUN_TIMEOUT = 120  # seconds for the killed run to start and write its first output
# The colorize job, except that each worker thread holds after writing its first output, until
# the run is interrupted or killed: so a run is always stopped mid-way, however fast it is.
HELD_RUN = """
import sys, threading
from pipeline.io import outputs
write = outputs.write_atomically
def write_then_hold(*args, **kwargs):
    write(*args, **kwargs)
    threading.Event().wait()
outputs.write_atomically = write_then_hold
from jobs import colorize
colorize.main(sys.argv[1:])
"""


def files_under(folder, skip=None):
    """Relative path -> (size, modification time in ns) of every file and link under a folder."""
    found = {}
    for directory, subdirectories, names in os.walk(folder):
        subdirectories[:] = [name for name in subdirectories if os.path.join(directory, name) != str(skip)]
        for name in names + subdirectories:
            status = os.lstat(os.path.join(directory, name))
            found[os.path.relpath(os.path.join(directory, name), folder)] = (status.st_size, status.st_mtime_ns)
    return found


def assert_one_line_usage_error(status, capsys, expected):
    """Exit status 2 and one line on stderr, "error: ..." with `expected` in it."""
    assert status == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], lines


def decodes(path):
    with Image.open(path) as image:
        image.load()
    return True


@pytest.fixture
def run_cli(monkeypatch):
    """A function (argv) -> exit status that runs the colorize command in this process.

    The command's logging set-up is skipped: it reconfigures the process-wide handlers
    and warning filters that pytest owns.
    """
    monkeypatch.setattr(common, "configure_logging", lambda verbose, tensorflow=True: None)

    def run(argv):
        try:
            colorize_job.main(argv)
        except SystemExit as exit_status:
            return exit_status.code
        return 0

    return run


def write_bad_and_good_inputs(source, outside):
    """Two good images among files of every kind the job must refuse; returns the refused ones' reasons."""
    (source / "sub dir").mkdir(parents=True)
    outside.mkdir()
    gray_pattern(40, 30).save(source / "good.png")
    gray_pattern(30, 40).save(source / "sub dir" / "good two.jpg")
    (source / "random.jpg").write_bytes(np.random.default_rng(0).integers(0, 256, 3_000, dtype=np.uint8).tobytes())
    gray_pattern(40, 30).save(source / "truncated.jpg")
    jpeg = (source / "truncated.jpg").read_bytes()
    (source / "truncated.jpg").write_bytes(jpeg[: (jpeg.index(b"\xff\xda") + len(jpeg)) // 2])
    (source / "empty.png").write_bytes(b"")
    (source / "letter.png").write_text("not a picture\n")
    frames = [gray_pattern(25, 19).convert("P"), gray_pattern(25, 19).rotate(180).convert("P")]
    # An animation named as a JPEG: its frames have no place in the output's format.
    frames[0].save(source / "animated.jpg", format="GIF", save_all=True, append_images=frames[1:], duration=100)
    gray_pattern(80, 60).save(source / "huge.png")
    gray_pattern(1, 1).save(source / "dot.png")
    gray_pattern(40, 30).save(outside / "secret.png")
    (source / "escape.png").symlink_to(outside / "secret.png")
    (source / "loop.png").symlink_to(source / "loop.png")
    (source / "notes.txt").write_text("scanned in 2019\n")
    reasons = {"random.jpg": "not_an_image", "truncated.jpg": "corrupt", "empty.png": "empty",
               "letter.png": "not_an_image", "animated.jpg": "animated", "huge.png": "too_large",
               "dot.png": "too_small", "escape.png": "bad_link", "loop.png": "bad_link"}
    if os.geteuid() != 0:  # root reads a file whatever its permissions say
        gray_pattern(40, 30).save(source / "locked.png")
        os.chmod(source / "locked.png", 0)
        reasons["locked.png"] = "unreadable"
    return reasons


@pytest.mark.slow
def test_bad_inputs_are_reported_and_every_good_one_colorized(run_cli, tiny_model, tmp_path, capsys):
    source, outside, output = tmp_path / "photos", tmp_path / "elsewhere", tmp_path / "colorized"
    reasons = write_bad_and_good_inputs(source, outside)
    before = files_under(tmp_path)
    argv = ["--input", str(source), "--output", str(output), "--model", tiny_model,
            "--max-pixels", str(MAX_PIXELS), "--temperature", "0.4", "--saturation", "1.2",
            "--hue-agreement", "0.5"]

    status = run_cli(argv)

    assert status == colorize_job.EXIT_SOME_FAILED
    assert files_under(tmp_path, skip=output) == before
    assert sorted(files_under(output, skip=output / outputs.JOB_FOLDER)) == sorted(
        ["good.png", "sub dir", "sub dir/good two.jpg"])
    assert Image.open(output / "sub dir" / "good two.jpg").size == (30, 40)

    report = json.loads(pathlib.Path(colorize_report.report_path(str(output))).read_text(encoding="utf-8"))
    assert report["counts"] == {"files": len(reasons) + 3, "colorized": 2, "passed_through": 0, "up_to_date": 0,
                                "redone": 0, "not_done": 0, "ignored": 1, "failed": len(reasons), "orphaned": 0}
    assert {os.path.relpath(failure["path"], source): failure["reason"] for failure in report["failures"]} == reasons
    assert all(failure["detail"] for failure in report["failures"])
    assert [os.path.relpath(ignored["path"], source) for ignored in report["ignored"]] == ["notes.txt"]
    assert report["command"] == ["colorize", *argv]
    assert report["config"] == dataclasses.asdict(colorize.ColorizeConfig(
        input=str(source), output=str(output), model=tiny_model, temperature=0.4, saturation=1.2, agreement_power=0.5,
        max_pixels=MAX_PIXELS))
    assert (report["input"], report["output"], report["model"]) == (str(source), str(output), tiny_model)

    summary = capsys.readouterr().out
    assert f"colorized 2, passed through 0, up to date 0, failed {len(reasons)}, ignored 1" in summary
    assert f"failed: {source / 'huge.png'}: too_large:" in summary


def _foreign_model(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.save(tmp_path / "other.keras")
    return str(tmp_path / "other.keras")


def _not_a_model(tmp_path):
    (tmp_path / "notes.keras").write_text("not a zip file\n")
    return str(tmp_path / "notes.keras")


@pytest.mark.parametrize("case, expected", [
    ("missing model", "does not exist; pass a .keras file"),
    ("foreign model", "is a 'sequential' model"),
    ("not a model", "is not a loadable Keras model"),
    ("missing input", "does not exist or is not a folder"),
    ("output inside input", "is inside the input"),
    ("input inside output", "is inside the output"),
    ("unwritable output", "cannot write to the output folder"),
    ("zero temperature", "temperature must be above 0"),
    ("negative saturation", "saturation must be 0 or more"),
    ("negative hue agreement", "hue agreement power must be 0 or more"),
    ("tiny working size", "working size must be at least 8 pixels"),
])
def test_usage_error_is_one_line_before_any_work(run_cli, tiny_model, tmp_path, capsys, case, expected):
    source, output, model = tmp_path / "photos", tmp_path / "colorized", tiny_model
    source.mkdir()
    gray_pattern(20, 20).save(source / "a.png")
    (tmp_path / "a file").write_text("")
    if case == "missing model":
        model = str(tmp_path / "no such folder" / "model.keras")
    elif case == "foreign model":
        model = _foreign_model(tmp_path)
    elif case == "not a model":
        model = _not_a_model(tmp_path)
    elif case == "missing input":
        source = tmp_path / "no photos here"
    elif case == "output inside input":
        output = source / "colorized"
    elif case == "input inside output":
        output = tmp_path
    elif case == "unwritable output":
        output = tmp_path / "a file" / "colorized"
    settings = {"zero temperature": ["--temperature", "0"], "negative saturation": ["--saturation", "-1"],
                "negative hue agreement": ["--hue-agreement", "-1"],
                "tiny working size": ["--working-size", "4"]}.get(case, [])
    before = files_under(tmp_path)

    status = run_cli(["--input", str(source), "--output", str(output), "--model", model, *settings])

    assert_one_line_usage_error(status, capsys, expected)
    assert files_under(tmp_path) == before


def test_second_run_on_a_locked_output_exits_3_and_says_why(run_cli, tiny_model, tmp_path, capsys):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    output.mkdir()
    gray_pattern(20, 20).save(source / "a.png")

    with outputs.OutputLock(str(output)):
        status = run_cli(["--input", str(source), "--output", str(output), "--model", tiny_model])

    assert status == colorize_job.EXIT_LOCKED
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: another colorize run (pid {os.getpid()} since "), lines
    assert "wait for it to finish, or choose another --output" in lines[0]
    assert not (output / "a.png").exists()


class FailingFile:
    """A file that was created but cannot be written to, as on a full disk."""

    def __init__(self, file, error_number):
        self.file = file
        self.error_number = error_number

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.file.close()

    def write(self, data):
        raise OSError(self.error_number, os.strerror(self.error_number))

    def __getattr__(self, name):
        return getattr(self.file, name)


@pytest.fixture
def fill_disk(monkeypatch):
    """A function (from_start): the output's disk is full, from the start or once the job checked it.

    Files can still be created, not written, as on a disk with 0 bytes free.
    """
    real_open = open

    def fill(from_start):
        def open_on_a_full_disk(path, mode="r", *args, **kwargs):
            file = real_open(path, mode, *args, **kwargs)
            full = mode[0] in "wa" and (from_start or "write-test" not in os.path.basename(path))
            return FailingFile(file, errno.ENOSPC) if full else file

        monkeypatch.setattr(outputs, "open", open_on_a_full_disk, raising=False)

    return fill


def leftovers(output):
    """Files the job's writes left behind: temporaries and write tests."""
    return [os.path.join(directory, name) for directory, _, names in os.walk(output) for name in names
            if "write-test" in name or os.path.basename(directory) == outputs.TEMPORARY_FOLDER]


@pytest.mark.slow
def test_a_full_disk_stops_the_run_with_one_line_naming_the_output_and_exit_4(
        run_cli, tiny_model, tmp_path, capsys, fill_disk):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    for name in ("a.png", "b.png", "c.png"):
        gray_pattern(40, 30).save(source / name)
    inputs_before = files_under(source)
    fill_disk(from_start=False)

    # One worker thread, so that a.png is the first output written.
    status = run_cli(["--input", str(source), "--output", str(output), "--model", tiny_model,
                      "--direct_running_mode=in_memory"])

    assert status == colorize_job.EXIT_OUTPUT_FAILED
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("error: ")]
    assert errors == [(f"error: cannot write {output / 'a.png'} (No space left on device); free some space (or "
                      "choose another --output) and run the same command again; finished outputs are kept")]
    assert "Traceback" not in captured.err
    assert f"stopped: cannot write {output / 'a.png'}" in captured.out
    assert "2 inputs not done" in captured.out  # not tried once the disk was full, and not failures of theirs
    assert files_under(source) == inputs_before
    assert leftovers(output) == []
    assert sorted(name for name in os.listdir(output) if name != outputs.JOB_FOLDER) == []


def test_a_disk_full_from_the_start_is_one_line_and_leaves_no_write_test(
        run_cli, tiny_model, tmp_path, capsys, fill_disk):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(40, 30).save(source / "a.png")
    fill_disk(from_start=True)

    status = run_cli(["--input", str(source), "--output", str(output), "--model", tiny_model])

    assert status == colorize_job.EXIT_OUTPUT_FAILED
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot write {output} (No space left on device)"), lines
    assert leftovers(output) == []


@pytest.mark.parametrize("error_number", [errno.EACCES, errno.ENAMETOOLONG])
@pytest.mark.slow
def test_an_output_that_cannot_be_written_is_reported_against_its_output_path(
        run_cli, tiny_model, tmp_path, capsys, monkeypatch, error_number):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    for name in ("a.png", "locked.png", "z.png"):
        gray_pattern(40, 30).save(source / name)
    real_replace = os.replace

    def replace_refusing_one_name(source_path, target_path):
        if os.path.basename(target_path) == "locked.png":
            raise OSError(error_number, os.strerror(error_number), target_path)
        real_replace(source_path, target_path)

    monkeypatch.setattr(outputs.os, "replace", replace_refusing_one_name)
    status = run_cli(["--input", str(source), "--output", str(output), "--model", tiny_model])

    assert status == colorize_job.EXIT_OUTPUT_FAILED
    report = json.loads(pathlib.Path(colorize_report.report_path(str(output))).read_text(encoding="utf-8"))
    [failure] = report["failures"]
    assert (failure["reason"], failure["output"]) == ("write_failed", str(output / "locked.png"))
    assert failure["detail"].startswith(f"cannot write {output / 'locked.png'} ({os.strerror(error_number)})")
    assert (output / "a.png").exists() and (output / "z.png").exists() and report["stopped"] is None
    assert leftovers(output) == []
    assert f"failed: {source / 'locked.png'}: write_failed: cannot write {output / 'locked.png'}" in (
        capsys.readouterr().out)


def start_a_held_run(tiny_model, tmp_path, stderr):
    """(process, argv, output, names): a HELD_RUN of KILLED_RUN_IMAGES in a subprocess, once it wrote one output."""
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    names = [f"scan {index:02d}.png" for index in range(KILLED_RUN_IMAGES)]
    for index, name in enumerate(names):
        gray_pattern(32 + index, 24).save(source / name)
    argv = ["--input", str(source), "--output", str(output), "--model", tiny_model]
    # A suite started in the background (`.ci/run &`) hands its children an ignored SIGINT, and
    # Python then never raises KeyboardInterrupt. A handled SIGINT is the default after exec.
    ignored = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen([sys.executable, "-c", HELD_RUN, *argv], stdout=subprocess.DEVNULL, stderr=stderr)
    finally:
        signal.signal(signal.SIGINT, ignored)
    deadline = time.monotonic() + KILLED_RUN_TIMEOUT
    while not any(name in names for name in (os.listdir(output) if output.exists() else [])):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the run ended before writing an output")
        time.sleep(0.01)
    return process, argv, output, names


@pytest.mark.slow
def test_ctrl_c_is_one_line_and_exit_130_and_the_next_run_finishes(run_cli, tiny_model, tmp_path):
    interrupted, argv, output, names = start_a_held_run(tiny_model, tmp_path, subprocess.PIPE)
    interrupted.send_signal(signal.SIGINT)
    _, stderr = interrupted.communicate(timeout=KILLED_RUN_TIMEOUT)

    assert interrupted.returncode == common.EXIT_INTERRUPTED
    lines = stderr.decode("utf-8").strip().splitlines()
    assert lines[-1].startswith("interrupted: the outputs finished so far are kept"), lines
    assert not any("Traceback" in line or line.startswith("  File ") for line in lines), lines
    assert run_cli(argv) == 0
    assert all(decodes(output / name) for name in names)


@pytest.mark.slow
def test_a_run_killed_mid_way_is_finished_by_the_next_without_partial_files(run_cli, tiny_model, tmp_path):
    killed, argv, output, names = start_a_held_run(tiny_model, tmp_path, subprocess.DEVNULL)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    done = [name for name in names if (output / name).exists()]
    assert 0 < len(done) < len(names)
    assert all(decodes(output / name) for name in done)

    assert run_cli(argv) == 0

    report = json.loads(pathlib.Path(colorize_report.report_path(str(output))).read_text(encoding="utf-8"))
    assert (report["counts"]["colorized"], report["counts"]["up_to_date"]) == (len(names) - len(done), len(done))
    assert sorted(files_under(output, skip=output / outputs.JOB_FOLDER)) == sorted(names)
    assert os.listdir(output / outputs.JOB_FOLDER / outputs.TEMPORARY_FOLDER) == []
    assert all(decodes(output / name) for name in names)


@pytest.mark.parametrize("case, expected", [
    ("hints without color", "hints.csv: the header is path,x,y; expected path,x,y,color[,radius] (missing color)"),
    ("hints with an unknown column", "expected path,x,y,color[,radius] (missing color) (unknown colour)"),
    ("missing hints file", "cannot be read (No such file or directory); give a CSV file whose first line is the "
                           "header path,x,y,color[,radius]"),
    ("references without reference", "expected path,reference (missing reference)"),
    ("reference and references", "--reference (one photo for every image) and --references"),
    ("automatic model given hints", "takes no hints or reference photos; colorize with the shipped model"),
])
def test_bad_guidance_is_a_usage_error_before_any_work(run_cli, tiny_model, tiny_guided_model, tmp_path, capsys,
                                                       case, expected):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(20, 20).save(source / "a.png")
    gray_pattern(20, 20).convert("RGB").save(tmp_path / "reference.png")
    hints_csv, references_csv = tmp_path / "hints.csv", tmp_path / "references.csv"
    hints_csv.write_text({"hints without color": "path,x,y\na.png,1,1\n",
                          "hints with an unknown column": "path,x,y,colour\na.png,1,1,#ff0000\n"}.get(
                              case, "path,x,y,color\na.png,1,1,#ff0000\n"))
    references_csv.write_text("path\na.png\n" if case == "references without reference"
                              else "path,reference\na.png,reference.png\n")
    flags = {"missing hints file": ["--hints", str(tmp_path / "none.csv")],
             "references without reference": ["--references", str(references_csv)],
             "reference and references": ["--reference", str(tmp_path / "reference.png"),
                                          "--references", str(references_csv)]}.get(case, ["--hints", str(hints_csv)])
    model = tiny_model if case == "automatic model given hints" else tiny_guided_model
    before = files_under(tmp_path)

    status = run_cli(["--input", str(source), "--output", str(output), "--model", model, *flags])

    assert_one_line_usage_error(status, capsys, expected)
    assert files_under(tmp_path) == before


def test_help_shows_a_guided_example(run_cli, capsys):
    assert run_cli(["--help"]) == 0
    assert "--hints hints.csv --reference" in capsys.readouterr().out
