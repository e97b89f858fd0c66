"""Tests for pipeline/evaluate/job.py with a tiny untrained model, on shards and on a photo folder."""

import csv
import errno
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from model import bins, inference, metrics, network
from pipeline.evaluate import job as evaluate
from pipeline.io import outputs
from pipeline.prepare import schema
from pipeline.train import dataset

SUMMARY_KEYS = {"images", "mse", "psnr", "mean_image_psnr", "mean_image_psnr_images", "exact_images", "ssim",
                "ciede2000", "blotches", "blotches_worst", "blotches_worst_image", "colorfulness",
                "colorfulness_truth", "colorfulness_ratio"}
TEST_IMAGES = 4  # the shard_folder fixture's test split
FOLDER_SHAPES = [(20, 28), (33, 17), (40, 40)]  # odd sizes, as photos come


@pytest.fixture(scope="module")
def colorizer_factory():
    """temperature -> Colorizer around one tiny untrained network, as the evaluate job builds it."""
    keras.utils.set_random_seed(0)
    model = network.build_colorizer(len(bins.bin_centers()), base_filters=4)
    description = {"ab_bin_centers": bins.bin_centers().tolist(), "default_temperature": 0.5}
    return lambda temperature, saturation: inference.Colorizer.from_description(
        model, description, temperature, saturation=saturation)


def smooth_color_image(height, width, seed):
    blocks = np.random.default_rng(seed).integers(0, 256, size=(2, 3, 3), dtype=np.uint8)
    smooth = tf.image.resize(blocks[None].astype(np.float32), (height, width), method="bilinear")[0]
    return np.clip(np.round(smooth.numpy()), 0, 255).astype(np.uint8)


@pytest.fixture
def photo_folder(tmp_path):
    """Color PNGs of different sizes, one grayscale photo and one corrupt file."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for index, (height, width) in enumerate(FOLDER_SHAPES):
        Image.fromarray(smooth_color_image(height, width, seed=index)).save(folder / f"photo{index}.png")
    Image.fromarray(np.full((16, 16), 90, dtype=np.uint8)).save(folder / "gray.png")
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    return folder


def read_split(folder, split):
    files = dataset.find_shards(str(folder), split)
    records = tf.data.TFRecordDataset(files, compression_type=schema.COMPRESSION)
    return np.stack([schema.parse_example(record)["rgb"].numpy() for record in records])


def config_for(data, output, **options):
    return evaluate.EvaluateConfig(data=str(data), model="tiny-untrained.keras", output=str(output), **options)


@pytest.mark.slow
def test_report_on_shards_has_every_method_and_figure(shard_folder, tmp_path, colorizer_factory):
    report = evaluate.run_evaluate(config_for(shard_folder, tmp_path / "out", temperatures=(0.3, 1.0)),
                                   colorizer_factory)
    assert report["split"] == "test"
    assert set(report["methods"]) == {"model_t0.3", "model_t1"}
    for summary in [report["grayscale_copy"], *report["methods"].values()]:
        assert SUMMARY_KEYS <= set(summary)
        assert summary["images"] == TEST_IMAGES
        assert 0.0 < summary["mse"] < 1.0 and 0.0 <= summary["ciede2000"] and -1.0 <= summary["ssim"] <= 1.0
        assert 0.0 <= summary["blotches"] <= summary["blotches_worst"] <= 1.0
    assert report["grayscale_copy"]["blotches_worst"] == 0.0  # gray is never vivid
    assert report["skipped"] == []
    assert json.loads((tmp_path / "out" / "report.json").read_text()) == json.loads(json.dumps(report))
    # Its outputs and nothing else: no empty folder of temporary files left behind.
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["grid.png", "per_image.csv", "report.json"]


@pytest.mark.slow
def test_grayscale_copy_figures_are_the_metrics_of_the_gray_images(shard_folder, tmp_path, colorizer_factory):
    report = evaluate.run_evaluate(config_for(shard_folder, tmp_path / "out", split="validation", batch_size=4),
                                   colorizer_factory)
    truth = read_split(shard_folder, "validation")
    gray = inference.gray_copy(truth)
    per_image = metrics.batch_metrics(gray, truth)
    summary = report["grayscale_copy"]
    assert summary["images"] == len(truth)
    assert summary["mse"] == pytest.approx(metrics.mse(gray, truth))
    assert summary["psnr"] == pytest.approx(metrics.psnr_from_mse(metrics.mse(gray, truth)))
    assert summary["mean_image_psnr"] == pytest.approx(np.mean(per_image["psnr"]))
    assert summary["ssim"] == pytest.approx(np.mean(per_image["ssim"]), abs=1e-6)
    assert summary["ciede2000"] == pytest.approx(np.mean(per_image["ciede2000"]))
    assert summary["colorfulness"] == pytest.approx(np.mean(metrics.colorfulness(gray)))
    assert summary["colorfulness_truth"] == pytest.approx(np.mean(metrics.colorfulness(truth)))


@pytest.mark.slow
def test_grid_shows_gray_colorized_and_truth_side_by_side(shard_folder, tmp_path, colorizer_factory):
    evaluate.run_evaluate(config_for(shard_folder, tmp_path / "out", grid=3), colorizer_factory)
    grid = np.asarray(Image.open(tmp_path / "out" / "grid.png").convert("RGB"))
    cell = evaluate.GRID_CELL + evaluate.GRID_GAP
    assert grid.shape == (3 * cell - evaluate.GRID_GAP, evaluate.GRID_COLUMNS * cell - evaluate.GRID_GAP, 3)
    truth = read_split(shard_folder, "test")[0]
    # 16-pixel images are enlarged tenfold by repetition: pixel (80, 80) of a cell is pixel (8, 8).
    middle = evaluate.GRID_CELL // 2
    gray_pixel = grid[middle, middle].astype(int)
    assert gray_pixel.max() - gray_pixel.min() <= 1
    np.testing.assert_array_equal(grid[middle, 2 * cell + middle], truth[8, 8])


@pytest.mark.slow
def test_a_full_disk_leaves_no_half_written_report(shard_folder, tmp_path, colorizer_factory, monkeypatch):
    def replace_on_a_full_disk(source, target):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), target)

    monkeypatch.setattr(outputs.os, "replace", replace_on_a_full_disk)
    with pytest.raises(outputs.OutputError, match="No space left on device"):
        evaluate.run_evaluate(config_for(shard_folder, tmp_path / "out"), colorizer_factory)
    written = [name for _, _, names in os.walk(tmp_path / "out") for name in names]
    assert written == []  # neither a partial report.json nor a temporary file


@pytest.mark.slow
def test_folder_of_photos_of_different_sizes(photo_folder, tmp_path, colorizer_factory):
    report = evaluate.run_evaluate(config_for(photo_folder, tmp_path / "out"), colorizer_factory)
    assert report["split"] is None
    assert report["grayscale_copy"]["images"] == len(FOLDER_SHAPES)
    assert report["methods"]["model_t0.5"]["images"] == len(FOLDER_SHAPES)
    assert sorted(item["reason"] for item in report["skipped"]) == ["grayscale", "not_an_image"]

    photos = [np.asarray(Image.open(photo_folder / f"photo{index}.png")) for index in range(len(FOLDER_SHAPES))]
    squared = [metrics.squared_error_sum(inference.gray_copy(photo[None])[0], photo) for photo in photos]
    # The aggregate MSE is over all pixels of all images, so larger images weigh more.
    expected_mse = sum(total for total, _ in squared) / sum(count for _, count in squared)
    assert report["grayscale_copy"]["mse"] == pytest.approx(expected_mse)
    expected_psnr = [metrics.psnr_from_mse(total / count) for total, count in squared]
    assert report["grayscale_copy"]["mean_image_psnr"] == pytest.approx(np.mean(expected_psnr))
    assert (tmp_path / "out" / "grid.png").exists()


@pytest.mark.slow
def test_summary_table_has_a_line_per_method_and_the_truth(photo_folder, tmp_path, colorizer_factory):
    report = evaluate.run_evaluate(config_for(photo_folder, tmp_path / "out"), colorizer_factory)
    lines = evaluate.summary_table(report).splitlines()
    assert lines[1].startswith("grayscale copy") and lines[2].startswith("model_t0.5")
    assert lines[3].startswith("ground truth")
    assert "skipped 2 files" in lines[-1]


def test_summary_table_columns_line_up_under_long_method_names():
    values = {"images": 112, "mse": 0.00632, "psnr": 21.99, "mean_image_psnr": 23.85, "ssim": 0.933,
              "ciede2000": 9.18, "blotches": 0.023, "colorfulness": 29.3, "colorfulness_truth": 40.0,
              "exact_images": 0, "blotches_worst": 0.406, "blotches_worst_image": "pan.webp"}
    report = {"grayscale_copy": values, "methods": {"model_t0.7_s1.79_a0.5": values, "model_t0.5": values},
              "skipped": []}
    table = evaluate.summary_table(report).splitlines()[:5]
    assert len({len(line) for line in table}) == 1  # header, three methods and the truth, one width
    assert {line.index("112") + 3 for line in table[1:4]} == {table[0].index("images") + 6}  # right-aligned


def test_a_folder_s_total_for_progress_is_its_image_files(photo_folder):
    _, _, total = evaluate.folder_images(str(photo_folder), 10**9)
    assert total == len(FOLDER_SHAPES) + 2  # the gray photo and broken.jpg are only found out when read


@pytest.mark.slow
def test_progress_on_a_folder_counts_of_its_total(photo_folder, tmp_path, colorizer_factory, monkeypatch):
    totals = []

    class Recorded(evaluate.Progress):
        def __init__(self, what, total=None, **options):
            totals.append(total)
            super().__init__(what, total, **options)

    monkeypatch.setattr(evaluate, "Progress", Recorded)
    evaluate.run_evaluate(config_for(photo_folder, tmp_path / "out"), colorizer_factory)
    evaluate.run_evaluate(config_for(photo_folder, tmp_path / "limited", limit=2), colorizer_factory)
    assert totals == [len(FOLDER_SHAPES) + 2, 2]


def test_folder_of_only_grayscale_images_needs_color_ground_truth(tmp_path, colorizer_factory):
    folder = tmp_path / "gray-photos"
    folder.mkdir()
    for index in range(2):
        Image.fromarray(np.full((16, 24), 40 * index, dtype=np.uint8)).save(folder / f"gray{index}.png")
    with pytest.raises(ValueError, match="color ground truth") as raised:
        evaluate.run_evaluate(config_for(folder, tmp_path / "out"), colorizer_factory)
    assert "2 skipped" in str(raised.value)
    assert not (tmp_path / "out" / "report.json").exists()


def test_empty_folder_is_an_error(tmp_path, colorizer_factory):
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(ValueError, match="holds no files"):
        evaluate.run_evaluate(config_for(folder, tmp_path / "out"), colorizer_factory)


def test_missing_split_is_an_error(shard_folder, tmp_path, colorizer_factory):
    with pytest.raises(ValueError, match="no 'holdout' split"):
        evaluate.run_evaluate(config_for(shard_folder, tmp_path / "out", split="holdout"), colorizer_factory)


@pytest.mark.slow
def test_saturations_are_reported_as_their_own_methods(shard_folder, tmp_path, colorizer_factory):
    report = evaluate.run_evaluate(config_for(shard_folder, tmp_path / "out", saturations=(1.0, 1.5)),
                                   colorizer_factory)
    assert set(report["methods"]) == {"model_t0.5", "model_t0.5_s1.5"}
    assert report["default_saturation"] == 1.0
    plain, vivid = report["methods"]["model_t0.5"], report["methods"]["model_t0.5_s1.5"]
    assert vivid["colorfulness"] > plain["colorfulness"]


def test_method_names_show_every_decoding_setting_that_is_not_off():
    model = network.build_colorizer(len(bins.bin_centers()), base_filters=4)

    def name(**settings):
        return evaluate.method_name(inference.Colorizer(model, bins.bin_centers(), **settings))

    assert name(temperature=0.5) == "model_t0.5"
    assert name(temperature=0.7, saturation=1.55) == "model_t0.7_s1.55"
    assert name(temperature=0.7, saturation=1.55, agreement_power=0.5) == "model_t0.7_s1.55_a0.5"
    assert name(temperature=1.0, agreement_power=1.0) == "model_t1_a1"


def test_per_image_csv_has_a_row_per_image_and_method(shard_folder, tmp_path, colorizer_factory):
    report = evaluate.run_evaluate(config_for(shard_folder, tmp_path / "out"), colorizer_factory)
    with open(tmp_path / "out" / evaluate.PER_IMAGE_NAME, encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert {row["method"] for row in rows} == {"grayscale_copy", "model_t0.5"}
    model_rows = [row for row in rows if row["method"] == "model_t0.5"]
    assert len(model_rows) == TEST_IMAGES and len({row["id"] for row in model_rows}) == TEST_IMAGES
    assert set(model_rows[0]) == {"method", "id", "label", *evaluate.METRICS}
    assert {"mse", "psnr", "blotches"} <= set(evaluate.METRICS)
    assert {row["blotches"] for row in rows if row["method"] == "grayscale_copy"} == {"0"}
    # Images of one size: the mean of per-image MSE is the aggregate MSE.
    assert np.mean([float(row["mse"]) for row in model_rows]) == pytest.approx(report["methods"]["model_t0.5"]["mse"],
                                                                              rel=1e-4)


def test_mean_image_psnr_compares_every_method_over_the_same_images():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    truth[1] = truth[1, ..., :1]  # already gray: its grayscale copy is exact
    gray, model = evaluate.Accumulator(), evaluate.Accumulator()
    gray.add(inference.gray_copy(truth), truth, [0, 0, 0])
    model.add(np.clip(truth.astype(int) + 3, 0, 255).astype(np.uint8), truth, [0, 0, 0])
    compared = metrics.comparable_images([gray.per_image["psnr"], model.per_image["psnr"]])
    assert compared.tolist() == [True, False, True]
    gray_summary, model_summary = gray.summary(compared=compared), model.summary(compared=compared)
    assert gray_summary["exact_images"] == 1 and model_summary["exact_images"] == 0
    assert model_summary["mean_image_psnr_images"] == gray_summary["mean_image_psnr_images"] == 2
    assert model_summary["mean_image_psnr"] == pytest.approx(np.mean(np.array(model.per_image["psnr"])[[0, 2]]))
    assert gray_summary["mean_image_psnr"] == pytest.approx(np.mean(np.array(gray.per_image["psnr"])[[0, 2]]))


def test_blotches_are_pooled_over_all_pixels_and_the_worst_image_named():
    # A gray 8x8 truth; a 4x4 one. Output: a pure blue quarter of the large image (16 of 64
    # pixels) and all of the small one (16 of 16): 32 of 80 pixels pooled, 0.625 by image mean.
    large_truth = np.full((1, 8, 8, 3), 128, dtype=np.uint8)
    small_truth = np.full((1, 4, 4, 3), 128, dtype=np.uint8)
    large_output, small_output = large_truth.copy(), small_truth.copy()
    large_output[0, :4, :4] = small_output[0] = (0, 0, 255)
    model = evaluate.Accumulator()
    model.add(large_output, large_truth, [schema.NO_LABEL], ["large.png"])
    model.add(small_output, small_truth, [schema.NO_LABEL], ["small.png"])
    summary = model.summary()
    assert model.per_image["blotches"] == [0.25, 1.0]
    assert summary["blotches"] == pytest.approx(32 / 80)
    assert summary["blotches_worst"] == 1.0 and summary["blotches_worst_image"] == "small.png"


@pytest.fixture(scope="module")
def guided_factory(tiny_guided_model):
    model, description = inference.load_colorizer(tiny_guided_model)
    return lambda temperature, saturation: inference.Colorizer.from_description(
        model, description, temperature, saturation=saturation)


def test_hints_measure_every_count_learned_and_spread_in_one_run(photo_folder, tmp_path, guided_factory):
    report = evaluate.run_evaluate(config_for(photo_folder, tmp_path / "eval", hints=(0, 1, 3), grid=0),
                                   guided_factory)
    base = next(iter(report["methods"]))
    assert list(report["methods"]) == [base, f"{base}_hints1", f"{base}_spread1", f"{base}_hints3",
                                       f"{base}_spread3"]
    assert report["hints"] == {"counts": [0, 1, 3], "seed": 29}
    psnr = {name: values["psnr"] for name, values in report["methods"].items()}
    # True hints move the colors toward the truth; with the tiny model's guidance at zero, the
    # learned and the spread give the same pixels.
    assert psnr[f"{base}_hints3"] > psnr[base]
    assert psnr[f"{base}_hints3"] == pytest.approx(psnr[f"{base}_spread3"])
    with open(tmp_path / "eval" / evaluate.PER_IMAGE_NAME, newline="") as file:
        rows = list(csv.DictReader(file))
    assert {row["method"] for row in rows} == {"grayscale_copy", *report["methods"]}
    assert sum(row["method"] == f"{base}_hints1" for row in rows) == len(FOLDER_SHAPES)
    again = evaluate.run_evaluate(config_for(photo_folder, tmp_path / "again", hints=(3,), grid=0), guided_factory)
    assert again["methods"][f"{base}_hints3"]["psnr"] == psnr[f"{base}_hints3"]  # the same draws


def test_hints_need_a_guided_model_and_counts_of_zero_or_more(photo_folder, tmp_path, colorizer_factory,
                                                              guided_factory):
    with pytest.raises(ValueError, match="takes no hints"):
        evaluate.run_evaluate(config_for(photo_folder, tmp_path / "e", hints=(0, 3)), colorizer_factory)
    with pytest.raises(ValueError, match="0 or more"):
        evaluate.run_evaluate(config_for(photo_folder, tmp_path / "e", hints=(-1,)), guided_factory)
