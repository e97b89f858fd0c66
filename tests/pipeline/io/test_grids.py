"""Tests for pipeline/io/grids.py: the one builder of compare images, contact sheets and evaluation grids."""

import numpy as np
from PIL import Image

from pipeline.io import grids


def test_pictures_keep_their_size_and_order_with_the_gap_between_them():
    gray = np.full((30, 40), 50, dtype=np.uint8)
    red = np.zeros((20, 10, 3), dtype=np.uint8)
    red[..., 0] = 200
    grid = np.asarray(grids.picture_grid([[gray, red]], gap=8))
    assert grid.shape == (30, 40 + 8 + 10, 3)
    assert (grid[:, :40] == 50).all()  # a grayscale picture as RGB
    assert (grid[:, 40:48] == 255).all()  # white paper between
    assert (grid[5:25, 48:] == [200, 0, 0]).all()  # centred in its row's height
    assert (grid[:5, 48:] == 255).all()


def test_cells_scale_every_picture_to_the_cell_and_captions_go_under_them():
    small = np.zeros((4, 8, 3), dtype=np.uint8)  # enlarged by repetition
    large = Image.new("RGB", (600, 300), (0, 0, 255))  # shrunk
    grid = grids.picture_grid([[small], [large]], gap=2, margin=3, cell=40, captions=[["small"], ["large"]])
    assert grid.size == (3 + 40 + 3, 3 + 2 * (40 + grids.CAPTION_HEIGHT) + 2 + 3)
    pixels = np.asarray(grid)
    assert (pixels[3 + 10:3 + 30, 3:43] == 0).all()  # 8x4 -> 40x20, centred in the cell
    second_top = 3 + 40 + grids.CAPTION_HEIGHT + 2
    assert (pixels[second_top + 10:second_top + 30, 3:43] == [0, 0, 255]).all()
    caption = pixels[3 + 40:3 + 40 + grids.CAPTION_HEIGHT, 3:43]
    assert (caption < 128).any()  # text was drawn
