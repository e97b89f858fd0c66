"""Fixtures of the bench script tests: the bench/ scripts they test, loaded as modules."""

import pytest


@pytest.fixture(scope="module")
def tune(load_script):
    return load_script("bench", "tune_decoding")


@pytest.fixture(scope="module")
def compare(load_script):
    return load_script("bench", "compare_evaluations")
