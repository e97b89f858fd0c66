"""data/holdout_photos.py: each source's held-out photos, and all sources gathered into one folder."""

import os
import shutil

import pytest

from pipeline.io.images import split_for

FRACTION = 0.25  # validation and test each, so that 16 photos give both splits some


@pytest.fixture
def holdout(load_data_script):
    return load_data_script("holdout_photos")


def make_source(folder, count):
    for index in range(count):
        path = folder / ("nested" if index % 2 else "") / f"photo{index:02d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"{folder.name} {index}".encode())
    return folder


def expected(source, split):
    return sorted(path.relative_to(source).as_posix() for path in source.rglob("*")
                  if path.is_file() and split_for(path.relative_to(source).as_posix(), FRACTION, FRACTION) == split)


def linked(folder):
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())


def run(holdout, tmp_path, *extra):
    return holdout.main(["--dest", str(tmp_path / "downloads"), "--validation-fraction", str(FRACTION),
                         "--test-fraction", str(FRACTION), *extra])


def test_gather_links_every_source_held_out_photos_into_one_folder(holdout, tmp_path):
    sources = [make_source(tmp_path / "sky", 16), make_source(tmp_path / "animals", 16)]
    gather = tmp_path / "runs" / "photos"
    assert run(holdout, tmp_path, "--source", str(sources[0]), "--source", str(sources[1]),
               "--gather", str(gather)) == 0
    for split in ("validation", "test"):
        for source in sources:
            names = expected(source, split)
            assert names, "the fixture must give every split some photos"
            assert linked(tmp_path / "downloads" / f"{source.name}-{split}") == names
            gathered = tmp_path / "runs" / f"photos-{split}" / source.name
            assert linked(gathered) == names
            assert all(os.path.samefile(gathered / name, source / name) for name in names)  # links, not copies
    assert sorted(os.listdir(tmp_path / "runs")) == ["photos-test", "photos-validation"]


def test_without_gather_only_the_source_folders_are_made(holdout, tmp_path):
    source = make_source(tmp_path / "sky", 16)
    assert run(holdout, tmp_path, "--source", str(source)) == 0
    assert sorted(os.listdir(tmp_path / "downloads")) == ["sky-test", "sky-validation"]


def test_a_rerun_keeps_its_links_and_a_foreign_file_is_left_alone(holdout, tmp_path, capsys):
    source = make_source(tmp_path / "sky", 16)
    arguments = ["--source", str(source), "--gather", str(tmp_path / "photos")]
    assert run(holdout, tmp_path, *arguments) == 0
    assert run(holdout, tmp_path, *arguments) == 0
    foreign = tmp_path / "photos-test" / "sky" / expected(source, "test")[0]
    foreign.unlink()
    foreign.write_bytes(b"someone else's file")
    capsys.readouterr()
    assert run(holdout, tmp_path, *arguments) == 1
    assert foreign.read_bytes() == b"someone else's file"
    assert f"left alone: {foreign}" in capsys.readouterr().out


def test_two_sources_of_the_same_name_are_refused(holdout, tmp_path):
    first, second = make_source(tmp_path / "a" / "sky", 4), make_source(tmp_path / "b" / "sky", 4)
    with pytest.raises(SystemExit) as exit_info:
        run(holdout, tmp_path, "--source", str(first), "--source", str(second), "--gather", str(tmp_path / "all"))
    assert exit_info.value.code == 2
    assert not (tmp_path / "all-test").exists()


def test_a_source_made_again_is_linked_again(holdout, tmp_path, capsys):
    # A fetch script re-makes its whole folder when its photo count changes: the photos held
    # out before are then other files with the same bytes, not someone else's.
    source = make_source(tmp_path / "sky", 16)
    arguments = ["--source", str(source), "--gather", str(tmp_path / "photos")]
    assert run(holdout, tmp_path, *arguments) == 0
    shutil.copytree(source, tmp_path / "remade")
    shutil.rmtree(source)
    (tmp_path / "remade").rename(source)
    capsys.readouterr()
    assert run(holdout, tmp_path, *arguments) == 0
    assert "left alone" not in capsys.readouterr().out
    for name in expected(source, "test"):
        assert os.path.samefile(tmp_path / "photos-test" / "sky" / name, source / name)
