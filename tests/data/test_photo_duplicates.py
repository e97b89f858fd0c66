"""photo_duplicates on pictures made here: identical files, a rescaled copy, and different pictures."""

import numpy as np
import pytest
from PIL import Image


@pytest.fixture
def script(load_data_script):
    return load_data_script("photo_duplicates")


def noise(seed, size=(300, 200)):
    """A picture of smoothed random noise: detail at every scale, like a photo."""
    rng = np.random.default_rng(seed)
    small = Image.fromarray(rng.integers(0, 256, (20, 30, 3), dtype=np.uint8))
    return small.resize(size, Image.Resampling.BICUBIC)


def test_it_finds_identical_files_and_rescaled_copies_but_not_different_pictures(tmp_path, script, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    noise(1).save(first / "a.png")
    (second / "a-copy.png").write_bytes((first / "a.png").read_bytes())
    noise(1).resize((100, 66)).save(second / "a-small.jpg", quality=70)
    noise(2).save(first / "b.png")
    noise(3).save(second / "c.jpg")

    with pytest.raises(SystemExit) as exit_info:
        script.main([str(first), str(second)])
    assert exit_info.value.code == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "3 duplicate pairs among 5 photos"
    pairs = sorted(" ".join(sorted(part.rsplit("/", 1)[-1] for part in line.split("  ")[:2])) for line in lines[:-1])
    assert pairs == ["a-copy.png a-small.jpg", "a-copy.png a.png", "a-small.jpg a.png"]
    assert "identical files" in next(line for line in lines if "a-copy.png" in line and "a.png  " in line)


def test_no_duplicates_exit_zero(tmp_path, script, capsys):
    noise(1).save(tmp_path / "a.png")
    noise(2).save(tmp_path / "b.png")
    with pytest.raises(SystemExit) as exit_info:
        script.main([str(tmp_path)])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == "0 duplicate pairs among 2 photos\n"
