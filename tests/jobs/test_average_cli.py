"""jobs/average.py (colorize-average): what it writes and the one-line errors a user sees."""

import pytest

from jobs import average, common
from tests.model.test_averaging import save_model


@pytest.fixture(autouse=True)
def keep_pytests_logging(monkeypatch):
    """The command's logging set-up reconfigures the process-wide handlers that pytest owns: skipped."""
    monkeypatch.setattr(common, "configure_logging", lambda verbose, tensorflow=True: None)


def test_the_cli_writes_the_average_and_says_what_to_do_next(tmp_path, capsys):
    first, _ = save_model(tmp_path / "a", 0)
    second, _ = save_model(tmp_path / "b", 1)
    average.main(["--model", str(first), "--model", str(second), "--output", str(tmp_path / "soup")])
    assert (tmp_path / "soup/model.keras").exists()
    assert "the mean of 2 models; tune its decoding" in capsys.readouterr().out


def test_a_missing_model_is_a_one_line_usage_error(tmp_path, capsys):
    first, _ = save_model(tmp_path / "a", 0)
    with pytest.raises(SystemExit) as raised:
        average.main(["--model", str(first), "--model", str(tmp_path / "none.keras"), "--output", str(tmp_path / "o")])
    assert raised.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [(f"error: model file {tmp_path / 'none.keras'} does not exist; pass a .keras file written by "
                      "colorize-train")]
    assert not (tmp_path / "o").exists()
