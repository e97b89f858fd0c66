"""bench/compare_evaluations.py: the sign test and the bootstrap interval that say whether a split is more than chance."""

import csv
import sys

import numpy as np
import pytest


def test_the_sign_test_gives_the_exact_binomial_odds_of_a_split(compare):
    assert compare.sign_test(5, 5) == 1.0
    assert compare.sign_test(9, 1) == pytest.approx(22 / 1024)  # 2 * (1 + 10) / 2**10
    assert compare.sign_test(1, 9) == compare.sign_test(9, 1)
    assert compare.sign_test(10, 0) == pytest.approx(2 / 1024)
    assert compare.sign_test(0, 0) == 1.0
    assert 0.3 < compare.sign_test(61, 51) < 0.5  # step 12 against step 8 on 112 test photos: chance


def test_the_median_interval_holds_the_median_and_narrows_with_more_images(compare):
    rng = np.random.default_rng(1)
    few, many = rng.normal(0.1, 1.0, 30), rng.normal(0.1, 1.0, 3000)
    low_few, high_few = compare.median_interval(few)
    low_many, high_many = compare.median_interval(many)
    assert low_few <= np.median(few) <= high_few and low_many <= np.median(many) <= high_many
    assert high_many - low_many < (high_few - low_few) / 4
    assert compare.median_interval(few) == (low_few, high_few)  # seeded: the same figures every run
    assert compare.median_interval(np.full(20, 0.5)) == (0.5, 0.5)


def write_run(folder, psnrs):
    folder.mkdir()
    with open(folder / "per_image.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["method", "id", "mse", "psnr", "blotches"])
        for index, psnr in enumerate(psnrs):
            writer.writerow(["model_t0.7_s1.55", f"photo{index}.jpg", 10 ** (-psnr / 10), psnr, 0.01])
    return folder


def test_main_prints_the_split_its_odds_and_the_interval(tmp_path, compare, monkeypatch, capsys):
    a = write_run(tmp_path / "a", [20.0] * 10)
    b = write_run(tmp_path / "b", [21.0] * 9 + [19.0])
    monkeypatch.setattr(sys, "argv", ["compare_evaluations.py", str(a), str(b)])
    compare.main()
    out = capsys.readouterr().out
    assert ("B beats A on 9 of 10 images (sign test: p = 0.02 that chance alone splits them so unevenly); "
            "per-image PSNR difference median +1.00 dB (95% bootstrap interval +1.00 to +1.00), mean +0.80 dB") in out


def write_grouped_run(folder, rows):
    """A per_image.csv with the grayscale copy's rows and a model's, as colorize-evaluate writes both."""
    folder.mkdir()
    with open(folder / "per_image.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["method", "id", "mse", "psnr", "blotches"])
        for key, gray, model, blotches in rows:
            writer.writerow(["grayscale_copy", key, 10 ** (-gray / 10), gray, 0.0])
            writer.writerow(["model_t0.7_s1.55", key, 10 ** (-model / 10), model, blotches])
    return folder


def test_groups_by_source_give_each_folder_its_own_figures(tmp_path, compare, monkeypatch, capsys):
    a = write_grouped_run(tmp_path / "a", [("faces/1.jpg", 20, 21, 0.01), ("faces/2.jpg", 20, 19, 0.02),
                                           ("faces/3.jpg", 20, 23, 0.0), ("seas/1.jpg", 30, 31, 0.5)])
    b = write_grouped_run(tmp_path / "b", [("faces/1.jpg", 20, 22, 0.01), ("faces/2.jpg", 20, 21, 0.0),
                                           ("faces/3.jpg", 20, 22, 0.0), ("seas/1.jpg", 30, 29, 0.1)])
    monkeypatch.setattr(sys, "argv", ["compare_evaluations.py", str(a), str(b), "--groups", "source"])
    compare.main()
    lines = capsys.readouterr().out.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("| group"))):]
    assert table[1] == "|---" * 9 + "|"
    # faces: A gains +1, -1, +3 (median +1, 2 better), B +2, +1, +2 (median +2, 3 better); B beats A on 2 of 3
    assert table[2] == "| faces | 3 | +1.00 dB | 2 | +2.00 dB | 3 | 2.0% | 1.0% | 2 |"
    assert table[3] == "| seas | 1 | +1.00 dB | 1 | -1.00 dB | 0 | 50.0% | 10.0% | 0 |"
    assert table[4] == "| all | 4 | +1.00 dB | 3 | +1.50 dB | 3 | 50.0% | 10.0% | 2 |"


def test_groups_from_a_csv_put_unlisted_images_apart(tmp_path, compare, monkeypatch, capsys):
    a = write_grouped_run(tmp_path / "a", [("x/1.jpg", 20, 21, 0.0), ("y/2.jpg", 20, 19, 0.0),
                                           ("y/3.jpg", 20, 20.5, 0.0)])
    b = write_grouped_run(tmp_path / "b", [("x/1.jpg", 20, 22, 0.0), ("y/2.jpg", 20, 18, 0.0),
                                           ("y/3.jpg", 20, 21, 0.0)])
    categories = tmp_path / "categories.csv"
    categories.write_text("path,category\nx/1.jpg,people\ny/2.jpg,people\n")
    monkeypatch.setattr(sys, "argv", ["compare_evaluations.py", str(a), str(b), "--groups", str(categories)])
    compare.main()
    out = capsys.readouterr().out
    assert "| people | 2 | +0.00 dB | 1 | +0.00 dB | 1 | 0.0% | 0.0% | 1 |" in out
    assert f"| {compare.UNGROUPED} | 1 | +0.50 dB | 1 | +1.00 dB | 1 | 0.0% | 0.0% | 1 |" in out


def test_groups_refuse_a_file_that_is_not_there_or_lacks_the_columns_before_printing(tmp_path, compare, monkeypatch,
                                                                                         capsys):
    a = write_grouped_run(tmp_path / "a", [("x/1.jpg", 20, 21, 0.0)])
    b = write_grouped_run(tmp_path / "b", [("x/1.jpg", 20, 22, 0.0)])
    monkeypatch.setattr(sys, "argv", ["compare_evaluations.py", str(a), str(b), "--groups", str(tmp_path / "no.csv")])
    with pytest.raises(SystemExit, match="neither 'source' nor an existing CSV"):
        compare.main()
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("file,kind\nx/1.jpg,people\n")
    monkeypatch.setattr(sys, "argv", ["compare_evaluations.py", str(a), str(b), "--groups", str(wrong)])
    with pytest.raises(SystemExit, match="needs path and category columns"):
        compare.main()
    assert capsys.readouterr().out == ""


def test_groups_need_the_grayscale_copys_rows(tmp_path, compare, monkeypatch):
    a = write_run(tmp_path / "a", [20.0, 21.0])
    b = write_run(tmp_path / "b", [21.0, 22.0])
    monkeypatch.setattr(sys, "argv", ["compare_evaluations.py", str(a), str(b), "--groups", "source"])
    with pytest.raises(SystemExit, match="needs the grayscale_copy rows"):
        compare.main()
