"""What a colorize run does with each input, decided before any work from the state record.

An input is up to date, to be done (new), to be redone and why, or refused; an output
whose input was deleted is an orphan. The record says what made each output: the input's
size, timestamps and content hash, the model and the settings (pipeline/io/outputs.py).
"""

import dataclasses
import os

from apache_beam.io.filesystems import FileSystems

from pipeline.colorize import formats as colorized_photos, signing
from pipeline.io import files, outputs

# model.inference.MODEL_CONFIG_NAME, which a run with nothing to do reads without importing TensorFlow
# (tests/pipeline/colorize/test_plan.py checks that they agree).
MODEL_DESCRIPTION_NAME = "model.json"
COMPARE_FOLDER = "compare"  # in the job folder: the input beside the result, under the output's own name
# The options that change an output. A record made before one of them existed lacks it: it was
# made with the model's default, which is what None asks for.
SETTINGS = ("temperature", "saturation", "agreement_power", "working_size", "keep_color")
# Why an output is made again, besides a new input.
REDO_REASONS = {
    "input_changed": "the input changed",
    "settings_changed": "the settings changed",
    "guidance_changed": "its hints or reference photo changed",
    "signing_changed": "C2PA signing was turned on or off, or its certificate changed",
    "model_changed": "the model changed",
    "other_input": "a different input file now maps to it",
    "output_missing": "the output was deleted",
    "unrecorded": "written by an earlier version, without a record",
    "overwrite": "--overwrite",
}


def output_path_for(config, relative_path):
    """Where the colorized copy of an input goes: the same relative path under the output."""
    return os.path.join(config.output, relative_path)


def compare_path_for(config, relative_path):
    """Where --compare puts the input beside its result: the output's own name, in the job folder."""
    return os.path.join(outputs.job_folder(config.output), COMPARE_FOLDER, relative_path)


def model_identity(model_path):
    """The content hashes of a model file and the description beside it, which decide its colors."""
    identity = {"model": outputs.file_hash(model_path)}
    description = os.path.join(os.path.dirname(model_path), MODEL_DESCRIPTION_NAME)
    if os.path.exists(description):
        identity["description"] = outputs.file_hash(description)
    return identity


def made_with(config):
    """What besides its input decides an output: the model, the settings that change pixels, and with
    --c2pa-cert the fingerprint of the certificate that signs it (absent without, as in older records)."""
    expected = {"model": model_identity(config.model),
                "settings": {name: getattr(config, name) for name in SETTINGS}}
    if signing.enabled(config):
        expected["c2pa"] = signing.fingerprint(config.c2pa_cert)
    return expected


def input_identity(path):
    """The identity of an input file (outputs.file_identity); size and update time on other file systems."""
    if "://" not in path:
        return outputs.file_identity(os.stat(path))
    metadata = FileSystems.match([path])[0].metadata_list[0]
    return {"size": metadata.size_in_bytes, "mtime": metadata.last_updated_in_seconds}


def input_hash(path):
    if "://" not in path:
        return outputs.file_hash(path)
    with FileSystems.open(path, compression_type="uncompressed") as file:
        return outputs.content_hash(file.read())


def stale_reason(path, record, expected, state=None, relative_path=None):
    """None when a record still describes this input and these settings; else why the output is stale.

    Timestamps only say when to look: an input whose size and timestamps are those
    recorded is unchanged; otherwise its content hash decides, so a file replaced by
    another with an older timestamp is redone, and one merely touched or copied is not
    (its record in `state` is refreshed, so that it is not read again next time).
    """
    if record["made_with"]["model"] != expected["model"]:
        return "model_changed"
    if {name: None for name in SETTINGS} | record["made_with"]["settings"] != expected["settings"]:
        return "settings_changed"
    if record["made_with"].get("guidance") != expected.get("guidance"):
        return "guidance_changed"
    if record["made_with"].get("c2pa") != expected.get("c2pa"):
        return "signing_changed"
    recorded = record["input"]
    if recorded["path"] != path:
        return "other_input"
    identity = input_identity(path)
    if all(recorded.get(key) == value for key, value in identity.items()):
        return None
    if identity["size"] != recorded["size"] or input_hash(path) != recorded["sha256"]:
        return "input_changed"
    if state is not None:
        state.refresh_input(relative_path, record, identity)
    return None


@dataclasses.dataclass
class Plan:
    """What a run will do with each input, decided before any work."""

    files: int = 0  # files listed or refused while listing, images or not
    found: list = dataclasses.field(default_factory=list)  # (path, relative path) of every image listed
    work: list = dataclasses.field(default_factory=list)  # (path, relative path)
    up_to_date: int = 0
    redone: list = dataclasses.field(default_factory=list)  # {"path", "output", "reason"}
    refused: list = dataclasses.field(default_factory=list)  # failures found while listing and planning
    ignored: list = dataclasses.field(default_factory=list)  # failure records of files that are not images
    orphaned: list = dataclasses.field(default_factory=list)  # {"output", "input"}: the input was deleted
    warnings: list = dataclasses.field(default_factory=list)  # what the user should know and do, one line each
    guidance: object = None  # guidance.RunGuidance of the images, or None without --hints or a reference

    def refuse(self, refused):
        """Take the work items in `refused` ({relative path: (reason, detail)}) out of the work, as failures."""
        printable = {files.printable_path(path) for path, relative_path in self.work if relative_path in refused}
        self.refused += [files.failure_record(path, *refused[relative_path]) for path, relative_path in self.work
                         if relative_path in refused]
        self.work = [(path, relative_path) for path, relative_path in self.work if relative_path not in refused]
        self.redone = [redone for redone in self.redone if redone["path"] not in printable]

    def output_of(self, config):
        """Printable input path -> output path, of every work item."""
        return {files.printable_path(path): output_path_for(config, relative_path)
                for path, relative_path in self.work}


def plan_run(config, listed, state, expected, legacy=False, sources=None):
    """Decide what to do with every file listed (plan_work), ignoring files that are not images.

    `listed`: files.list_files of the input, (found, refused); `sources`: the run's
    guidance.GuidanceSources, or None.
    """
    found, refused = listed
    images = [(path, relative_path) for path, relative_path in found if colorized_photos.can_write(path)]
    guidance = sources.resolve(images, files.input_root(config.input)) if sources else None
    plan = plan_work(config, images, state, expected, legacy, guidance)
    plan.refused[:0] = refused
    plan.files = len(found) + len(refused)
    plan.ignored = [files.failure_record(path, "not_an_image", f"the extension is not one of "
                                                               f"{', '.join(sorted(colorized_photos.OUTPUT_FORMATS))}")
                    for path, _ in found if not colorized_photos.can_write(path)]
    return plan


def plan_work(config, found, state, expected, legacy=False, guidance=None):
    """Decide for every input: up to date, to (re)do and why, or refused; and list the orphaned outputs.

    `legacy`: the output folder was written by a version without the state record; its
    outputs at least as new as their inputs are taken for its own and redone once.
    `guidance`: a guidance.RunGuidance, whose images are refused or made with their guidance.
    """
    plan = Plan(found=list(found), guidance=guidance)
    if guidance is not None:
        plan.warnings += guidance.warnings
    for path, relative_path in found:
        if guidance is not None and relative_path in guidance.refused:
            plan.refused.append(files.failure_record(path, *guidance.refused[relative_path]))
            continue
        made_with = guidance.made_with(expected, relative_path) if guidance is not None else expected
        reason, refusal = _decide(config, path, relative_path, state, made_with, legacy)
        if refusal is not None:
            plan.refused.append(refusal)
        elif reason is None:
            plan.up_to_date += 1
        else:
            plan.work.append((path, relative_path))
            if reason != "new":
                plan.redone.append({"path": files.printable_path(path),
                                    "output": files.printable_path(output_path_for(config, relative_path)),
                                    "reason": reason})
    listed = {relative_path for _, relative_path in found}
    for relative_path, input_path in state.inputs():
        if relative_path not in listed and not os.path.lexists(input_path):
            plan.orphaned.append({"output": output_path_for(config, relative_path), "input": input_path})
    return plan


def _decide(config, path, relative_path, state, expected, legacy):
    """(why the input is to be done, or None when its output is up to date; a failure record when refused)."""
    target = output_path_for(config, relative_path)
    if relative_path.split(os.sep)[0] == outputs.JOB_FOLDER:
        return None, files.failure_record(path, "reserved_name", (
            f"its output would be inside {outputs.job_folder(config.output)}, which colorize keeps for its own "
            f"files; rename the input folder {outputs.JOB_FOLDER}"))
    record = state.get(relative_path)
    if not os.path.lexists(target):
        return ("output_missing" if record is not None else "new"), None
    reason = None if record is None else ("overwrite" if config.overwrite
                                          else stale_reason(path, record, expected, state, relative_path))
    if state.wrote(relative_path, record):
        return reason, None
    if record is not None and reason is None:
        return None, None  # Changed by someone since it was written, from an unchanged input: theirs now.
    if record is None and legacy and os.lstat(target).st_mtime_ns >= os.stat(path).st_mtime_ns:
        return "unrecorded", None
    return None, {**files.failure_record(path, "foreign_file", (
        f"{files.printable_path(target)} is not a file colorize wrote (or it was changed since), and "
        "colorize never replaces such a file: move it away to have this input colorized, or choose "
        "another --output")), "output": files.printable_path(target)}


def remove_orphans(config, state, orphaned):
    """Delete the outputs (and compare images) whose input was deleted, when they are still the job's own.

    Returns the orphans left in place: changed since the job wrote them.
    """
    kept = []
    for orphan in orphaned:
        relative_path = os.path.relpath(orphan["output"], config.output)
        if state.wrote(relative_path):
            os.remove(orphan["output"])
        elif os.path.lexists(orphan["output"]):
            kept.append({**orphan, "detail": "changed since colorize wrote it: left in place"})
            continue
        compare = compare_path_for(config, relative_path)
        if os.path.lexists(compare):
            os.remove(compare)
        state.remove(relative_path)
    return kept
