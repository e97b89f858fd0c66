"""Tests for the colorize job with --hints, --reference and --references: hints obeyed, bad rows and
references reported, and a change of an image's guidance redoing exactly that image."""

import os

import numpy as np
import pytest
from PIL import Image

from model import color, default_model, hints, inference
from pipeline.colorize import guidance as colorize_guidance, job as colorize
from tests.pipeline.colorize.test_job import files_under, make_config, run
from tests.pipeline.conftest import gray_pattern

HINT_COLOR = "#a05a50"  # a muted red whose luma is GRAY_LEVEL: in gamut on the gray photos below
GRAY_LEVEL = 110
OBEYED_AB = 10.0  # CIE ab units between a hint's color and the output's at its point


def flat_gray(width, height, level=GRAY_LEVEL):
    return Image.fromarray(np.full((height, width), level, dtype=np.uint8))


def color_photo(width, height, rgb):
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[:, : width // 2] = rgb
    pixels[:, width // 2:] = (40, 90, 160)
    return Image.fromarray(pixels)


def ab_at(path, x, y):
    rgb = np.asarray(Image.open(path).convert("RGB"))
    return color.srgb8_to_lab(rgb[y:y + 1, x:x + 1])[0, 0, 1:]


def hint_ab(color_hex):
    hint = hints.hint_from_hex(0, 0, color_hex)
    return np.float32([hint.a, hint.b])


def test_hints_are_obeyed_where_they_are_put_and_bad_rows_are_reported(tiny_guided_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    flat_gray(64, 48).save(source / "a.png")
    # Stored 40 wide and 20 high, shown a quarter turned (EXIF orientation 6): 20 wide, 40 high.
    exif = Image.Exif()
    exif[0x0112] = 6
    flat_gray(40, 20).save(source / "turned.png", exif=exif)
    flat_gray(30, 30).save(source / "bad color.png")
    flat_gray(30, 30).save(source / "outside.png")
    flat_gray(30, 30).save(source / "plain.png")
    csv_path = tmp_path / "hints.csv"
    csv_path.write_text(f"path,x,y,color,radius\na.png,20,16,{HINT_COLOR},\nturned.png,5,30,{HINT_COLOR},1\n"
                        "bad color.png,3,3,#12345,\noutside.png,30,3,#808080,\ngone.png,1,1,#808080,\n")
    report = run(make_config(tiny_guided_model, source, output, hints=str(csv_path)))

    assert report["counts"]["colorized"] == 3 and report["counts"]["failed"] == 2
    failures = {os.path.basename(failure["path"]): failure for failure in report["failures"]}
    assert failures["bad color.png"]["reason"] == "bad_hint"
    assert failures["bad color.png"]["detail"].startswith(f"{csv_path} line 4: color '#12345' is not #rrggbb")
    assert failures["outside.png"]["detail"].startswith(
        f"{csv_path} line 5: the point x=30, y=3 is outside the image, which is 30 x 30 pixels as displayed")
    assert [warning for warning in report["warnings"] if f"{csv_path} line 6" in warning and "gone.png" in warning]
    assert not (output / "bad color.png").exists() and not (output / "outside.png").exists()

    assert np.abs(ab_at(output / "a.png", 20, 16) - hint_ab(HINT_COLOR)).max() <= OBEYED_AB
    assert Image.open(output / "turned.png").size == (20, 40)
    assert np.abs(ab_at(output / "turned.png", 5, 30) - hint_ab(HINT_COLOR)).max() <= OBEYED_AB
    # Far from any hint, the tiny untrained model's own (near gray) colors.
    assert np.abs(ab_at(output / "plain.png", 15, 15) - hint_ab(HINT_COLOR)).max() > OBEYED_AB


def test_a_change_of_an_images_hints_or_reference_redoes_exactly_that_image(tiny_guided_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    names = ["a.png", "b.png", "c.png", "d.png", "e.png", "f.png"]
    for name in names:
        gray_pattern(24, 24).save(source / name)
    color_photo(32, 32, (200, 40, 40)).save(tmp_path / "red.png")
    color_photo(32, 32, (30, 160, 40)).save(tmp_path / "green.png")
    hints_csv, references_csv = tmp_path / "hints.csv", tmp_path / "references.csv"
    hints_csv.write_text("path,x,y,color\na.png,3,3,#ff0000\nb.png,3,3,#00ff00\ne.png,5,5,#0000ff\n")
    references_csv.write_text("path,reference\nc.png,red.png\nf.png,green.png\n")
    config = make_config(tiny_guided_model, source, output, hints=str(hints_csv), references=str(references_csv))
    assert run(config)["counts"]["colorized"] == 6
    assert run(config)["counts"]["up_to_date"] == 6
    before = files_under(output)

    # a's hint changes color, b's hint is removed, d gets one; c's reference photo changes content.
    hints_csv.write_text("path,x,y,color\na.png,3,3,#ee0000\nd.png,2,2,#ffff00\ne.png,5,5,#0000ff\n")
    color_photo(32, 32, (220, 200, 40)).save(tmp_path / "red.png")
    report = run(config)

    redone = {os.path.basename(item["path"]): item["reason"] for item in report["redone"]}
    assert redone == dict.fromkeys(["a.png", "b.png", "c.png", "d.png"], "guidance_changed")
    assert report["counts"]["colorized"] == 4 and report["counts"]["up_to_date"] == 2
    after = files_under(output)
    assert [name for name in names if after[name] != before[name]] == ["a.png", "b.png", "c.png", "d.png"]

    # The reference moved, its content the same: nothing to redo.
    os.rename(tmp_path / "green.png", tmp_path / "green-moved.png")
    references_csv.write_text("path,reference\nc.png,red.png\nf.png,green-moved.png\n")
    assert run(config)["counts"]["up_to_date"] == 6


def test_a_reference_without_color_or_unreadable_fails_the_images_it_guides(tiny_guided_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    for name in ("a.png", "b.png", "c.png", "d.png"):
        gray_pattern(24, 24).save(source / name)
    flat_gray(20, 20).convert("RGB").save(tmp_path / "gray.png")
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    color_photo(32, 32, (200, 40, 40)).save(tmp_path / "red.png")
    references_csv = tmp_path / "references.csv"
    references_csv.write_text("path,reference\na.png,gray.png\nb.png,broken.jpg\nc.png,red.png\n")
    report = run(make_config(tiny_guided_model, source, output, references=str(references_csv)))

    assert report["counts"]["colorized"] == 2  # c with its reference, d without
    failures = {os.path.basename(failure["path"]): failure for failure in report["failures"]}
    assert sorted(failures) == ["a.png", "b.png"]
    assert {failure["reason"] for failure in failures.values()} == {"bad_reference"}
    assert f"gray.png ({references_csv} line 2) is unusable: it is grayscale" in failures["a.png"]["detail"]
    assert f"broken.jpg ({references_csv} line 3) is unusable" in failures["b.png"]["detail"]
    assert sorted(os.listdir(output)) == [".colorize", "c.png", "d.png"]


def test_each_reference_palette_is_computed_once_from_the_photo_as_displayed(tiny_guided_model, tmp_path,
                                                                            monkeypatch):
    exif = Image.Exif()
    exif[0x0112] = 8  # stored turned: the palette is of the upright photo (the same colors, resized alike)
    upright = color_photo(48, 32, (200, 40, 40))
    upright.transpose(Image.Transpose.ROTATE_270).save(tmp_path / "red.png", exif=exif)
    (tmp_path / "references.csv").write_text("path,reference\na.png,red.png\nb.png,red.png\n")
    run_guidance = colorize_guidance.read_sources(references_path=str(tmp_path / "references.csv")).resolve(
        [("/photos/a.png", "a.png"), ("/photos/b.png", "b.png")], "/photos")
    colorizer = inference.load(tiny_guided_model)
    computed = []
    palette_of_photo = inference.palette_of_photo
    monkeypatch.setattr(inference, "palette_of_photo",
                        lambda model, rgb: computed.append(rgb.shape) or palette_of_photo(model, rgb))

    assert run_guidance.load_palettes(colorizer, [("/photos/a.png", "a.png"), ("/photos/b.png", "b.png")]) == {}
    assert computed == [(32, 48, 3)]
    guidance = run_guidance.guidance_for("b.png", 10, 10)
    assert guidance.hints == ()
    np.testing.assert_allclose(guidance.palette, palette_of_photo(colorizer, np.asarray(upright)), atol=1e-6)


def test_an_automatic_model_given_hints_is_refused_before_any_work(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(24, 24).save(source / "a.png")
    (tmp_path / "hints.csv").write_text("path,x,y,color\na.png,3,3,#ff0000\n")
    with pytest.raises(inference.GuidanceUnsupported, match="takes no hints or reference photos"):
        run(make_config(tiny_model, source, output, hints=str(tmp_path / "hints.csv")))
    assert not output.exists()


def test_a_dry_run_with_hints_lists_the_work_and_the_warnings(tiny_guided_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(24, 24).save(source / "a.png")
    (tmp_path / "hints.csv").write_text("path,x,y,color\na.png,3,3,#ff0000\nb.png,3,3,#ff0000\n")
    report = colorize.run_colorize(make_config(tiny_guided_model, source, output, hints=str(tmp_path / "hints.csv"),
                                               dry_run=True), None, argv=["test"])
    assert report["work"] == [str(source / "a.png")]
    assert len(report["warnings"]) == 1 and "line 3" in report["warnings"][0]
    assert not output.exists()


@pytest.mark.slow
def test_the_shipped_model_obeys_a_hint(tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    flat_gray(320, 240).save(source / "wall.png")
    (tmp_path / "hints.csv").write_text(f"path,x,y,color\nwall.png,160,120,{HINT_COLOR}\n")
    report = run(make_config(default_model.path(), source, output, hints=str(tmp_path / "hints.csv")))
    assert report["counts"]["colorized"] == 1
    assert np.abs(ab_at(output / "wall.png", 160, 120) - hint_ab(HINT_COLOR)).max() <= OBEYED_AB


@pytest.mark.slow
def test_with_a_gpu_the_batched_job_obeys_each_images_own_hints(tiny_guided_model, tmp_path, monkeypatch):
    from apache_beam.options.pipeline_options import PipelineOptions

    from tests.pipeline.colorize.test_batching import pretend_a_gpu

    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    colors = {"a.png": HINT_COLOR, "b.png": "#5a7a50", "c.png": None, "d.png": "#50609a"}
    for name in colors:
        flat_gray(64, 48).save(source / name)
    (tmp_path / "hints.csv").write_text("path,x,y,color\n" + "".join(
        f"{name},20,16,{color_hex}\n" for name, color_hex in colors.items() if color_hex))
    made = pretend_a_gpu(monkeypatch)
    config = make_config(tiny_guided_model, source, output, hints=str(tmp_path / "hints.csv"))
    options = PipelineOptions(["--direct_running_mode=multi_threading", "--direct_num_workers=2"])
    assert colorize.run_colorize(config, options, argv=["test"])["counts"]["colorized"] == len(colors)
    assert len(made) == 1 and made[0].images == len(colors) and made[0].calls < len(colors)
    for name, color_hex in colors.items():
        if color_hex:
            assert np.abs(ab_at(output / name, 20, 16) - hint_ab(color_hex)).max() <= OBEYED_AB, name
