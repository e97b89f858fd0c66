"""Tests for pipeline/prepare/sources.py: listing and reading a folder, on TestPipeline."""

import posixpath
import shutil

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from pipeline.io import images
from pipeline.prepare import job as prepare, sources as prepare_sources
from tests.pipeline.prepare_helpers import (
    FOLDER_FRACTIONS,
    expected_folder_splits,
    folder_config,
    in_process_pipeline,
)


def split_and_id(source_image):
    return source_image.split, source_image.image_id


def relative_path_and_reason(failure, root):
    return posixpath.relpath(failure["path"], root), failure["reason"]


@pytest.mark.slow
def test_reading_a_folder_gives_its_color_images_and_a_failure_per_unusable_file(image_folder):
    config = folder_config(image_folder, "unused")
    files, _ = prepare_sources.list_image_files(str(image_folder.path))

    with in_process_pipeline() as pipeline:
        decoded = pipeline | prepare_sources.ReadImageFolder(files, config)
        assert_that(decoded[prepare_sources.IMAGES_TAG] | beam.Map(split_and_id), equal_to([
            (split, image_id) for split, ids in expected_folder_splits(image_folder).items() for image_id in ids
        ]), label="CheckImages")
        assert_that(decoded[prepare_sources.FAILURE_TAG] | beam.Map(relative_path_and_reason, str(image_folder.path)),
                    equal_to(list(image_folder.bad.items())), label="CheckFailures")


def test_a_file_gone_before_it_is_read_is_an_unreadable_failure(tmp_path):
    decode = prepare_sources.DecodeImageFiles(prepare.PrepareConfig(source=str(tmp_path), output="unused"), total=1)
    decode.setup()

    [output] = decode.process((str(tmp_path / "deleted.jpg"), "deleted.jpg"))

    assert output.tag == prepare_sources.FAILURE_TAG
    assert output.value["reason"] == "unreadable"
    assert output.value["path"] == str(tmp_path / "deleted.jpg")


def test_a_folder_is_listed_recursively_with_paths_relative_to_it(tmp_path):
    folder = tmp_path / "Holiday [2019]"  # brackets, which a file pattern would read as a choice of "2019"
    (folder / "day 1").mkdir(parents=True)
    (folder / "day 1" / "beach [1].jpg").write_bytes(b"jpeg")
    (folder / "sunset.png").write_bytes(b"png")
    (tmp_path / "Holiday 2").mkdir()
    (tmp_path / "Holiday 2" / "other.jpg").write_bytes(b"jpeg")

    files, refused = prepare_sources.list_image_files(str(folder) + "/")

    assert files == [(str(folder / "day 1" / "beach [1].jpg"), "day 1/beach [1].jpg"),
                     (str(folder / "sunset.png"), "sunset.png")]
    assert refused == []


def test_links_out_of_the_folder_are_refused_and_reported(tmp_path):
    folder, outside = tmp_path / "photos", tmp_path / "private"
    folder.mkdir()
    outside.mkdir()
    (outside / "secret.png").write_bytes(b"png")
    (folder / "own.png").write_bytes(b"png")
    (folder / "escape.png").symlink_to(outside / "secret.png")

    found, refused = prepare_sources.list_image_files(str(folder))

    assert found == [(str(folder / "own.png"), "own.png")]
    assert [(failure["path"], failure["reason"]) for failure in refused] == [(str(folder / "escape.png"), "bad_link")]


def test_splits_follow_the_relative_path_when_the_folder_moves_and_grows(image_folder, tmp_path):
    moved = tmp_path / "elsewhere" / "photos"
    shutil.copytree(image_folder.path, moved)
    new_paths = [f"album/new{number:02d}.png" for number in range(20)]
    for relative_path in new_paths:
        shutil.copy(moved / "rgb.png", moved / relative_path)
    config = folder_config(image_folder, "unused")

    with in_process_pipeline() as pipeline:
        decoded = pipeline | prepare_sources.ReadImageFolder(prepare_sources.list_image_files(str(moved))[0], config)
        assert_that(decoded[prepare_sources.IMAGES_TAG] | beam.Map(split_and_id), equal_to(
            [(split, image_id) for split, ids in expected_folder_splits(image_folder).items() for image_id in ids]
            + [(images.split_for(path, **FOLDER_FRACTIONS), f"folder:{path}") for path in new_paths]))



def test_a_plan_says_what_a_source_holds_before_anything_is_read(image_folder, cifar_archive):
    folder = prepare_sources.plan_source(folder_config(image_folder, "unused", crops_per_image=2,
                                                       policy="random-crops"))
    files = len(image_folder.good) + len(image_folder.bad)
    assert (folder.kind, folder.total) == ("folder", files)
    assert folder.estimates == pytest.approx({"train": 2 * files * 0.6, "validation": 2 * files * 0.2,
                                              "test": 2 * files * 0.2})

    cifar = prepare_sources.plan_source(prepare.PrepareConfig(source=f"cifar10:{cifar_archive.path}", output="unused",
                                                              validation_fraction=0.2))
    assert (cifar.kind, cifar.total) == ("cifar10", 60_000)
    assert cifar.estimates == {"train": 40_000, "validation": 10_000, "test": 10_000}
    # Each image makes --crops-per-image examples, which the shard counts follow.
    cropped = prepare_sources.plan_source(prepare.PrepareConfig(
        source=f"cifar10:{cifar_archive.path}", output="unused", validation_fraction=0.2, crops_per_image=3,
        policy="random-crops"))
    assert cropped.estimates == {"train": 120_000, "validation": 30_000, "test": 30_000}
