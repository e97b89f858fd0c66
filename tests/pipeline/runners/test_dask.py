"""Tests for pipeline/runners/dask.py: both Beam jobs on a two-worker Dask cluster give what the DirectRunner gives."""

import os
import re

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from jobs import common
from pipeline.colorize import job as colorize
from pipeline.prepare import job as prepare, schema
from pipeline.runners import dask as dask_runner
from tests.pipeline.conftest import color_image, gray_image

pytestmark = pytest.mark.slow  # a Dask cluster of two worker processes, started for this module

WORKERS = 2
COLOR_IMAGES = 10


@pytest.fixture(scope="module")
def cluster():
    """A two-process Dask cluster on loopback, started once for this module and stopped after it."""
    distributed = pytest.importorskip("distributed")
    with (distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None) as local_cluster,
          distributed.Client(local_cluster) as client):
        yield local_cluster.scheduler_address, client


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """Twelve images (ten color, two grayscale), one corrupt JPEG and one text file."""
    folder = tmp_path_factory.mktemp("dask-photos")
    (folder / "album").mkdir()
    for index in range(COLOR_IMAGES - 2):  # enough for every split of the prepare job to have one
        color_image(24 + index, 20).rotate(90 * index).save(folder / f"color{index}.png")
    color_image(40, 32).save(folder / "color.png")
    color_image(36, 28).save(folder / "album" / "color.jpg", quality=95)
    gray_image(32, 24).save(folder / "gray.png")
    gray_image(24, 40).save(folder / "album" / "gray.jpg")
    (folder / "broken.jpg").write_bytes(np.random.default_rng(0).integers(0, 256, 3_000, dtype=np.uint8).tobytes())
    (folder / "notes.txt").write_text("scanned in 2019\n")
    return folder


def options(*flags):
    return common.pipeline_options(list(flags))


def dask_options(address):
    return options("--runner=DaskRunner", f"--dask_client_address={address}")


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(directory, name), folder)
                  for directory, _, names in os.walk(folder) for name in names)


def test_short_runner_name_means_our_dask_runner():
    assert common.runner_by_name(["--runner=DaskRunner", "--runner", "dask"]) == [
        f"--runner={common.DASK_RUNNER}", "--runner", common.DASK_RUNNER]
    assert f"{dask_runner.DaskRunner.__module__}.{dask_runner.DaskRunner.__name__}" == common.DASK_RUNNER
    assert common.runner_by_name(["--runner=DirectRunner"]) == ["--runner=DirectRunner"]


def test_a_small_create_uses_every_worker_thread():
    assert dask_runner.default_partitions(5, threads=2) == 5
    assert dask_runner.default_partitions(1_000, threads=2) == 2 * dask_runner.PARTITIONS_PER_THREAD
    assert dask_runner.default_partitions(0, threads=2) == 1


def count_calls_on_workers(client, module_name, function_name):
    """Make every worker count its calls of a module's function; returns a function that reads the counts."""
    def install():
        import importlib

        module = importlib.import_module(module_name)
        real = getattr(module, function_name)
        if hasattr(real, "calls"):  # counted already, by an earlier test on this cluster
            return

        def counted(*args, **kwargs):
            counted.calls += 1
            return real(*args, **kwargs)

        counted.calls = 0
        setattr(module, function_name, counted)

    def read():
        import importlib

        return getattr(importlib.import_module(module_name), function_name).calls

    client.run(install)
    return lambda: sorted(client.run(read).values())


def test_colorize_on_dask_equals_the_direct_runner(cluster, photos, tiny_model, tmp_path):
    address, client = cluster
    model_loads = count_calls_on_workers(client, "model.inference", "load")
    colorized_files = count_calls_on_workers(client, "pipeline.colorize.formats", "colorize_image_bytes")
    reports = {}
    for name, pipeline_options in (("direct", options()), ("dask", dask_options(address))):
        config = colorize.ColorizeConfig(input=str(photos), output=str(tmp_path / name), model=tiny_model)
        reports[name] = colorize.run_colorize(config, pipeline_options, ["colorize"])
    direct, dask = reports["direct"], reports["dask"]
    assert dask["counts"] == direct["counts"]
    assert direct["counts"]["colorized"] == COLOR_IMAGES + 2 and direct["counts"]["failed"] == 1
    assert direct["counts"]["ignored"] == 1
    assert [(failure["path"], failure["reason"]) for failure in dask["failures"]] == [
        (failure["path"], failure["reason"]) for failure in direct["failures"]]
    assert dask["ignored"] == direct["ignored"]
    # The same files, nothing left over: no staging folder, temporary file or extra output.
    assert files_under(tmp_path / "dask") == files_under(tmp_path / "direct")
    for relative in ("color.png", "album/color.jpg", "gray.png", "album/gray.jpg"):
        with Image.open(tmp_path / "direct" / relative) as one, Image.open(tmp_path / "dask" / relative) as other:
            difference = np.abs(np.asarray(one, dtype=np.int16) - np.asarray(other, dtype=np.int16))
        assert difference.max() <= 1, relative  # oneDNN may round differently in another process
    # Each image was colorized once, by one of the two workers.
    assert sum(colorized_files()) == direct["counts"]["colorized"]
    # The model was loaded once by each worker that colorized, however many bundles it ran.
    assert model_loads() in ([0, 1], [1, 1])


def shard_records(folder):
    """Split -> sorted (id, gray PNG, RGB PNG) of every example in a shard folder."""
    records = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(schema.SHARD_SUFFIX):
            continue
        split = name.split("-")[0]
        for record in tf.data.TFRecordDataset(str(folder / name), compression_type="GZIP"):
            example = tf.train.Example.FromString(record.numpy())
            features = example.features.feature
            records.setdefault(split, []).append(tuple(features[key].bytes_list.value[0]
                                                       for key in ("image/id", "image/gray", "image/rgb")))
    return {split: sorted(values) for split, values in records.items()}


def test_prepare_on_dask_equals_the_direct_runner(cluster, photos, tmp_path):
    address, _ = cluster
    manifests = {}
    for name, pipeline_options in (("direct", options()), ("dask", dask_options(address))):
        config = prepare.PrepareConfig(source=str(photos), output=str(tmp_path / name), size=16,
                                       validation_fraction=0.4, test_fraction=0.3)  # every split gets one
        manifests[name] = prepare.run_prepare(config, pipeline_options, ["colorize-prepare"])
    direct, dask = manifests["direct"], manifests["dask"]
    def splits(manifest):
        return {split: (details["examples"], len(details["shards"])) for split, details in manifest["splits"].items()}
    assert splits(dask) == splits(direct)
    assert sum(split["examples"] for split in direct["splits"].values()) == COLOR_IMAGES  # not the gray ones
    assert dask["skipped"] == direct["skipped"] == {"grayscale": 2, "not_an_image": 2}
    assert shard_records(tmp_path / "dask") == shard_records(tmp_path / "direct")

    def failures(folder):
        with open(folder / schema.FAILURES_NAME, encoding="utf-8") as file:
            return sorted(file.read().splitlines())
    assert failures(tmp_path / "dask") == failures(tmp_path / "direct")

    def without_run_ids(folder):  # shard names carry each run's id
        return [re.sub(r"-[0-9a-f]{8}-", "-", name) for name in files_under(folder)]
    assert without_run_ids(tmp_path / "dask") == without_run_ids(tmp_path / "direct")


