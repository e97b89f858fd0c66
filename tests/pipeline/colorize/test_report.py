"""Tests for pipeline/colorize/report.py: the contact sheet and the lines the job prints."""

import io

import numpy as np
from PIL import Image

from pipeline.colorize import report as colorize_report
from tests.pipeline.conftest import color_image


def test_contact_sheet_is_a_grid_of_thumbnails_of_the_given_files(tmp_path):
    paths = []
    for index in range(8):
        path = tmp_path / f"photo{index}.jpg"
        color_image(300 + index, 200).save(path)
        paths.append(str(path))

    sheet = Image.open(io.BytesIO(colorize_report.contact_sheet(paths, [f"photo{index}.jpg" for index in range(8)])))

    cell, gap = colorize_report.CONTACT_CELL, colorize_report.CONTACT_GAP
    columns = colorize_report.CONTACT_COLUMNS
    assert sheet.format == "JPEG"
    assert sheet.width == gap + columns * (cell + gap)  # two rows: six thumbnails, then two
    pixels = np.asarray(sheet).astype(int)
    assert pixels[gap + cell // 2, gap:gap + cell].std() > 10  # a picture, not blank paper
    assert (pixels[-gap - cell // 2, -gap - cell:-gap] > 245).all()  # the second row's last cells are empty


def test_summary_names_each_failure_and_where_the_full_list_is():
    failures = [{"path": f"/photos/{index}.png", "reason": "corrupt", "detail": "cut short"} for index in range(12)]
    report = {"counts": {"colorized": 3, "passed_through": 0, "up_to_date": 1, "failed": 12, "ignored": 0,
                         "not_done": 0},
              "megapixels": 1.5, "seconds": 2, "output": "/colorized", "redone": [], "stopped": None,
              "failures": failures, "orphaned": [], "removed_orphans": 0, "report": "/colorized/.colorize/report.json"}
    lines = colorize_report.summarize(report).splitlines()
    assert lines[0].startswith("colorized 3, passed through 0, up to date 1, failed 12")
    assert lines[1] == "  failed: /photos/0.png: corrupt: cut short"
    assert "  ... and 2 more" in lines
    assert lines[-1] == "  the full list is in /colorized/.colorize/report.json"


def test_summary_names_the_least_confident_colors_first():
    report = {"counts": {"colorized": 5, "passed_through": 0, "up_to_date": 0, "failed": 0, "ignored": 0,
                         "not_done": 0},
              "megapixels": 1.0, "seconds": 2, "output": "/colorized", "redone": [], "stopped": None,
              "failures": [], "orphaned": [], "removed_orphans": 0, "report": "/colorized/.colorize/report.json",
              "confidence": {"/photos/d.png": 0.12, "/photos/a.png": 0.25, "/photos/c.png": 0.3,
                             "/photos/b.png": 0.4}}
    lines = colorize_report.summarize(report).splitlines()
    assert lines[1] == ("  least confident colors (colorize-review shows them first): /photos/d.png (0.12), "
                        "/photos/a.png (0.25), /photos/c.png (0.30)")
