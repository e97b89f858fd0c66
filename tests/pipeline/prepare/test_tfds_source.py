"""Tests for pipeline/prepare/tfds_source.py on a tiny `cifar10` prepared in a TFDS data folder by the test."""

import numpy as np
import pytest

from pipeline.prepare import schema, tfds_source


def test_resolve_finds_the_splits_image_and_label_of_a_prepared_dataset(tfds_data_dir):
    dataset = tfds_source.resolve("cifar10", tfds_data_dir)

    assert dataset.splits == ("train", "test")
    assert dataset.num_examples == {"train": 12, "test": 4}
    assert (dataset.image_key, dataset.label_key) == ("image", "label")


def test_resolve_reads_only_the_split_asked_for(tfds_data_dir):
    dataset = tfds_source.resolve("cifar10:test", tfds_data_dir)

    assert dataset.splits == ("test",)
    assert tfds_source.split_estimates(dataset, validation_fraction=0.25) == {"test": 4}


@pytest.mark.parametrize("spec, message", [
    ("no_such_dataset", r"unknown TFDS dataset 'no_such_dataset' .*https://www\.tensorflow\.org/datasets/catalog"),
    ("cifar10:bogus", r"TFDS dataset cifar10 has no split 'bogus'; choose one of train, test"),
    ("", r"needs a dataset name, e\.g\. tfds:cifar10"),
])
def test_resolve_explains_what_is_wrong_with_the_name(tfds_data_dir, spec, message):
    with pytest.raises(ValueError, match=message):
        tfds_source.resolve(spec, tfds_data_dir)


def test_resolve_refuses_a_dataset_that_is_not_prepared_and_says_how_to_prepare_it(tmp_path):
    with pytest.raises(ValueError, match=r"TFDS dataset cifar10 is not prepared in .*this job does not download: "
                                         r"run `tfds build cifar10 --data_dir DIR`.*--tfds-data-dir DIR"):
        tfds_source.resolve("cifar10", str(tmp_path))


def test_parts_cover_every_example_once(tfds_data_dir):
    dataset = tfds_source.resolve("cifar10", tfds_data_dir)

    parts = tfds_source.parts(dataset)

    for split, count in dataset.num_examples.items():
        indexes = [index for part_split, start, stop in parts if part_split == split for index in range(start, stop)]
        assert indexes == list(range(count))
    assert len(parts) <= tfds_source.PARTS_PER_SPLIT * len(dataset.splits)


def test_read_part_gives_the_same_ids_and_pixels_every_time(tfds_data_dir):
    dataset = tfds_source.resolve("cifar10", tfds_data_dir)

    first = list(tfds_source.read_part(("train", 2, 6), dataset, validation_fraction=0.25))
    again = list(tfds_source.read_part(("train", 2, 6), dataset, validation_fraction=0.25))

    assert [image.image_id for image in first] == [f"tfds:cifar10/train/{index:06d}" for index in range(2, 6)]
    assert [image.image_id for image in again] == [image.image_id for image in first]
    for image, same in zip(first, again):
        np.testing.assert_array_equal(image.rgb, same.rgb)
        assert image.rgb.shape == (32, 32, 3) and image.rgb.dtype == np.uint8
        assert image.split in ("train", "validation")
        assert 0 <= image.label < 10 and image.label != schema.NO_LABEL
