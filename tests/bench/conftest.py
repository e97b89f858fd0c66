"""Fixtures of the bench script tests: a bench/NAME.py loaded as a module."""

import importlib.util
import pathlib

import pytest

BENCH = pathlib.Path(__file__).resolve().parents[2] / "bench"


def load_bench_script(name):
    """bench/NAME.py as a module (the scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tune():
    return load_bench_script("tune_decoding")


@pytest.fixture(scope="module")
def compare():
    return load_bench_script("compare_evaluations")
