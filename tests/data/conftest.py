"""The data/ fetch scripts are scripts, not a package: the tests load them by path."""

import importlib.util
import io
import pathlib
import sys
import tarfile

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


@pytest.fixture
def build_tarball():
    """A function that writes a .tgz of {member name: bytes}, as npm packs a package."""
    def build(path, files):
        with tarfile.open(path, "w:gz") as archive:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return build
