"""experiments/hue_confusion.py sorts pixels into hue sectors and gray, and counts where each went."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def hues(load_script):
    return load_script("experiments", "hue_confusion")


def test_pixels_fall_in_their_hue_sector_or_gray(hues):
    ab = np.array([[40.0, 20.0],    # red: hue 27 degrees
                   [20.0, 40.0],    # orange: 63
                   [-30.0, 50.0],   # yellow-green: 121
                   [0.0, -40.0],    # blue: 270
                   [30.0, -5.0],    # magenta: 351
                   [3.0, 4.0]])     # chroma 5: gray
    assert hues.hue_classes(ab).tolist() == [0, 1, 2, 6, 7, hues.SECTORS]
    gray = hues.SECTORS
    assert hues.hue_classes(ab, gray_chroma=50.0).tolist() == [gray, gray, 2, gray, gray, gray]  # only 58 > 50


def test_the_confusion_counts_each_truth_pixel_once_under_what_it_became(hues):
    truth = np.array([[[40.0, 20.0], [40.0, 20.0]], [[0.0, -40.0], [1.0, 1.0]]])
    output = np.array([[[20.0, 40.0], [0.0, 0.0]], [[0.0, -40.0], [30.0, 30.0]]])
    counts = hues.confusion(truth, output)
    gray = hues.SECTORS
    expected = np.zeros((gray + 1, gray + 1), dtype=int)
    expected[0, 1] = expected[0, gray] = expected[6, 6] = expected[gray, 1] = 1
    np.testing.assert_array_equal(counts, expected)
    lines = hues.table(counts).splitlines()
    assert len(lines) == gray + 2
    assert lines[1].split()[0] == "0-45" and lines[1].split()[2] == "50.0" and lines[1].endswith("50.0%")
