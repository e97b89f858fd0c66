"""The images of a colorize run, worst first: failures, then the least confident colors.

Read from OUTPUT/.colorize/state.sqlite (every output the job wrote, with its confidence) and
the last report.json (what failed and why). Neither TensorFlow nor the model is needed.
"""

import dataclasses
import json
import math
import os

from pipeline.colorize import report as colorize_report
from pipeline.io import outputs


@dataclasses.dataclass(frozen=True)
class Entry:
    """One image of the run: its path relative to the input (and output) folder, and what became of it."""

    path: str
    status: str  # "colorized", "passed_through" (a color photo, copied) or "failed"
    confidence: float | None = None  # model/inference.confidence_of; None when not colorized or unknown
    reason: str | None = None  # a failure's reason and detail, as report.json has them
    detail: str | None = None

    def as_json(self):
        return {key: value for key, value in dataclasses.asdict(self).items() if value is not None}


def sort_key(entry):
    """Failures first, then the least confident colors, then those of unknown confidence, each by path."""
    rank = 0 if entry.status == "failed" else 1 if entry.confidence is not None else 2
    return rank, entry.confidence if entry.confidence is not None else math.inf, entry.path


def last_report(output):
    """The last colorize run's report.json in `output`, or None."""
    try:
        with open(colorize_report.report_path(output), encoding="utf-8") as file:
            return json.load(file)
    except (OSError, ValueError):
        return None


def read_gallery(input_root, output):
    """Every image the last runs colorized, passed through or failed on, as Entry, worst first.

    Raises ValueError when `output` holds no record of a colorize run.
    """
    if not outputs.StateRecord.exists(output) and last_report(output) is None:
        raise ValueError(f"{output} holds no colorize run (no .colorize/state.sqlite or report.json); run "
                         f"colorize --input {input_root} --output {output} first")
    entries = {}
    if outputs.StateRecord.exists(output):
        state = outputs.StateRecord(output, read_only=True)
        try:
            for relative_path, _, confidence in state.confidences():
                status = "colorized" if confidence is not None else "passed_through"
                entries[relative_path] = Entry(relative_path, status, confidence)
        finally:
            state.close()
    report = last_report(output) or {}
    for failure in report.get("failures", ()):
        path = failure.get("path", "")
        relative_path = os.path.relpath(path, input_root) if os.path.isabs(path) else path
        if relative_path.startswith(os.pardir):
            continue  # not an image of this input folder
        entries[relative_path] = Entry(relative_path, "failed", reason=failure.get("reason"),
                                       detail=failure.get("detail"))
    return sorted(entries.values(), key=sort_key)
