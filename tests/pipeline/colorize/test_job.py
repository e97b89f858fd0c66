"""Tests for pipeline/colorize/job.py and the report it writes: whole colorize runs, re-runs, killed runs."""

import errno
import json
import os
import pathlib
import sqlite3
import time

import numpy as np
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from PIL import Image

from pipeline.colorize import (
    formats as colorized_photos,
    job as colorize,
    plan as colorize_plan,
    report as colorize_report,
)
from pipeline.io import outputs
from tests.pipeline.conftest import gray_pattern
from tests.pipeline.colorize.test_formats import chroma

IN_PROCESS = ["--direct_running_mode=in_memory"]


def make_config(tiny_model, source, output, **changes):
    return colorize.ColorizeConfig(input=str(source), output=str(output), model=tiny_model, **changes)


def run(config):
    return colorize.run_colorize(config, PipelineOptions(IN_PROCESS), argv=["test"])


def files_under(folder):
    """Relative path -> modification time (ns) of every file under a folder."""
    return {os.path.relpath(os.path.join(directory, name), folder): os.stat(os.path.join(directory, name)).st_mtime_ns
            for directory, _, names in os.walk(folder) for name in names}


# ---------------------------------------------------------------------------------------
# Whole runs: what the report says, compare images and the contact sheet.


@pytest.mark.slow
def test_an_output_folder_with_glob_characters_in_its_name_gets_the_results_and_the_report(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "Holiday [2019] colorized"  # Beam's sinks glob their path
    source.mkdir()
    gray_pattern(20, 20).save(source / "a.png")
    (source / "broken.jpg").write_bytes(b"not a jpeg")
    report = run(make_config(tiny_model, source, output))

    assert (report["counts"]["colorized"], report["counts"]["failed"]) == (1, 1)
    assert [failure["reason"] for failure in report["failures"]] == ["not_an_image"]
    assert sorted(path.name for path in output.iterdir()) == [outputs.JOB_FOLDER, "a.png"]
    assert os.path.exists(colorize_report.report_path(str(output)))


def test_compare_writes_the_input_and_the_result_side_by_side(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(40, 30).save(source / "scan.png")
    config = make_config(tiny_model, source, output, compare=True)
    report = run(config)

    assert report["counts"]["colorized"] == 1
    side_by_side = np.asarray(Image.open(colorize_plan.compare_path_for(config, "scan.png")))
    colorized = np.asarray(Image.open(output / "scan.png"))
    assert side_by_side.shape == (30, 2 * 40 + 8, 3)
    left, right = side_by_side[:, :40].astype(int), side_by_side[:, 48:].astype(int)
    assert np.abs(left - np.asarray(gray_pattern(40, 30).convert("RGB"))).mean() < 3
    assert np.abs(right - colorized).mean() < 3


def test_contact_sheet_shows_the_images_of_this_run(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    (source / "album").mkdir(parents=True)
    for name in ("a.png", "album/b.jpg", "album/ünï cödé.png"):
        gray_pattern(300, 200).convert("RGB").save(source / name)
    report = run(make_config(tiny_model, source, output, contact_sheet=True))

    sheet_path = output / outputs.JOB_FOLDER / colorize_report.CONTACT_SHEET_NAME
    sheet = Image.open(sheet_path)
    assert sheet.format == "JPEG" and sheet.width > 3 * colorize_report.CONTACT_CELL
    assert report["contact_sheet"] == {"path": str(sheet_path), "images": 3, "of": 3}
    pixels = np.asarray(sheet)
    first_cell = pixels[8:8 + colorize_report.CONTACT_CELL, 8:8 + colorize_report.CONTACT_CELL]
    assert first_cell.std() > 10  # a picture, not blank paper
    assert not sheet_path.with_suffix(".json").exists()

    rerun = run(make_config(tiny_model, source, output, contact_sheet=True))  # nothing new: no new sheet
    assert "contact_sheet" not in rerun


# ---------------------------------------------------------------------------------------
# Whole runs: re-runs and names.

ODD_NAMES = ["a photo.png", "Ünïcode ß.jpg", "sub folder/été/ça va.png"]


@pytest.mark.slow
def test_rerun_colorizes_only_new_inputs_and_mirrors_odd_names(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    for index, name in enumerate(ODD_NAMES):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        gray_pattern(24 + index, 20).save(source / name)
    config = make_config(tiny_model, source, output)

    first = run(config)
    assert first["counts"]["colorized"] == len(ODD_NAMES)
    for name in ODD_NAMES:
        assert Image.open(output / name).size == Image.open(source / name).size
    written = files_under(output)

    gray_pattern(30, 30).save(source / "new.png")
    second = run(config)
    assert second["counts"] == {**second["counts"], "colorized": 1, "up_to_date": len(ODD_NAMES), "failed": 0}
    assert {name: written[name] for name in ODD_NAMES} == {name: files_under(output)[name] for name in ODD_NAMES}

    third = run(make_config(tiny_model, source, output, overwrite=True))
    assert (third["counts"]["colorized"], third["counts"]["up_to_date"]) == (len(ODD_NAMES) + 1, 0)
    assert {redone["reason"] for redone in third["redone"]} == {"overwrite"}


# ---------------------------------------------------------------------------------------
# Stale results: the state record says what made each output.


@pytest.mark.slow
def test_an_input_replaced_by_an_older_picture_is_redone_and_a_touched_one_is_not(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(40, 30).save(source / "restored.png")
    gray_pattern(40, 30).save(source / "touched.png")
    config = make_config(tiny_model, source, output)
    run(config)
    a_year_ago = time.time() - 365 * 86400

    # What `cp -p` or a restore from backup does: another picture, with an older timestamp.
    gray_pattern(52, 36).save(source / "restored.png")
    os.utime(source / "restored.png", (a_year_ago, a_year_ago))
    os.utime(source / "touched.png", (a_year_ago, a_year_ago))  # the same picture, another timestamp
    report = run(config)

    assert (report["counts"]["colorized"], report["counts"]["up_to_date"]) == (1, 1)
    assert report["redone"] == [{"path": str(source / "restored.png"), "output": str(output / "restored.png"),
                                 "reason": "input_changed"}]
    assert Image.open(output / "restored.png").size == (52, 36)
    assert "redone 1 earlier outputs: 1 because the input changed" in colorize_report.summarize(report)
    assert run(config)["counts"]["up_to_date"] == 2  # the touched file's new timestamps are recorded


@pytest.mark.slow
def test_an_input_changed_while_it_is_read_is_redone_by_the_next_run(tiny_model, tmp_path, monkeypatch):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(40, 30).save(source / "scan.png")
    config = make_config(tiny_model, source, output)
    colorize_old_bytes = colorized_photos.colorize_image_bytes

    def colorize_while_the_scanner_rewrites_the_file(data, path, *args, **kwargs):
        gray_pattern(44, 32).save(path)  # the new version lands after the old one was read
        return colorize_old_bytes(data, path, *args, **kwargs)

    monkeypatch.setattr(colorized_photos, "colorize_image_bytes", colorize_while_the_scanner_rewrites_the_file)
    run(config)
    monkeypatch.undo()
    assert Image.open(output / "scan.png").size == (40, 30)  # the old picture's result, written after the change

    report = run(config)
    assert [redone["reason"] for redone in report["redone"]] == ["input_changed"]
    assert Image.open(output / "scan.png").size == (44, 32)


@pytest.mark.slow
def test_changed_settings_or_model_redo_every_output_and_the_report_is_true(tiny_model, tmp_path):
    import shutil

    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    for name in ("a.png", "b.png"):
        gray_pattern(40, 30).save(source / name)
    run(make_config(tiny_model, source, output))

    report = run(make_config(tiny_model, source, output, saturation=0.0))
    assert [redone["reason"] for redone in report["redone"]] == ["settings_changed"] * 2
    assert report["made_with"]["settings"]["saturation"] == 0.0
    assert chroma(np.asarray(Image.open(output / "a.png"))) < 1  # saturation 0 is gray, as the report says

    retrained = tmp_path / "retrained"
    shutil.copytree(os.path.dirname(tiny_model), retrained)
    description = json.loads((retrained / "model.json").read_text())
    (retrained / "model.json").write_text(json.dumps({**description, "default_temperature": 0.3}))
    report = run(make_config(str(retrained / "model.keras"), source, output, saturation=0.0))
    assert [redone["reason"] for redone in report["redone"]] == ["model_changed"] * 2


def test_an_input_with_a_future_timestamp_is_done_once(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(40, 30).save(source / "from the future.png")
    next_year = time.time() + 365 * 86400
    os.utime(source / "from the future.png", (next_year, next_year))
    config = make_config(tiny_model, source, output)
    assert run(config)["counts"]["colorized"] == 1
    assert run(config)["counts"]["up_to_date"] == 1


def test_outputs_of_deleted_inputs_are_listed_and_removed_only_when_asked(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    (source / "album").mkdir(parents=True)
    for name in ("keep.png", "album/gone.png", "album/retouched.png"):
        gray_pattern(40, 30).save(source / name)
    run(make_config(tiny_model, source, output, compare=True))
    os.remove(source / "album" / "gone.png")
    os.remove(source / "album" / "retouched.png")
    gray_pattern(40, 30).save(output / "album" / "retouched.png")  # the user edited this output

    listed = run(make_config(tiny_model, source, output))
    assert [orphan["output"] for orphan in listed["orphaned"]] == [
        str(output / "album" / "gone.png"), str(output / "album" / "retouched.png")]
    assert "2 outputs have no input any more" in colorize_report.summarize(listed)
    assert (output / "album" / "gone.png").exists()

    removed = run(make_config(tiny_model, source, output, remove_orphans=True))
    assert removed["removed_orphans"] == 1
    assert not (output / "album" / "gone.png").exists()
    assert not os.path.exists(colorize_plan.compare_path_for(make_config(tiny_model, source, output), "album/gone.png"))
    assert [orphan["output"] for orphan in removed["orphaned"]] == [str(output / "album" / "retouched.png")]
    assert (output / "album" / "retouched.png").exists() and (output / "keep.png").exists()


# ---------------------------------------------------------------------------------------
# Never an original: a layout that mixes inputs and outputs, and files the job did not write.


def test_an_input_inside_the_output_is_refused_before_any_work(tiny_model, tmp_path):
    archive = tmp_path / "arch"
    (archive / "scans" / "scans").mkdir(parents=True)
    gray_pattern(40, 30).save(archive / "scans" / "x.jpg")
    gray_pattern(30, 40).save(archive / "scans" / "scans" / "x.jpg")
    original = (archive / "scans" / "x.jpg").read_bytes()

    with pytest.raises(ValueError, match="is inside the output"):
        run(make_config(tiny_model, archive / "scans", archive))
    assert (archive / "scans" / "x.jpg").read_bytes() == original
    assert sorted(os.listdir(archive)) == ["scans"]


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_file_the_job_did_not_write_is_never_replaced(tiny_model, tmp_path, overwrite):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    output.mkdir()
    gray_pattern(40, 30).save(source / "a.png")
    gray_pattern(40, 30).save(source / "b.png")
    (output / "a.png").write_bytes(b"someone's only copy")
    an_hour_ago = time.time() - 3600
    os.utime(output / "a.png", (an_hour_ago, an_hour_ago))  # older than its input: today's rule would redo it

    report = run(make_config(tiny_model, source, output, overwrite=overwrite))

    assert (output / "a.png").read_bytes() == b"someone's only copy"
    assert (report["counts"]["colorized"], report["counts"]["failed"]) == (1, 1)
    [failure] = report["failures"]
    assert (failure["path"], failure["reason"]) == (str(source / "a.png"), "foreign_file")
    assert str(output / "a.png") in failure["detail"] and "move it away" in failure["detail"]


def test_outputs_of_the_version_before_the_record_are_redone_once(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    output.mkdir()
    gray_pattern(40, 30).save(source / "a.png")
    gray_pattern(40, 30).convert("RGB").save(output / "a.png")  # written by the old version, after its input
    (output / colorize.LEGACY_LOCK_NAME).write_text("pid 1 since 2026-01-01T02:00:00")
    config = make_config(tiny_model, source, output)

    assert [redone["reason"] for redone in run(config)["redone"]] == ["unrecorded"]
    assert run(config)["counts"]["up_to_date"] == 1


LONG_NAME = "é" * 125 + ".png"  # 254 bytes: the longest name most file systems take, nearly


def test_nothing_the_job_writes_besides_outputs_collides_with_an_input(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    names = ["a.jpg", "a.jpeg", "a.png", "a.compare.jpg", "colorize-contact-sheet.jpg", "contact-sheet.jpg",
             ".staging-old/b.png", "photo.colorize-tmp-1.jpg", LONG_NAME]
    for index, name in enumerate(names):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        gray_pattern(30 + index, 20).save(source / name)
    config = make_config(tiny_model, source, output, compare=True, contact_sheet=True)

    first = run(config)

    assert (first["counts"]["colorized"], first["failures"]) == (len(names), [])
    for index, name in enumerate(names):
        assert Image.open(output / name).size == (30 + index, 20), name
        assert Image.open(colorize_plan.compare_path_for(config, name)).size == (2 * (30 + index) + 8, 20), name
    second = run(config)
    assert (second["counts"]["up_to_date"], second["counts"]["colorized"]) == (len(names), 0)


def test_an_input_folder_named_like_the_job_folder_is_refused_with_a_reason(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    (source / outputs.JOB_FOLDER).mkdir(parents=True)
    gray_pattern(30, 20).save(source / outputs.JOB_FOLDER / "state.png")
    gray_pattern(30, 20).save(source / "a.png")
    report = run(make_config(tiny_model, source, output))
    assert report["counts"]["colorized"] == 1
    assert [failure["reason"] for failure in report["failures"]] == ["reserved_name"]


# ---------------------------------------------------------------------------------------
# Killed runs and a second run on the same output.


@pytest.mark.slow
def test_a_name_that_is_not_utf8_is_colorized_and_odd_files_fail_alone(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    latin1 = os.path.join(os.fsencode(source), b"lat\xe9.jpg")  # a name from an old Windows disk
    gray_pattern(30, 20).convert("RGB").save(latin1, format="JPEG")
    gray_pattern(20, 30).save(source / "plain.png")
    os.mkfifo(os.path.join(os.fsencode(source), b"pip\xe9.png"))  # reading it would wait for a writer forever
    big = source / "big.tif"
    gray_pattern(20, 20).save(big)
    os.truncate(big, 3 * 1024**3)  # sparse: 3 GB of nothing behind a small picture

    report = run(make_config(tiny_model, source, output))

    assert report["counts"] == {**report["counts"], "colorized": 2, "failed": 2}
    with Image.open(os.path.join(os.fsencode(output), b"lat\xe9.jpg")) as result:
        assert result.size == (30, 20)
    assert {failure["path"]: failure["reason"] for failure in report["failures"]} == {
        str(source / "pip\\xe9.png"): "not_a_file", str(big): "too_large"}
    written = json.loads(pathlib.Path(colorize_report.report_path(str(output))).read_bytes().decode("utf-8"))
    assert written["failures"] == report["failures"]
    assert "pip\\xe9.png: not_a_file: a FIFO" in colorize_report.summarize(report).encode("utf-8").decode("utf-8")
    rerun = run(make_config(tiny_model, source, output))  # the state record keeps the name as it is
    assert rerun["counts"] == {**rerun["counts"], "colorized": 0, "up_to_date": 2, "failed": 2}


@pytest.mark.slow
def test_next_run_finishes_a_killed_run_and_leaves_no_temporary_files(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    names = ["done.png", "half.png", "todo.jpg"]
    gray_pattern(30, 20).convert("RGB").save(source / "done.png")
    config = make_config(tiny_model, source, output)
    run(config)
    for name in names[1:]:
        gray_pattern(30, 20).convert("RGB").save(source / name)
    # What a run killed while writing half.png leaves behind: a temporary file cut short, the
    # folder its Beam step was writing results into, and its journal, whose last line (for
    # half.png, never renamed into place) is cut short too.
    job_folder = output / outputs.JOB_FOLDER
    (job_folder / outputs.TEMPORARY_FOLDER / "1a2b3c4d").write_bytes((source / "half.png").read_bytes()[:100])
    (job_folder / "staging-0123456789ab" / "beam-temp-results").mkdir(parents=True)
    (job_folder / "staging-0123456789ab" / "beam-temp-results" / "part").write_text("{}")
    (job_folder / outputs.JOURNAL_FOLDER).mkdir()
    (job_folder / outputs.JOURNAL_FOLDER / "killed.jsonl").write_text('{"output_path": "half.png", "rec')

    report = run(config)

    assert (report["counts"]["colorized"], report["counts"]["up_to_date"], report["counts"]["failed"]) == (2, 1, 0)
    assert sorted(name for name in os.listdir(output) if name != outputs.JOB_FOLDER) == sorted(names)
    assert sorted(os.listdir(job_folder)) == sorted(
        [outputs.LOCK_NAME, outputs.STATE_NAME, colorize_report.REPORT_NAME, outputs.TEMPORARY_FOLDER])
    assert os.listdir(job_folder / outputs.TEMPORARY_FOLDER) == []
    for name in names:
        with Image.open(output / name) as result:
            result.load()
            assert result.size == (30, 20)


@pytest.mark.slow
def test_outputs_written_by_a_killed_run_keep_their_records(tiny_model, tmp_path, monkeypatch):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(30, 20).save(source / "a.png")
    config = make_config(tiny_model, source, output)

    def killed_before_saving_the_state(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs.StateRecord, "save", killed_before_saving_the_state)
    with pytest.raises(KeyboardInterrupt):
        run(config)
    monkeypatch.undo()
    assert (output / "a.png").exists()
    with sqlite3.connect(output / outputs.JOB_FOLDER / outputs.STATE_NAME) as database:  # nothing committed
        assert database.execute("SELECT count(*) FROM outputs").fetchone()[0] == 0

    report = run(config)
    assert (report["counts"]["up_to_date"], report["failures"]) == (1, [])


class JsonOnAFullDisk:
    """The json module for pipeline/colorize/job.py, except that its Beam steps' result lines fail on a full disk."""

    loads = staticmethod(json.loads)

    @staticmethod
    def dumps(value, **options):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/full/disk/results")


@pytest.mark.parametrize("mode", [IN_PROCESS, ["--direct_running_mode=multi_threading", "--direct_num_workers=2"]])
@pytest.mark.slow
def test_a_full_disk_in_beams_own_step_ends_the_run_with_a_report_and_the_records(
        tiny_model, tmp_path, monkeypatch, mode):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(40, 30).save(source / "a.png")
    config = make_config(tiny_model, source, output)
    monkeypatch.setattr(colorize, "json", JsonOnAFullDisk)

    report = colorize.run_colorize(config, PipelineOptions(mode), argv=["test"])

    assert report["stopped"].startswith("cannot write /full/disk/results (No space left on device)")
    assert json.loads(pathlib.Path(colorize_report.report_path(str(output))).read_text())["stopped"] == report["stopped"]
    monkeypatch.undo()
    assert run(config)["counts"]["up_to_date"] == 1  # the output written before the step failed kept its record


def test_run_refuses_an_output_another_run_is_writing(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    output.mkdir()
    gray_pattern(20, 20).save(source / "a.png")
    locked = pytest.raises(outputs.LockedError, match=f"another colorize run .*pid {os.getpid()}.* is writing to")
    with outputs.OutputLock(str(output)), locked:
        run(make_config(tiny_model, source, output))
    assert not (output / "a.png").exists() and not os.path.exists(colorize_report.report_path(str(output)))


def test_keep_color_colorizes_a_toned_scan_lists_it_and_marks_every_output(tiny_model, tmp_path):
    from tests.pipeline.io.test_toned import CASTS, SAMPLES, rgb_of, toned

    source, output = tmp_path / "scans", tmp_path / "colorized"
    source.mkdir()
    (source / "sepia print.jpg").write_bytes(toned(rgb_of(SAMPLES[0]), "sepia"))
    (source / "sunset.jpg").write_bytes(CASTS[0].read_bytes())
    gray_pattern(20, 20).save(source / "gray.png")
    report = run(make_config(tiny_model, source, output, keep_color=True))

    assert (report["counts"]["colorized"], report["counts"]["passed_through"]) == (2, 1)
    assert report["toned"] == [str(source / "sepia print.jpg")]
    assert "1 toned monochrome scans" in colorize_report.summarize(report)
    assert b"compositeWithTrainedAlgorithmicMedia" in (output / "sepia print.jpg").read_bytes()
    assert (output / "sunset.jpg").read_bytes() == CASTS[0].read_bytes()  # passed through untouched
    png = Image.open(output / "gray.png")
    assert "compositeWithTrainedAlgorithmicMedia" in png.info["XML:com.adobe.xmp"]
    assert png.getexif()[0x0131].startswith("beam-colorize ")


def test_no_provenance_leaves_the_mark_out(tiny_model, tmp_path):
    source, output = tmp_path / "scans", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(20, 20).save(source / "gray.png")
    run(make_config(tiny_model, source, output, no_provenance=True))
    png = Image.open(output / "gray.png")
    assert "XML:com.adobe.xmp" not in png.info and 0x0131 not in png.getexif()
