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
