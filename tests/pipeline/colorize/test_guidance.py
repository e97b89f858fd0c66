"""Tests for pipeline/colorize/guidance.py: the --hints and --references CSVs, read and resolved against the inputs."""

import os

import pytest

from model import hints
from pipeline.colorize import guidance as colorize_guidance
from pipeline.io import images


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def found(*relative_paths, root="/photos"):
    return [(os.path.join(root, relative_path), relative_path) for relative_path in relative_paths]


def test_a_hints_csv_gives_each_image_its_rows_with_their_lines(tmp_path):
    # Columns in any order, a spreadsheet's byte-order mark, blank lines, several rows per image.
    csv_path = write(tmp_path / "hints.csv", "\ufeffColor, path,x,y,radius\n#FF0000,a.png,3,4,2\n\n"
                                             "#00ff00,./sub/b.png,1.5,2,\n#0000ff,a.png,0,0,\n")
    sources = colorize_guidance.read_sources(hints_path=csv_path)
    run = sources.resolve(found("a.png", os.path.join("sub", "b.png"), "c.png"), "/photos")

    assert run.warnings == [] and run.refused == {}
    assert [row.line for row in run.of("a.png").rows] == [2, 5]
    assert run.of("a.png").fingerprint == {"hints": [["3", "4", "#ff0000", "2"], ["0", "0", "#0000ff", ""]]}
    assert run.of(os.path.join("sub", "b.png")).rows[0].line == 4
    assert run.of("c.png") is None
    assert run.made_with({"model": 1}, "c.png") == {"model": 1}
    assert run.made_with({"model": 1}, "a.png")["guidance"] == run.of("a.png").fingerprint
    made = run.of("a.png").hints_in(10, 10)
    assert made[0] == hints.hint_from_hex(3, 4, "#ff0000", 2) and made[1].radius == 0


def test_a_row_as_the_report_names_its_image_under_the_input_is_matched(tmp_path):
    csv_path = write(tmp_path / "hints.csv", "path,x,y,color\n/photos/sub/b.png,1,1,#808080\n")
    run = colorize_guidance.read_sources(hints_path=csv_path).resolve(found(os.path.join("sub", "b.png")), "/photos")
    assert run.of(os.path.join("sub", "b.png")) is not None


def test_a_row_naming_no_input_image_is_a_warning_with_the_file_and_line(tmp_path):
    csv_path = write(tmp_path / "hints.csv", "path,x,y,color\na.png,1,1,#808080\nmissing.png,1,1,#808080\n")
    run = colorize_guidance.read_sources(hints_path=csv_path).resolve(found("a.png"), "/photos")
    assert len(run.warnings) == 1
    assert f"{csv_path} line 3" in run.warnings[0] and "'missing.png' names no input image" in run.warnings[0]
    assert list(run.by_image) == ["a.png"]


@pytest.mark.parametrize("row, expected", [
    ("a.png,1,1,red", "line 2: color 'red' is not #rrggbb"),
    ("a.png,1,1,#12345g", "line 2: color '#12345g' is not #rrggbb"),
    ("a.png,one,1,#808080", "line 2: could not convert string to float: 'one'"),
    ("a.png,1,nan,#808080", "line 2: y 'nan' is not a finite number"),
    ("a.png,1,1,#808080,-2", "line 2: radius '-2' is below 0"),
    ("a.png,1,1,#808080,wide", "line 2: could not convert string to float: 'wide'"),
    ("a.png,1", "line 2: could not convert string to float: ''"),
    ("a.png,20,1,#808080", "line 2: the point x=20, y=1 is outside the image, which is 20 x 10 pixels"),
    ("a.png,-1,1,#808080", "line 2: the point x=-1, y=1 is outside"),
    ("a.png,1,10,#808080", "line 2: the point x=1, y=10 is outside"),
])
def test_a_bad_hint_is_a_failure_of_its_image_naming_the_csv_line(tmp_path, row, expected):
    csv_path = write(tmp_path / "hints.csv", f"path,x,y,color,radius\n{row}\n")
    run = colorize_guidance.read_sources(hints_path=csv_path).resolve(found("a.png"), "/photos")
    with pytest.raises(images.UnusableImage) as caught:
        run.guidance_for("a.png", 10, 20)
    assert caught.value.reason == "bad_hint"
    assert caught.value.detail.startswith(f"{csv_path} {expected}")


@pytest.mark.parametrize("flag, text, expected", [
    ("hints", "path,x,y\na.png,1,1\n", "the header is path,x,y; expected path,x,y,color[,radius] (missing color)"),
    ("hints", "path,x,y,color,size\n", "expected path,x,y,color[,radius] (unknown size)"),
    ("hints", "path,x,x,y,color\n", "the header is path,x,x,y,color; expected path,x,y,color[,radius]"),
    ("hints", "", "the header is an empty file; expected path,x,y,color[,radius]"),
    ("references", "image,reference\n", "expected path,reference (missing path) (unknown image)"),
    ("references", "path,reference,radius\n", "expected path,reference (unknown radius)"),
])
def test_a_csv_without_the_expected_header_is_a_usage_error_saying_what_is_expected(tmp_path, flag, text, expected):
    csv_path = write(tmp_path / "guidance.csv", text)
    with pytest.raises(ValueError) as caught:
        colorize_guidance.read_sources(**{f"{flag}_path": csv_path})
    assert str(caught.value) == f"--{flag} {csv_path}: " + str(caught.value).split(": ", 1)[1]
    assert expected in str(caught.value)


def test_a_missing_or_undecodable_csv_or_two_reference_flags_are_usage_errors(tmp_path):
    with pytest.raises(ValueError, match=r"--hints .*nope.csv: cannot be read \(No such file or directory\); give "
                                         r"a CSV file whose first line is the header path,x,y,color\[,radius\]"):
        colorize_guidance.read_sources(hints_path=str(tmp_path / "nope.csv"))
    (tmp_path / "latin1.csv").write_bytes("path,reference\nété.png,x.jpg\n".encode("latin-1"))
    with pytest.raises(ValueError, match="latin1.csv: not UTF-8 text .* save it as UTF-8 CSV with the header "
                                         "path,reference"):
        colorize_guidance.read_sources(references_path=str(tmp_path / "latin1.csv"))
    with pytest.raises(ValueError, match="--reference .* and --references .* cannot be used together"):
        colorize_guidance.read_sources(reference_path="a.jpg", references_path="b.csv")
    with pytest.raises(ValueError, match="--reference .*none.jpg: no such file; give a color photo"):
        colorize_guidance.read_sources(reference_path=str(tmp_path / "none.jpg"))


def test_references_are_relative_to_the_csv_folder_or_absolute_and_hashed_by_content(tmp_path):
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "beach.jpg").write_bytes(b"beach")
    (tmp_path / "forest.jpg").write_bytes(b"forest")
    (tmp_path / "copy.jpg").write_bytes(b"beach")
    csv_path = write(tmp_path / "refs" / "references.csv",
                     f"path,reference\na.png,beach.jpg\nb.png,{tmp_path / 'forest.jpg'}\nc.png,../copy.jpg\n"
                     "d.png,gone.jpg\ne.png,beach.jpg\ne.png,../forest.jpg\n")
    run = colorize_guidance.read_sources(references_path=csv_path).resolve(
        found("a.png", "b.png", "c.png", "d.png", "e.png"), "/photos")

    assert run.of("a.png").reference == run.of("c.png").reference  # one content, one palette
    assert run.of("a.png").reference != run.of("b.png").reference
    assert run.of("b.png").fingerprint == {"reference": run.of("b.png").reference}
    assert len(run.references) == 2
    assert run.refused["d.png"][0] == "bad_reference"
    assert f"gone.jpg ({csv_path} line 5) cannot be read (No such file or directory)" in run.refused["d.png"][1]
    assert run.refused["e.png"] == ("bad_reference", f"{csv_path} names 2 different references for this image "
                                                     "(lines 6, 7): keep one row per image")


def test_one_reference_guides_every_image_and_hints_add_to_it(tmp_path):
    reference = tmp_path / "beach.jpg"
    reference.write_bytes(b"beach")
    csv_path = write(tmp_path / "hints.csv", "path,x,y,color\nb.png,1,1,#808080\n")
    run = colorize_guidance.read_sources(hints_path=csv_path, reference_path=str(reference)).resolve(
        found("a.png", "b.png"), "/photos")
    assert run.of("a.png").fingerprint == {"reference": run.of("b.png").reference}
    assert run.of("b.png").fingerprint == {"hints": [["1", "1", "#808080", ""]], "reference": run.of("a.png").reference}
