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
