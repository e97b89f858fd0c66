"""The data/ fetch scripts are scripts, not a package: the tests load them by path."""

import importlib.util
import pathlib
import sys

import pytest

DATA = pathlib.Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def load_data_script():
    """A function that loads data/NAME.py as a module."""
    def load(name):
        sys.path.insert(0, str(DATA))  # the scripts import their sibling fetching.py
        try:
            spec = importlib.util.spec_from_file_location(name, DATA / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
        finally:
            sys.path.remove(str(DATA))
    return load
