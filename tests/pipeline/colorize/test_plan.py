"""Tests for pipeline/colorize/plan.py: what a run decides for each input before any work."""

import os

from pipeline.colorize import job as colorize, plan as colorize_plan
from pipeline.io import files, outputs
from tests.pipeline.conftest import gray_pattern


def plan_for(source, output, tiny_model, **changes):
    config = colorize.ColorizeConfig(input=str(source), output=str(output), model=tiny_model, **changes)
    state = outputs.StateRecord(str(output))
    return colorize_plan.plan_run(config, files.list_files(str(source)), state, colorize_plan.made_with(config))


def test_new_inputs_are_done_other_files_ignored_and_what_it_must_not_write_refused(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    (source / outputs.JOB_FOLDER).mkdir(parents=True)
    output.mkdir()
    for name in ("new.png", "taken.png", f"{outputs.JOB_FOLDER}/hidden.png"):
        gray_pattern(20, 20).save(source / name)
    (source / "notes.txt").write_text("scanned in 2019\n")
    (output / "taken.png").write_bytes(b"someone's only copy")

    plan = plan_for(source, output, tiny_model)

    assert [relative_path for _, relative_path in plan.work] == ["new.png"]
    assert {os.path.basename(failure["path"]): failure["reason"] for failure in plan.refused} == {
        "taken.png": "foreign_file", "hidden.png": "reserved_name"}
    assert [os.path.basename(failure["path"]) for failure in plan.ignored] == ["notes.txt"]
    assert (plan.files, plan.up_to_date, plan.redone, plan.orphaned) == (4, 0, [], [])


def test_a_missing_output_of_a_recorded_input_is_redone_and_one_without_its_input_is_an_orphan(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    output.mkdir()
    for name in ("kept.png", "gone.png"):
        gray_pattern(20, 20).save(source / name)
        gray_pattern(20, 20).convert("RGB").save(output / name)
    config = colorize.ColorizeConfig(input=str(source), output=str(output), model=tiny_model)
    state = outputs.StateRecord(str(output))
    for name in ("kept.png", "gone.png"):
        path = str(source / name)
        written = os.stat(output / name)
        state.add(name, {"input": {**colorize_plan.input_identity(path), "path": path,
                                   "sha256": outputs.file_hash(path)},
                         "made_with": colorize_plan.made_with(config),
                         "output": {"size": written.st_size, "mtime_ns": written.st_mtime_ns}})
    state.save()
    os.remove(output / "kept.png")
    os.remove(source / "gone.png")

    plan = plan_for(source, output, tiny_model)

    assert [relative_path for _, relative_path in plan.work] == ["kept.png"]
    assert [redone["reason"] for redone in plan.redone] == ["output_missing"]
    assert plan.orphaned == [{"output": str(output / "gone.png"), "input": str(source / "gone.png")}]


def test_a_record_from_before_a_setting_existed_is_up_to_date_at_its_default(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    output.mkdir()
    gray_pattern(20, 20).save(source / "old.png")
    gray_pattern(20, 20).convert("RGB").save(output / "old.png")
    path, written = str(source / "old.png"), os.stat(output / "old.png")
    made_with = colorize_plan.made_with(colorize.ColorizeConfig(input=str(source), output=str(output),
                                                                model=tiny_model))
    del made_with["settings"]["agreement_power"]  # as an older version recorded it
    state = outputs.StateRecord(str(output))
    state.add("old.png", {"input": {**colorize_plan.input_identity(path), "path": path,
                                    "sha256": outputs.file_hash(path)},
                          "made_with": made_with,
                          "output": {"size": written.st_size, "mtime_ns": written.st_mtime_ns}})
    state.save()

    assert plan_for(source, output, tiny_model).up_to_date == 1
    changed = plan_for(source, output, tiny_model, agreement_power=1.0)
    assert [redone["reason"] for redone in changed.redone] == ["settings_changed"]
