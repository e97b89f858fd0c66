"""Tests for pipeline/colorize.py: one file's bytes, the Beam composite, then whole colorize runs."""

import errno
import functools
import io
import json
import os
import pathlib
import threading
import time

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to
from PIL import ExifTags, Image

from model import inference
from pipeline import colorize, images, outputs

IN_PROCESS = ["--direct_running_mode=in_memory"]
LIGHTNESS_TOLERANCE = 0.5  # mean |L in - L out| in L units (0-100) for a lossless format
JPEG_LIGHTNESS_TOLERANCE = 1.5  # re-encoding as JPEG adds its own small error to the rounding
MIN_CHROMA = 2.0  # mean channel spread (8-bit) above which an output counts as colorized


def in_process_pipeline():
    return test_pipeline.TestPipeline(options=PipelineOptions(IN_PROCESS))


def gray_pattern(width, height):
    """An 8-bit gray image of diagonal ramps, so every row and column differ."""
    row, column = np.mgrid[0:height, 0:width]
    return Image.fromarray(((column * 3 + row * 5) % 256).astype(np.uint8))


def color_picture(width, height):
    """An RGB image with color everywhere: red rises down the rows, green across the columns."""
    row, column = np.meshgrid(np.linspace(40, 220, height), np.linspace(30, 230, width), indexing="ij")
    return Image.fromarray(np.stack([row, column, np.full_like(row, 90)], axis=-1).astype(np.uint8))


def encode(image, pillow_format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=pillow_format, **options)
    return buffer.getvalue()


def chroma(rgb):
    """Mean spread between the largest and smallest channel: 0 for gray."""
    return float(np.mean(rgb.max(axis=-1).astype(np.int16) - rgb.min(axis=-1)))


def lightness_difference(input_data, output_data):
    """Mean |L| difference between an input file's decoded pixels and its output's."""
    source = images.to_rgb(images.open_image(input_data))
    result = np.asarray(Image.open(io.BytesIO(output_data)).convert("RGB"))
    return float(np.mean(np.abs(inference.lightness_of(source) - inference.lightness_of(result))))


@pytest.fixture(scope="module")
def colorize_pixels(tiny_model):
    """The colorize function the DoFn uses, with the tiny model loaded once for this module."""
    colorizer = inference.load(tiny_model)
    return functools.partial(inference.colorize_image, colorizer)


def make_config(tiny_model, source, output, **changes):
    return colorize.ColorizeConfig(input=str(source), output=str(output), model=tiny_model, **changes)


def run(config):
    return colorize.run_colorize(config, PipelineOptions(IN_PROCESS), argv=["test"])


def files_under(folder):
    """Relative path -> modification time (ns) of every file under a folder."""
    return {os.path.relpath(os.path.join(directory, name), folder): os.stat(os.path.join(directory, name)).st_mtime_ns
            for directory, _, names in os.walk(folder) for name in names}


# ---------------------------------------------------------------------------------------
# One file: formats, modes, transparency, orientation and the reasons for refusing it.


@pytest.mark.parametrize("extension, pillow_format", [
    (".jpg", "JPEG"), (".png", "PNG"), (".webp", "WEBP"), (".tif", "TIFF"), (".bmp", "BMP")])
def test_each_format_is_written_back_in_its_own_format_at_its_own_size(colorize_pixels, extension, pillow_format):
    data = encode(gray_pattern(53, 37), pillow_format)
    status, output, _ = colorize.colorize_image_bytes(data, f"scan{extension}", colorize_pixels)
    result = Image.open(io.BytesIO(output))
    assert status == "colorized"
    assert (result.format, result.size) == (pillow_format, (53, 37))
    assert chroma(np.asarray(result.convert("RGB"))) > MIN_CHROMA
    lossy = pillow_format in ("JPEG", "WEBP")
    assert lightness_difference(data, output) < (JPEG_LIGHTNESS_TOLERANCE if lossy else LIGHTNESS_TOLERANCE)


def _png_with_alpha(mode):
    """A 41x29 PNG in `mode` with transparency: an alpha ramp, or palette entry 0 transparent."""
    if mode == "P":
        return encode(color_picture(41, 29).quantize(colors=16), "PNG", transparency=0)
    image = gray_pattern(41, 29).convert(mode)
    image.putalpha(Image.fromarray(np.tile(np.linspace(0, 255, 41).astype(np.uint8), (29, 1))))
    return encode(image, "PNG")


@pytest.mark.parametrize("mode", ["LA", "RGBA", "P"])
def test_transparency_is_kept_exactly(colorize_pixels, mode):
    data = _png_with_alpha(mode)
    _, output, _ = colorize.colorize_image_bytes(data, "logo.png", colorize_pixels)
    result = Image.open(io.BytesIO(output))
    expected_alpha = np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))[..., 3]
    assert result.mode == "RGBA" and result.size == (41, 29)
    np.testing.assert_array_equal(np.asarray(result)[..., 3], expected_alpha)
    if mode == "P":
        assert (expected_alpha == 0).any() and (expected_alpha == 255).any()


def test_gray_mode_l_png_becomes_rgb_with_the_same_lightness(colorize_pixels):
    data = encode(gray_pattern(37, 53), "PNG")
    _, output, _ = colorize.colorize_image_bytes(data, "old photo.png", colorize_pixels)
    result = Image.open(io.BytesIO(output))
    assert result.mode == "RGB" and result.size == (37, 53)
    assert lightness_difference(data, output) < LIGHTNESS_TOLERANCE


def test_cmyk_jpeg_becomes_an_rgb_jpeg(colorize_pixels):
    data = encode(color_picture(23, 31).convert("CMYK"), "JPEG")
    _, output, _ = colorize.colorize_image_bytes(data, "print.jpg", colorize_pixels)
    result = Image.open(io.BytesIO(output))
    assert (result.format, result.mode, result.size) == ("JPEG", "RGB", (23, 31))


def test_sixteen_bit_png_keeps_its_lightness_scaled_to_eight_bits(colorize_pixels):
    deep = Image.fromarray(np.linspace(2_000, 60_000, 40 * 30).reshape(30, 40).astype(np.uint16))
    data = encode(deep, "PNG")
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    _, output, _ = colorize.colorize_image_bytes(data, "scan.png", colorize_pixels)
    assert Image.open(io.BytesIO(output)).size == (40, 30)
    assert lightness_difference(data, output) < LIGHTNESS_TOLERANCE


def test_exif_rotated_jpeg_is_written_upright(colorize_pixels):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored 40 wide and 24 tall, shown turned a quarter clockwise
    data = encode(gray_pattern(40, 24).convert("RGB"), "JPEG", exif=exif)
    _, output, _ = colorize.colorize_image_bytes(data, "phone.jpg", colorize_pixels)
    result = Image.open(io.BytesIO(output))
    assert result.size == (24, 40)
    assert result.getexif().get(ExifTags.Base.Orientation, 1) == 1


def test_camera_jpeg_with_a_preview_frame_is_one_picture_not_an_animation(colorize_pixels):
    picture = gray_pattern(40, 30).convert("RGB")
    data = encode(picture, "MPO", save_all=True, append_images=[picture.resize((20, 15))])
    status, output, _ = colorize.colorize_image_bytes(data, "camera.jpg", colorize_pixels)
    assert status == "colorized" and Image.open(io.BytesIO(output)).size == (40, 30)


def test_color_input_is_colorized_by_default_and_copied_byte_for_byte_with_keep_color(colorize_pixels):
    data = encode(color_picture(30, 20), "JPEG")
    status, output, _ = colorize.colorize_image_bytes(data, "color.jpg", colorize_pixels)
    assert status == "colorized" and output != data
    status, output, colorized = colorize.colorize_image_bytes(data, "color.jpg", colorize_pixels, keep_color=True)
    assert (status, output, colorized) == ("passed_through", data, None)
    status, _, _ = colorize.colorize_image_bytes(encode(gray_pattern(30, 20), "JPEG"), "gray.jpg", colorize_pixels,
                                                 keep_color=True)
    assert status == "colorized"


def _animation():
    frames = [color_picture(25, 19).convert("P"), color_picture(25, 19).rotate(180).convert("P")]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def _truncated_jpeg():
    jpeg = encode(color_picture(50, 36), "JPEG")
    start_of_scan = jpeg.index(b"\xff\xda")  # the header ends here; the compressed pixels follow
    return jpeg[: (start_of_scan + len(jpeg)) // 2]


@pytest.mark.parametrize("name, make_data, reason", [
    ("random.jpg", lambda: np.random.default_rng(0).integers(0, 256, 3_000, dtype=np.uint8).tobytes(),
     "not_an_image"),
    ("notes.png", lambda: b"holiday photos, 2019\n", "not_an_image"),
    ("cut.jpg", _truncated_jpeg, "corrupt"),
    ("empty.png", lambda: b"", "empty"),
    ("animated.jpg", _animation, "animated"),  # frames that a JPEG cannot hold
    ("dot.png", lambda: encode(gray_pattern(1, 1), "PNG"), "too_small"),
    ("big.png", lambda: encode(gray_pattern(60, 50), "PNG"), "too_large"),
    ("scan.pcx", lambda: encode(gray_pattern(20, 20), "PCX"), "unsupported_format"),
])
def test_unusable_file_is_refused_with_its_reason(colorize_pixels, name, make_data, reason):
    with pytest.raises(images.UnusableImage) as refused:
        colorize.colorize_image_bytes(make_data(), name, colorize_pixels, max_pixels=2_000)
    assert refused.value.reason == reason and refused.value.detail


# ---------------------------------------------------------------------------------------
# Listing the input: links stay inside it, temporaries are skipped, names are kept.


def test_links_are_followed_only_inside_the_input(tmp_path):
    source, outside = tmp_path / "photos", tmp_path / "private"
    (source / "album").mkdir(parents=True)
    outside.mkdir()
    gray_pattern(20, 20).save(source / "album" / "a.png")
    gray_pattern(20, 20).save(outside / "secret.png")
    (source / "inside.png").symlink_to(source / "album" / "a.png")
    (source / "escape.png").symlink_to(outside / "secret.png")
    (source / "loop-a.png").symlink_to(source / "loop-b.png")
    (source / "loop-b.png").symlink_to(source / "loop-a.png")
    (source / "private folder").symlink_to(outside, target_is_directory=True)

    found, refused = colorize.list_inputs(str(source))

    assert sorted(relative for _, relative in found) == ["album/a.png", "inside.png"]
    assert {os.path.basename(failure["path"]): failure["reason"] for failure in refused} == {
        "escape.png": "bad_link", "loop-a.png": "bad_link", "loop-b.png": "bad_link", "private folder": "bad_link"}
    assert all(failure["detail"] for failure in refused)
    assert str(outside) in next(f["detail"] for f in refused if f["path"].endswith("escape.png"))


def test_glob_lists_matching_files_relative_to_the_folder_before_the_pattern(tmp_path):
    (tmp_path / "scans" / "box 1").mkdir(parents=True)
    for name in ("top.tif", "box 1/inner.tif", "box 1/inner.png"):
        gray_pattern(10, 10).save(tmp_path / "scans" / name)
    found, _ = colorize.list_inputs(str(tmp_path / "scans" / "*" / "*.tif"))
    assert [relative for _, relative in found] == ["box 1/inner.tif"]


def test_a_folder_with_glob_characters_in_its_name_is_a_folder(tmp_path):
    folder = tmp_path / "Holiday [2019]"
    folder.mkdir()
    gray_pattern(10, 10).save(folder / "beach.png")
    found, refused = colorize.list_inputs(str(folder))
    assert (found, refused) == ([(str(folder / "beach.png"), "beach.png")], [])


# ---------------------------------------------------------------------------------------
# The Beam composite on TestPipeline.


def outputs_are_full_size_colorized(expected_outputs):
    """A matcher: one `colorized` result per expected output path, with its megapixels."""
    def check(results):
        by_output = {result["output"]: result for result in results}
        assert sorted(by_output) == sorted(expected_outputs), sorted(by_output)
        for output, megapixels in expected_outputs.items():
            assert by_output[output]["status"] == "colorized", by_output[output]
            assert by_output[output]["megapixels"] == megapixels, by_output[output]
    return check


def test_colorize_images_writes_full_resolution_outputs_with_the_input_lightness(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    (source / "odd").mkdir(parents=True)
    gray_pattern(53, 37).save(source / "odd" / "small.png")
    gray_pattern(900, 600).save(source / "large.png")
    (source / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    config = make_config(tiny_model, source, output)
    work, _ = colorize.list_inputs(str(source))
    work.append((str(source / "gone.png"), "gone.png"))  # deleted between listing and reading

    with in_process_pipeline() as pipeline:
        outputs = pipeline | "ColorizeImages" >> colorize.ColorizeImages(config, work)
        assert_that(outputs.results, outputs_are_full_size_colorized({
            str(output / "odd" / "small.png"): 0.002, str(output / "large.png"): 0.54}), label="CheckResults")
        reasons = outputs[colorize.FAILURE_TAG] | "Reasons" >> beam.Map(
            lambda failure: (os.path.basename(failure["path"]), failure["reason"]))
        assert_that(reasons, equal_to([("broken.png", "not_an_image"), ("gone.png", "unreadable")]), label="CheckFailures")

    for relative_path, size in [("odd/small.png", (53, 37)), ("large.png", (900, 600))]:
        result = Image.open(output / relative_path)
        assert (result.format, result.mode, result.size) == ("PNG", "RGB", size)
        data_in, data_out = (source / relative_path).read_bytes(), (output / relative_path).read_bytes()
        assert lightness_difference(data_in, data_out) < LIGHTNESS_TOLERANCE
        assert chroma(np.asarray(result)) > MIN_CHROMA
    assert not (output / "broken.png").exists()


def test_an_output_folder_with_glob_characters_in_its_name_gets_the_results_and_the_report(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "Holiday [2019] colorized"  # Beam's sinks glob their path
    source.mkdir()
    gray_pattern(20, 20).save(source / "a.png")
    (source / "broken.jpg").write_bytes(b"not a jpeg")
    report = run(make_config(tiny_model, source, output))

    assert (report["counts"]["colorized"], report["counts"]["failed"]) == (1, 1)
    assert [failure["reason"] for failure in report["failures"]] == ["not_an_image"]
    assert sorted(path.name for path in output.iterdir()) == [outputs.JOB_FOLDER, "a.png"]
    assert os.path.exists(colorize.report_path(str(output)))


def test_compare_writes_the_input_and_the_result_side_by_side(tiny_model, tmp_path):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(40, 30).save(source / "scan.png")
    config = make_config(tiny_model, source, output, compare=True)
    report = run(config)

    assert report["counts"]["colorized"] == 1
    side_by_side = np.asarray(Image.open(colorize.compare_path_for(config, "scan.png")))
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

    sheet_path = output / outputs.JOB_FOLDER / colorize.CONTACT_SHEET_NAME
    sheet = Image.open(sheet_path)
    assert sheet.format == "JPEG" and sheet.width > 3 * colorize.CONTACT_CELL
    assert report["contact_sheet"] == {"path": str(sheet_path), "images": 3, "of": 3}
    pixels = np.asarray(sheet)
    first_cell = pixels[8:8 + colorize.CONTACT_CELL, 8:8 + colorize.CONTACT_CELL]
    assert first_cell.std() > 10  # a picture, not blank paper
    assert not sheet_path.with_suffix(".json").exists()

    rerun = run(make_config(tiny_model, source, output, contact_sheet=True))  # nothing new: no new sheet
    assert "contact_sheet" not in rerun


# ---------------------------------------------------------------------------------------
# Whole runs: re-runs and names.

ODD_NAMES = ["a photo.png", "Ünïcode ß.jpg", "sub folder/été/ça va.png"]


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
    assert "redone 1 earlier outputs: 1 because the input changed" in colorize.summarize(report)
    assert run(config)["counts"]["up_to_date"] == 2  # the touched file's new timestamps are recorded


def test_an_input_changed_while_it_is_read_is_redone_by_the_next_run(tiny_model, tmp_path, monkeypatch):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(40, 30).save(source / "scan.png")
    config = make_config(tiny_model, source, output)
    colorize_old_bytes = colorize.colorize_image_bytes

    def colorize_while_the_scanner_rewrites_the_file(data, path, *args, **kwargs):
        gray_pattern(44, 32).save(path)  # the new version lands after the old one was read
        return colorize_old_bytes(data, path, *args, **kwargs)

    monkeypatch.setattr(colorize, "colorize_image_bytes", colorize_while_the_scanner_rewrites_the_file)
    run(config)
    monkeypatch.undo()
    assert Image.open(output / "scan.png").size == (40, 30)  # the old picture's result, written after the change

    report = run(config)
    assert [redone["reason"] for redone in report["redone"]] == ["input_changed"]
    assert Image.open(output / "scan.png").size == (44, 32)


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
    assert "2 outputs have no input any more" in colorize.summarize(listed)
    assert (output / "album" / "gone.png").exists()

    removed = run(make_config(tiny_model, source, output, remove_orphans=True))
    assert removed["removed_orphans"] == 1
    assert not (output / "album" / "gone.png").exists()
    assert not os.path.exists(colorize.compare_path_for(make_config(tiny_model, source, output), "album/gone.png"))
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
        assert Image.open(colorize.compare_path_for(config, name)).size == (2 * (30 + index) + 8, 20), name
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
    written = json.loads(pathlib.Path(colorize.report_path(str(output))).read_bytes().decode("utf-8"))
    assert written["failures"] == report["failures"]
    assert "pip\\xe9.png: not_a_file: a FIFO" in colorize.summarize(report).encode("utf-8").decode("utf-8")
    rerun = run(make_config(tiny_model, source, output))  # the state record keeps the name as it is
    assert rerun["counts"] == {**rerun["counts"], "colorized": 0, "up_to_date": 2, "failed": 2}


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
        [outputs.LOCK_NAME, outputs.STATE_NAME, colorize.REPORT_NAME, outputs.TEMPORARY_FOLDER])
    assert os.listdir(job_folder / outputs.TEMPORARY_FOLDER) == []
    for name in names:
        with Image.open(output / name) as result:
            result.load()
            assert result.size == (30, 20)


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
    assert (output / "a.png").exists() and not (output / outputs.JOB_FOLDER / outputs.STATE_NAME).exists()

    report = run(config)
    assert (report["counts"]["up_to_date"], report["failures"]) == (1, [])


class JsonOnAFullDisk:
    """The json module for pipeline/colorize.py, except that its Beam steps' result lines fail on a full disk."""

    loads = staticmethod(json.loads)

    @staticmethod
    def dumps(value, **options):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/full/disk/results")


@pytest.mark.parametrize("mode", [IN_PROCESS, ["--direct_running_mode=multi_threading", "--direct_num_workers=2"]])
def test_a_full_disk_in_beams_own_step_ends_the_run_with_a_report_and_the_records(
        tiny_model, tmp_path, monkeypatch, mode):
    source, output = tmp_path / "photos", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(40, 30).save(source / "a.png")
    config = make_config(tiny_model, source, output)
    monkeypatch.setattr(colorize, "json", JsonOnAFullDisk)

    report = colorize.run_colorize(config, PipelineOptions(mode), argv=["test"])

    assert report["stopped"].startswith("cannot write /full/disk/results (No space left on device)")
    assert json.loads(pathlib.Path(colorize.report_path(str(output))).read_text())["stopped"] == report["stopped"]
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
    assert not (output / "a.png").exists() and not os.path.exists(colorize.report_path(str(output)))


def test_glob_double_star_matches_files_at_every_depth_and_star_stays_in_its_folder():
    from pipeline.files import glob_to_regex

    recursive = glob_to_regex("**/*.tif")
    assert recursive.fullmatch("top.tif") and recursive.fullmatch("a/b/deep.tif")
    assert not recursive.fullmatch("a/b/deep.jpg")
    flat = glob_to_regex("*.jpg")
    assert flat.fullmatch("a.jpg") and not flat.fullmatch("sub/a.jpg")
    assert glob_to_regex("scan[0-9].png").fullmatch("scan7.png")


def test_pixel_budget_keeps_big_images_from_overlapping_and_lets_small_ones_share():
    budget = colorize.PixelBudget(100)
    peak, lock = [0], threading.Lock()

    def work(pixels):
        with budget.reserve(pixels):
            with lock:
                peak[0] = max(peak[0], budget.in_use)
            time.sleep(0.1)

    def run_all(sizes):
        peak[0] = 0
        threads = [threading.Thread(target=work, args=(size,)) for size in sizes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert not any(thread.is_alive() for thread in threads)
        return peak[0]

    assert run_all([60, 60, 60]) == 60  # never two at once
    assert run_all([500, 500]) == 100  # larger than the budget: alone, and not stuck
    assert run_all([30, 30, 30]) == 90  # small ones share
    assert budget.in_use == 0
