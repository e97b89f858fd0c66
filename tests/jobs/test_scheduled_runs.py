"""What a nightly run over an archive meets: misspelled options, nothing new to do, a dry run, a record
from an earlier version or damaged, and every job's --version (issue 34)."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from jobs import average, colorize as colorize_job, common, evaluate, prepare, train
from model import inference
from pipeline.colorize import plan as colorize_plan
from pipeline.io import outputs
from tests.jobs.test_colorize_cli import files_under, run_cli  # noqa: F401 (a fixture)
from tests.pipeline.conftest import gray_pattern

JOBS = {  # job -> (its module, the flags it requires, a misspelling of one of its options and what was meant)
    "colorize": (colorize_job, ["--input", "in", "--output", "out"], "--temprature", "--temperature"),
    "colorize-prepare": (prepare, ["--source", "in", "--output", "out"], "--polcy", "--policy"),
    "colorize-train": (train, ["--data", "in", "--output", "out"], "--epoks", "--epochs"),
    "colorize-evaluate": (evaluate, ["--data", "in", "--output", "out"], "--temprature", "--temperature"),
    "colorize-average": (average, ["--model", "a.keras", "--output", "out"], "--outptu", "--output"),
}
# The job with nothing to do, in a fresh interpreter: does it import TensorFlow?
NO_OP_RUN = """
import sys
from jobs import colorize
colorize.main(sys.argv[1:])
print("tensorflow imported" if "tensorflow" in sys.modules else "tensorflow not imported")
"""


@pytest.mark.parametrize("job", sorted(JOBS))
def test_a_misspelled_option_is_refused_with_the_option_meant_before_any_work(job, tmp_path, capsys, monkeypatch):
    module, required, misspelled, meant = JOBS[job]
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_status:
        module.main([*required, misspelled, "0.2"])
    assert exit_status.value.code == common.EXIT_USAGE
    assert f"unknown option {misspelled} (did you mean {meant}?)" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_stray_value_and_an_option_nothing_resembles_are_refused_too(capsys):
    for argv, expected in ((["--input", "in", "--output", "out", "extra"], "unexpected argument 'extra'"),
                           (["--input", "in", "--output", "out", "--zzz=1"], "unknown option --zzz; see --help")):
        with pytest.raises(SystemExit) as exit_status:
            colorize_job.parse_args(argv)
        assert exit_status.value.code == common.EXIT_USAGE
        assert expected in capsys.readouterr().err


def test_beam_options_still_pass_with_or_without_a_value():
    beam_flags = ["--direct_running_mode=multi_processing", "--direct_num_workers", "2", "--runner=DirectRunner",
                  "--save_main_session"]
    args, pipeline_args = colorize_job.parse_args(["--input", "in", "--output", "out", *beam_flags])
    assert (args.input, pipeline_args) == ("in", beam_flags)
    _, pipeline_args = prepare.parse_args(["--source", "in", "--output", "out", "--direct_num_workers=2"])
    assert pipeline_args == ["--direct_num_workers=2"]


@pytest.mark.parametrize("job", sorted(JOBS))
def test_every_job_says_its_version(job, capsys):
    with pytest.raises(SystemExit) as exit_status:
        JOBS[job][0].main(["--version"])
    assert exit_status.value.code == 0
    assert capsys.readouterr().out.strip() == f"{job} {common.version()}"


def write_inputs(source, count=3):
    source.mkdir()
    for index in range(count):
        gray_pattern(40 + index, 30).save(source / f"photo{index}.png")


def run_in_a_fresh_interpreter(argv):
    return subprocess.run([sys.executable, "-c", NO_OP_RUN, *argv], capture_output=True, text=True, timeout=120,
                          check=False)


def test_a_run_with_nothing_new_imports_neither_tensorflow_nor_the_model(run_cli, tiny_model, tmp_path):  # noqa: F811
    write_inputs(tmp_path / "in")
    argv = ["--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--model", tiny_model]
    assert run_cli(argv) == 0

    again = run_in_a_fresh_interpreter(argv)

    assert again.returncode == 0, again.stderr
    assert "up to date 3" in again.stdout
    assert "tensorflow not imported" in again.stdout


def test_a_dry_run_prints_the_plan_writes_nothing_and_needs_no_tensorflow(run_cli, tiny_model, tmp_path):  # noqa: F811
    write_inputs(tmp_path / "in", count=4)
    output = tmp_path / "out"
    argv = ["--input", str(tmp_path / "in"), "--output", str(output), "--model", tiny_model]
    assert run_cli(argv) == 0
    gray_pattern(50, 30).save(tmp_path / "in" / "photo0.png")  # changed
    os.remove(tmp_path / "in" / "photo1.png")  # deleted: its output is orphaned
    gray_pattern(20, 30).save(tmp_path / "in" / "new.png")
    (tmp_path / "in" / "broken.png").symlink_to(tmp_path / "nowhere.png")
    before = files_under(tmp_path)

    dry = run_in_a_fresh_interpreter([*argv, "--dry-run"])

    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[0].startswith("dry run, nothing written: ")
    assert "1 to colorize, 1 to redo, 2 up to date, 1 orphaned, 1 refused" in lines[0]
    assert f"  colorize: {tmp_path / 'in' / 'new.png'}" in lines
    assert f"  redo: {tmp_path / 'in' / 'photo0.png'}: the input changed" in lines
    assert any(line.startswith(f"  orphaned: {output / 'photo1.png'}") for line in lines)
    assert any(line.startswith(f"  refused: {tmp_path / 'in' / 'broken.png'}: bad_link") for line in lines)
    assert "tensorflow not imported" in lines
    assert files_under(tmp_path) == before


def test_a_dry_run_into_a_new_output_creates_nothing(tiny_model, tmp_path, run_cli):  # noqa: F811
    write_inputs(tmp_path / "in", count=2)
    assert run_cli(["--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--model", tiny_model,
                    "--dry-run"]) == 0
    assert not (tmp_path / "out").exists()


def state_path(output):
    return output / outputs.JOB_FOLDER / outputs.STATE_NAME


def test_a_record_of_the_earlier_version_is_migrated_once(run_cli, tiny_model, tmp_path):  # noqa: F811
    write_inputs(tmp_path / "in")
    output = tmp_path / "out"
    argv = ["--input", str(tmp_path / "in"), "--output", str(output), "--model", tiny_model]
    assert run_cli(argv) == 0
    # The record as state.json held it before the database.
    state = outputs.StateRecord(str(output))
    legacy = {"version": 1, "outputs": {name: state.get(name) for name, _ in state.inputs()}}
    state.close()
    os.remove(state_path(output))
    (output / outputs.JOB_FOLDER / outputs.LEGACY_STATE_NAME).write_text(json.dumps(legacy))
    outputs_before = {name: (output / name).stat().st_mtime_ns for name in legacy["outputs"]}

    assert run_cli(argv) == 0

    assert not (output / outputs.JOB_FOLDER / outputs.LEGACY_STATE_NAME).exists()
    assert {name: (output / name).stat().st_mtime_ns for name in legacy["outputs"]} == outputs_before
    report = json.loads((output / outputs.JOB_FOLDER / "report.json").read_text())
    assert report["counts"]["up_to_date"] == 3


@pytest.mark.parametrize("damage", ["garbage", "cut short"])
def test_a_damaged_record_is_set_aside_and_the_run_rebuilds_it_saying_so(
        damage, run_cli, tiny_model, tmp_path, capsys):  # noqa: F811
    write_inputs(tmp_path / "in")
    output = tmp_path / "out"
    argv = ["--input", str(tmp_path / "in"), "--output", str(output), "--model", tiny_model]
    assert run_cli(argv) == 0
    data = state_path(output).read_bytes()
    state_path(output).write_bytes(os.urandom(len(data)) if damage == "garbage" else data[:len(data) // 3])
    (output / "mine.png").write_bytes(b"a file the user put there")
    os.utime(output / "mine.png", ns=(1, 1))  # older than every input: never taken for colorize's own
    capsys.readouterr()

    assert run_cli(argv) == 0

    stdout = capsys.readouterr().out
    assert "warning: the record of what colorize wrote" in stdout and "set aside as" in stdout
    assert [path.name.startswith(outputs.STATE_NAME + ".damaged-")
            for path in (output / outputs.JOB_FOLDER).iterdir() if "damaged" in path.name] == [True]
    assert (output / "mine.png").read_bytes() == b"a file the user put there"
    assert run_cli(argv) == 0
    assert "up to date 3" in capsys.readouterr().out


def test_a_journal_of_garbage_bytes_does_not_stop_the_run(run_cli, tiny_model, tmp_path):  # noqa: F811
    write_inputs(tmp_path / "in")
    output = tmp_path / "out"
    argv = ["--input", str(tmp_path / "in"), "--output", str(output), "--model", tiny_model]
    assert run_cli(argv) == 0
    journal = output / outputs.JOB_FOLDER / outputs.JOURNAL_FOLDER
    journal.mkdir()
    (journal / "killed.jsonl").write_bytes(b"\xff\xfe{\"output_path\": 3}\n[1, 2]\n" + os.urandom(64))
    assert run_cli(argv) == 0
    assert not journal.exists()


def test_one_changed_input_among_many_rewrites_only_its_own_row(tmp_path):
    output = tmp_path / "out"
    (output / outputs.JOB_FOLDER).mkdir(parents=True)
    state = outputs.StateRecord(str(output))
    made_with = {"model": {"model": "sha256:0"}, "settings": {}}
    for index in range(1000):
        (output / f"{index}.png").write_bytes(b"x")
        status = (output / f"{index}.png").stat()
        state.add(f"{index}.png", {"input": {"path": f"/in/{index}.png", "sha256": "sha256:1", "size": 1},
                                   "made_with": made_with,
                                   "output": {"size": status.st_size, "mtime_ns": status.st_mtime_ns}})
    state.save()
    state.close()
    state = outputs.StateRecord(str(output))
    changes_before = state.database.total_changes
    state.refresh_input("7.png", state.get("7.png"), {"size": 2})
    state.save()
    assert state.database.total_changes - changes_before == 1
    state.close()
    assert outputs.StateRecord(str(output)).get("7.png")["input"]["size"] == 2
    with sqlite3.connect(state_path(output)) as database:
        assert database.execute("SELECT count(*) FROM outputs").fetchone()[0] == 1000


def test_the_model_description_name_is_the_models_own():
    assert colorize_plan.MODEL_DESCRIPTION_NAME == inference.MODEL_CONFIG_NAME
