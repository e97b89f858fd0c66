"""Tests for pipeline/io/outputs.py helpers not covered through the jobs."""

from pipeline.io import outputs


def test_an_empty_job_folder_is_removed_and_one_with_a_file_kept(tmp_path):
    outputs.write_atomically(str(tmp_path), str(tmp_path / "report.json"), b"{}")
    assert (tmp_path / outputs.JOB_FOLDER / outputs.TEMPORARY_FOLDER).is_dir()  # what the write leaves
    outputs.remove_empty_job_folder(str(tmp_path))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report.json"]

    kept = tmp_path / outputs.JOB_FOLDER / outputs.JOURNAL_FOLDER
    kept.mkdir(parents=True)
    (kept / "record").write_text("a run's record")
    (tmp_path / outputs.JOB_FOLDER / outputs.TEMPORARY_FOLDER).mkdir()
    outputs.remove_empty_job_folder(str(tmp_path))
    assert (kept / "record").read_text() == "a run's record"
    assert not (tmp_path / outputs.JOB_FOLDER / outputs.TEMPORARY_FOLDER).exists()


def test_no_job_folder_is_nothing_to_remove(tmp_path):
    outputs.remove_empty_job_folder(str(tmp_path / "never-made"))


def test_a_record_without_the_confidence_column_is_read_and_given_it(tmp_path):
    import sqlite3

    folder = tmp_path / outputs.JOB_FOLDER
    folder.mkdir()
    with sqlite3.connect(folder / outputs.STATE_NAME) as database:  # the schema before confidences
        database.executescript(
            "CREATE TABLE made_with (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);"
            "CREATE TABLE outputs (path BLOB PRIMARY KEY, input TEXT NOT NULL, made_with INTEGER NOT NULL,"
            " output_size INTEGER NOT NULL, output_mtime_ns INTEGER NOT NULL) WITHOUT ROWID;"
            "INSERT INTO made_with VALUES (1, '{\"model\": \"m\"}');"
            "INSERT INTO outputs VALUES (CAST('a.png' AS BLOB), '{\"path\": \"/in/a.png\"}', 1, 10, 20);")
    dry = outputs.StateRecord(str(tmp_path), read_only=True)
    assert dry.get("a.png")["confidence"] is None and list(dry.confidences()) == [("a.png", "/in/a.png", None)]
    dry.close()
    with sqlite3.connect(folder / outputs.STATE_NAME) as database:
        assert "confidence" not in {row[1] for row in database.execute("PRAGMA table_info(outputs)")}
    state = outputs.StateRecord(str(tmp_path))
    (tmp_path / "b.png").write_bytes(b"x")
    written = (tmp_path / "b.png").stat()
    state.add("b.png", {"input": {"path": "/in/b.png"}, "made_with": {"model": "m"},
                        "output": {"size": written.st_size, "mtime_ns": written.st_mtime_ns}, "confidence": 0.25})
    state.save()
    assert list(state.confidences()) == [("a.png", "/in/a.png", None), ("b.png", "/in/b.png", 0.25)]
    state.close()
