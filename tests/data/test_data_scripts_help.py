"""Every script in data/ prints its --help (one test per script, made by tests/conftest.py)."""

SCRIPT_FOLDER = "data"


def test_help_prints_the_usage_and_the_purpose(script, prints_help):
    prints_help(script)
