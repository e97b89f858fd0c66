"""What the colorize job tells the user: OUTPUT/.colorize/report.json, the contact sheet, the summary lines."""

import collections
import dataclasses
import datetime
import os
import sys
import time

from PIL import Image

from pipeline.colorize import plan as colorize_plan, signing
from pipeline.io import files, grids, images, outputs

REPORT_NAME = "report.json"  # in the job folder, OUTPUT/.colorize/
CONTACT_SHEET_NAME = "contact-sheet.jpg"  # in the job folder
CONTACT_SHEET_LIMIT = 100  # images on the sheet: the first ones by path
CONTACT_CELL = 240  # pixels on the long side of each thumbnail
CONTACT_COLUMNS = 6
CONTACT_GAP = 8  # pixels around and between the thumbnails
CONTACT_QUALITY = 85
WRITE_FAILURES = ("write_failed", "output_stopped")  # failures of the output, not of the input
SHOWN_FAILURES = 10  # failures listed on the terminal; the report holds them all
SHOWN_LEAST_CONFIDENT = 3  # the images whose colors the model is least sure of, named on the terminal


def report_path(output):
    return os.path.join(outputs.job_folder(output), REPORT_NAME)


@dataclasses.dataclass
class Outcome:
    """What a run did: its results and failures (from the pipeline's outputs), and what it stopped on."""

    results: list
    failures: list
    stopped: str | None
    orphaned: list  # orphans left in place
    removed_orphans: int


def build_report(config, plan, outcome, expected, started, argv=None):
    """The report dict of a run (saved as report.json and returned by run_colorize); the C2PA key's path is
    left out of its command and config."""
    signed = signing.outcome(expected, outcome.results)
    return {
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "input": config.input,
        "output": config.output,
        "model": config.model,
        "made_with": expected,
        "counts": counts(plan, outcome),
        "megapixels": round(sum(result.get("megapixels") or 0 for result in outcome.results), 2),
        "seconds": round(time.monotonic() - started, 1),
        "failures": sorted(outcome.failures, key=lambda failure: failure["path"]),
        "ignored": plan.ignored,
        # Toned monochrome scans (sepia, cyan), colorized from their lightness as gray ones are.
        "toned": sorted(result["path"] for result in outcome.results if result.get("toned")),
        # Each image colorized by this run: its colors' confidence, 0 to 1 (model/inference.confidence_of), least first.
        "confidence": dict(sorted(((result["path"], result["confidence"]) for result in outcome.results
                                   if result.get("confidence") is not None), key=lambda item: (item[1], item[0]))),
        "redone": plan.redone,
        "orphaned": [{key: files.printable_path(value) for key, value in orphan.items()}
                     for orphan in outcome.orphaned],
        "removed_orphans": outcome.removed_orphans,
        "stopped": outcome.stopped,
        # With --c2pa-cert: the certificate's fingerprint, the outputs signed and those whose format holds no manifest.
        "c2pa": signed,
        "warnings": plan.warnings + signing.warnings(signed),
        "command": signing.redacted_command(sys.argv if argv is None else argv),
        "config": signing.redacted_config(dataclasses.asdict(config)),
        "report": report_path(config.output),
    }


def counts(plan, outcome):
    """How many files the run saw, did, passed over and failed, from the plan and the pipeline's outputs."""
    result = {"files": plan.files, "colorized": 0, "passed_through": 0,
              "up_to_date": plan.up_to_date, "redone": len(plan.redone), "not_done": 0,
              "ignored": len(plan.ignored), "failed": len(outcome.failures), "orphaned": len(plan.orphaned)}
    for item in outcome.results:
        result[item["status"]] += 1
    return result


def contact_sheet(paths, names, columns=CONTACT_COLUMNS, cell=CONTACT_CELL):
    """One JPEG's bytes: thumbnails of `paths` in a grid, each captioned with its name."""
    thumbnails = []
    for path in paths:
        with Image.open(path) as image:
            image.draft("RGB", (cell, cell))  # JPEGs decode at a fraction of their size
            thumbnails.append(images.to_rgb(image))
    columns = max(1, min(columns, len(paths)))
    rows = [thumbnails[start:start + columns] for start in range(0, len(thumbnails), columns)]
    captions = [names[start:start + columns] for start in range(0, len(names), columns)]
    sheet = grids.picture_grid(rows, gap=CONTACT_GAP, margin=CONTACT_GAP, cell=cell, captions=captions)
    return grids.encode(sheet, "JPEG", quality=CONTACT_QUALITY)


def save(config, state, report, plan, outcome):
    """Save the state record, the contact sheet (when asked) and report.json, in that order.

    When the output cannot take them (a full disk), the report says so and is not saved.
    """
    output_of = plan.output_of(config)
    colorized = sorted(output_of[result["path"]] for result in outcome.results if result["status"] == "colorized")
    try:
        state.save()
        if config.contact_sheet and colorized and not report["stopped"]:
            chosen = colorized[:CONTACT_SHEET_LIMIT]
            sheet = os.path.join(outputs.job_folder(config.output), CONTACT_SHEET_NAME)
            outputs.write_atomically(config.output, sheet, contact_sheet(
                chosen, [os.path.relpath(path, config.output) for path in chosen]))
            report["contact_sheet"] = {"path": sheet, "images": len(chosen), "of": len(colorized)}
        outputs.write_atomically(config.output, report_path(config.output),
                                 files.json_text(report, indent=1).encode("utf-8"))
    except outputs.OutputError as error:
        report["stopped"] = report["stopped"] or str(error)
        report["report"] = None


def summarize(report):
    """The lines the job prints when it is done."""
    counts = report["counts"]
    lines = [f"colorized {counts['colorized']:,}, passed through {counts['passed_through']:,}, "
             f"up to date {counts['up_to_date']:,}, failed {counts['failed']:,}"
             + (f", ignored {counts['ignored']:,} files that are not images" if counts["ignored"] else "")
             + " "
             f"({report['megapixels']:,.1f} megapixels in {report['seconds']:.0f} s) -> "
             f"{files.printable_path(report['output'])}"]
    if report.get("toned"):
        lines.append(f"  {len(report['toned']):,} toned monochrome scans (sepia, cyan) were colorized from their "
                     "lightness, as gray ones are; they are listed in the report")
    if report["redone"]:
        reasons = collections.Counter(redone["reason"] for redone in report["redone"])
        lines.append(f"  redone {len(report['redone']):,} earlier outputs: " + ", ".join(
            f"{count:,} because {colorize_plan.REDO_REASONS[reason]}" for reason, count in sorted(reasons.items())))
    lines += [f"  warning: {warning}" for warning in report.get("warnings", ())]
    least = list(report.get("confidence", {}).items())[:SHOWN_LEAST_CONFIDENT]
    if len(report.get("confidence", {})) > SHOWN_LEAST_CONFIDENT:
        lines.append("  least confident colors (colorize-review shows them first): "
                     + ", ".join(f"{files.printable_path(path)} ({value:.2f})" for path, value in least))
    if report["stopped"]:
        lines.append(f"  stopped: {report['stopped']}" + (
            f" ({counts['not_done']:,} inputs not done)" if counts["not_done"] else ""))
    for failure in report["failures"][:SHOWN_FAILURES]:
        lines.append(f"  failed: {failure['path']}: {failure['reason']}: {failure['detail']}")
    if len(report["failures"]) > SHOWN_FAILURES:
        lines.append(f"  ... and {len(report['failures']) - SHOWN_FAILURES} more")
    if report["orphaned"]:
        lines.append(f"  {len(report['orphaned']):,} outputs have no input any more (it was deleted); they are "
                     "listed in the report, and --remove-orphans deletes them")
    if report["removed_orphans"]:
        lines.append(f"  removed {report['removed_orphans']:,} outputs whose input was deleted")
    if report["report"] and (report["failures"] or report["orphaned"]):
        lines.append(f"  the full list is in {files.printable_path(report['report'])}")
    return "\n".join(lines)


def describe_plan(report):
    """What a dry run prints: every input it would colorize, every output it would redo and why,
    the orphaned outputs and the files refused while listing; nothing was written."""
    counts = report["counts"]
    redone = {redone["path"]: redone["reason"] for redone in report["redone"]}
    new = [path for path in report["work"] if path not in redone]
    lines = [f"dry run, nothing written: {counts['files']:,} files under {files.printable_path(report['input'])}: "
             f"{len(new):,} to colorize, {len(redone):,} to redo, {counts['up_to_date']:,} up to date, "
             f"{counts['orphaned']:,} orphaned, {counts['failed']:,} refused"
             + (f", {counts['ignored']:,} not images" if counts["ignored"] else "")]
    lines += [f"  warning: {warning}" for warning in report["warnings"]]
    lines += [f"  colorize: {path}" for path in new]
    lines += [f"  redo: {path}: {colorize_plan.REDO_REASONS[reason]}" for path, reason in redone.items()]
    lines += [f"  orphaned: {orphan['output']} (its input {orphan['input']} was deleted; --remove-orphans deletes it)"
              for orphan in report["orphaned"]]
    lines += [f"  refused: {failure['path']}: {failure['reason']}: {failure['detail']}" for failure in report["failures"]]
    return "\n".join(lines)
