"""Tests for pipeline/io/files.py: what the listing of an input folder keeps, refuses and reports."""

import json
import os
import stat

import numpy as np
import pytest
from PIL import Image

from pipeline.io import files
from tests.pipeline.conftest import gray_pattern

LATIN1_NAME = b"lat\xe9.jpg"  # "latin" with e-acute in Latin-1, as old Windows disks and zip archives store it


def write_picture(path):
    Image.fromarray(np.full((12, 16), 128, dtype=np.uint8)).save(path, format="PNG")


def reasons_by_name(refused):
    return {os.path.basename(record["path"]): record["reason"] for record in refused}


def test_fifos_sockets_and_device_nodes_are_refused_with_their_kind_and_never_listed_as_files(tmp_path):
    write_picture(tmp_path / "photo.png")
    os.mkfifo(tmp_path / "pipe.png")
    os.mknod(tmp_path / "socket.png", stat.S_IFSOCK | 0o600)
    kinds = {"pipe.png": "a FIFO (named pipe)", "socket.png": "a socket"}
    try:  # the same device as /dev/zero, which reads forever; making one needs root
        os.mknod(tmp_path / "zero.png", stat.S_IFCHR | 0o600, os.makedev(1, 5))
        kinds["zero.png"] = "a character device"
    except PermissionError:
        pass

    found, refused = files.list_files(str(tmp_path))

    assert found == [(str(tmp_path / "photo.png"), "photo.png")]
    assert reasons_by_name(refused) == {name: "not_a_file" for name in kinds}
    for record in refused:
        assert record["detail"].startswith(kinds[os.path.basename(record["path"])])


def test_a_folder_that_cannot_be_listed_is_reported_not_passed_over(tmp_path, monkeypatch):
    (tmp_path / "open").mkdir()
    (tmp_path / "private").mkdir()
    write_picture(tmp_path / "open" / "a.png")
    write_picture(tmp_path / "private" / "b.png")
    scandir = os.scandir

    def scandir_denying_private(path="."):  # root reads any folder, so the refusal is simulated
        if os.fspath(path).endswith("private"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", scandir_denying_private)

    found, refused = files.list_files(str(tmp_path))

    assert [relative for _, relative in found] == ["open/a.png"]
    assert refused == [{"path": str(tmp_path / "private"), "reason": "unlistable", "detail": refused[0]["detail"]}]
    assert "Permission denied" in refused[0]["detail"] and "read access" in refused[0]["detail"]


def test_a_folder_past_the_systems_path_limit_is_reported(tmp_path):
    # Nested folders made relative to each other, so that each call stays under the limit.
    names = ["d" * 250] * (os.pathconf(tmp_path, "PC_PATH_MAX") // 251 + 1)
    descriptor = os.open(tmp_path, os.O_RDONLY)
    for name in names:
        os.mkdir(name, dir_fd=descriptor)
        inner = os.open(name, os.O_RDONLY, dir_fd=descriptor)
        os.close(descriptor)
        descriptor = inner
    with open(os.open("deep.png", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor), "wb") as file:
        write_picture(file)
    os.close(descriptor)
    write_picture(tmp_path / "shallow.png")

    found, refused = files.list_files(str(tmp_path))

    assert [relative for _, relative in found] == ["shallow.png"]
    assert [record["reason"] for record in refused] == ["unlistable"]
    assert "File name too long" in refused[0]["detail"]
    assert len(os.fsencode(refused[0]["path"])) > os.pathconf(tmp_path, "PC_PATH_MAX")


def test_a_name_that_is_not_utf8_is_listed_and_written_printably_in_reports(tmp_path):
    write_picture(os.path.join(os.fsencode(tmp_path), LATIN1_NAME))
    os.mkfifo(os.path.join(os.fsencode(tmp_path), b"tub\xe9.png"))

    found, refused = files.list_files(str(tmp_path))

    [(path, relative)] = found
    assert os.fsencode(relative) == LATIN1_NAME and os.path.exists(path)
    assert [record["path"] for record in refused] == [str(tmp_path / "tub\\xe9.png")]
    assert files.printable_path(relative) == "lat\\xe9.jpg"
    text = files.json_text({"path": path, "caption": "café"})
    assert json.loads(text.encode("utf-8")) == {"path": str(tmp_path / "lat\\xe9.jpg"), "caption": "café"}
    assert files.from_element(files.to_elements([(path, relative)])[0]) == (path, relative)


@pytest.mark.parametrize("name", ["café.jpg", "Holiday [2019]/beach.png", "plain.tif"])
def test_names_that_are_utf8_are_printed_unchanged(name):
    assert files.printable_path(name) == name
    assert json.loads(files.json_text(name)) == name


def test_every_job_names_a_failure_from_one_vocabulary():
    with pytest.raises(ValueError, match="unknown failure reason 'io_error'"):
        files.failure_record("a.png", "io_error", "cannot read it")
    record = files.unreadable_record("a.png", PermissionError(13, "Permission denied"))
    assert record["reason"] == "unreadable" and "Permission denied" in record["detail"]


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

    found, refused = files.list_files(str(source))

    assert sorted(relative for _, relative in found) == ["album/a.png", "inside.png"]
    assert {os.path.basename(failure["path"]): failure["reason"] for failure in refused} == {
        "escape.png": "bad_link", "loop-a.png": "bad_link", "loop-b.png": "bad_link", "private folder": "bad_link"}
    assert all(failure["detail"] for failure in refused)
    assert str(outside) in next(f["detail"] for f in refused if f["path"].endswith("escape.png"))


def test_glob_lists_matching_files_relative_to_the_folder_before_the_pattern(tmp_path):
    (tmp_path / "scans" / "box 1").mkdir(parents=True)
    for name in ("top.tif", "box 1/inner.tif", "box 1/inner.png"):
        gray_pattern(10, 10).save(tmp_path / "scans" / name)
    found, _ = files.list_files(str(tmp_path / "scans" / "*" / "*.tif"))
    assert [relative for _, relative in found] == ["box 1/inner.tif"]


def test_a_folder_with_glob_characters_in_its_name_is_a_folder(tmp_path):
    folder = tmp_path / "Holiday [2019]"
    folder.mkdir()
    gray_pattern(10, 10).save(folder / "beach.png")
    found, refused = files.list_files(str(folder))
    assert (found, refused) == ([(str(folder / "beach.png"), "beach.png")], [])


def test_glob_double_star_matches_files_at_every_depth_and_star_stays_in_its_folder():
    recursive = files.glob_to_regex("**/*.tif")
    assert recursive.fullmatch("top.tif") and recursive.fullmatch("a/b/deep.tif")
    assert not recursive.fullmatch("a/b/deep.jpg")
    flat = files.glob_to_regex("*.jpg")
    assert flat.fullmatch("a.jpg") and not flat.fullmatch("sub/a.jpg")
    assert files.glob_to_regex("scan[0-9].png").fullmatch("scan7.png")
