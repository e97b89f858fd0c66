"""Tests for .ci/run: it runs the whole suite exactly as the README's Quick start tells a developer to."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent


def quick_start_commands():
    """The command lines of the README's Quick start block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start\s+```sh\n(.*?)```", readme, re.DOTALL)
    assert block, "README.md has no Quick start code block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_ci_runs_the_readmes_test_command_verbatim():
    test_command = quick_start_commands()[1]
    assert "pytest" in test_command
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert test_command in ci_lines



def test_the_test_command_selects_every_test():
    test_command = quick_start_commands()[1]
    assert " -m " not in test_command.split("pytest", 1)[1] and " -k " not in test_command.split("pytest", 1)[1]
