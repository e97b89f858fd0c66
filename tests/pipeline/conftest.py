"""Inputs the pipeline tests make for themselves: a folder of images, a CIFAR-10 archive, a TFDS dataset."""

import dataclasses
import io
import tarfile

import numpy as np
import pytest
from PIL import ExifTags, Image

FOLDER_MAX_PIXELS = 4_000  # the pixel limit to read the image folder with; only huge.png is over it


@dataclasses.dataclass(frozen=True)
class ImageFolder:
    """A folder of images and what should become of each file, by relative path."""

    path: object  # pathlib.Path
    good: dict  # relative path -> (height, width) of the decoded, upright image
    bad: dict  # relative path -> the reason the file is skipped
    max_pixels: int  # the limit to read it with


def color_image(width, height, mode="RGB"):
    """A Pillow image with color everywhere: red rises down the rows, green across the columns."""
    row, column = np.meshgrid(np.linspace(40, 220, height), np.linspace(30, 230, width), indexing="ij")
    rgb = np.stack([row, column, np.full_like(row, 90)], axis=-1).astype(np.uint8)
    return Image.fromarray(rgb).convert(mode)


def gray_pattern(width, height):
    """An 8-bit gray image of diagonal ramps, so every row and column differ."""
    row, column = np.mgrid[0:height, 0:width]
    return Image.fromarray(((column * 3 + row * 5) % 256).astype(np.uint8))


def encode(image, pillow_format, **options):
    """The bytes of a Pillow image saved in `pillow_format`."""
    buffer = io.BytesIO()
    image.save(buffer, format=pillow_format, **options)
    return buffer.getvalue()


def gray_image(width, height):
    """An 8-bit grayscale ramp."""
    return Image.fromarray(np.linspace(0, 255, width * height).reshape(height, width).astype(np.uint8))


def write_good_images(folder):
    """Color images in every mode and format the prepare job reads; returns their decoded shapes."""
    (folder / "album" / "2019").mkdir(parents=True)
    color_image(37, 23).save(folder / "rgb.png")
    color_image(41, 29).save(folder / "photo.jpg", quality=95)
    color_image(19, 27).quantize(colors=16).save(folder / "album" / "palette.png", transparency=0)

    rgba = color_image(33, 17, "RGBA")
    rgba.putalpha(Image.fromarray(np.tile(np.linspace(0, 255, 33).astype(np.uint8), (17, 1))))
    rgba.save(folder / "album" / "rgba.png")

    color_image(23, 31, "CMYK").save(folder / "album" / "2019" / "cmyk.jpg")
    color_image(29, 35).save(folder / "scan.webp")
    color_image(31, 13).save(folder / "scan.bmp")
    color_image(17, 21).save(folder / "scan.tiff")

    frames = [color_image(25, 19, "P"), color_image(25, 19).rotate(180).convert("P")]
    frames[0].save(folder / "animated.gif", save_all=True, append_images=frames[1:], duration=100)

    # Stored 40 wide and 24 tall; orientation 6 says to show it turned a quarter clockwise.
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    color_image(40, 24).save(folder / "rotated.jpg", exif=exif)
    return {
        "rgb.png": (23, 37), "photo.jpg": (29, 41), "album/palette.png": (27, 19), "album/rgba.png": (17, 33),
        "album/2019/cmyk.jpg": (31, 23), "scan.webp": (35, 29), "scan.bmp": (13, 31), "scan.tiff": (21, 17),
        "animated.gif": (19, 25), "rotated.jpg": (40, 24),
    }


def write_bad_files(folder):
    """Files the prepare job must skip, one or more per reason; returns their reasons."""
    gray_image(20, 20).save(folder / "gray.png")
    gray_image(21, 22).convert("LA").save(folder / "gray_alpha.png")
    Image.fromarray(np.linspace(0, 65535, 24 * 18).reshape(18, 24).astype(np.uint16)).save(folder / "deep.png")
    gray_image(30, 20).convert("RGB").save(folder / "gray_rgb.png")

    (folder / "broken.jpg").write_bytes(np.random.default_rng(0).integers(0, 256, 3_000, dtype=np.uint8).tobytes())
    color_image(60, 40).save(folder / "truncated.jpg")
    jpeg = (folder / "truncated.jpg").read_bytes()
    start_of_scan = jpeg.index(b"\xff\xda")  # the header ends here; the compressed pixels follow
    (folder / "truncated.jpg").write_bytes(jpeg[: (start_of_scan + len(jpeg)) // 2])
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.txt").write_text("holiday photos, 2019\n")
    color_image(80, 60).save(folder / "huge.png")  # 4,800 pixels, over FOLDER_MAX_PIXELS
    color_image(1, 1).save(folder / "dot.png")
    return {
        "gray.png": "grayscale", "gray_alpha.png": "grayscale", "deep.png": "grayscale",
        "gray_rgb.png": "grayscale", "broken.jpg": "not_an_image", "truncated.jpg": "corrupt",
        "empty.png": "empty", "notes.txt": "not_an_image", "huge.png": "too_large", "dot.png": "too_small",
    }


@pytest.fixture
def image_folder(tmp_path):
    """Ten color images of odd sizes, modes and formats, and ten files to skip."""
    folder = tmp_path / "photos"
    folder.mkdir()
    good = write_good_images(folder)
    bad = write_bad_files(folder)
    return ImageFolder(folder, good, bad, FOLDER_MAX_PIXELS)


@dataclasses.dataclass(frozen=True)
class CifarArchive:
    """A tiny CIFAR-10 archive and its images' labels and pixels, by the id the prepare job gives them."""

    path: object  # pathlib.Path
    labels: dict  # id -> class number
    images: dict  # id -> uint8 (32, 32, 3) array


CIFAR_IMAGES_PER_BATCH = 3


@pytest.fixture
def cifar_archive(tmp_path):
    """cifar-10-binary.tar.gz with 15 training and 3 test images: records of a label byte and CHW pixels."""
    rng = np.random.default_rng(10)
    batch_folder = tmp_path / "cifar" / "cifar-10-batches-bin"
    batch_folder.mkdir(parents=True)
    batches = [(f"data_batch_{number}", "train", (number - 1) * CIFAR_IMAGES_PER_BATCH) for number in range(1, 6)]
    labels, images = {}, {}
    for name, split, first_index in batches + [("test_batch", "test", 0)]:
        batch_labels = rng.integers(0, 10, CIFAR_IMAGES_PER_BATCH, dtype=np.uint8)
        pixels = rng.integers(0, 256, (CIFAR_IMAGES_PER_BATCH, 3, 32, 32), dtype=np.uint8)
        records = np.concatenate([batch_labels[:, None], pixels.reshape(CIFAR_IMAGES_PER_BATCH, -1)], axis=1)
        (batch_folder / f"{name}.bin").write_bytes(records.tobytes())
        for offset, label in enumerate(batch_labels):
            image_id = f"cifar10:{split}/{first_index + offset:05d}"
            labels[image_id] = int(label)
            images[image_id] = pixels[offset].transpose(1, 2, 0)
    archive_path = tmp_path / "cifar" / "cifar-10-binary.tar.gz"
    with tarfile.open(archive_path, "w:gz") as archive:
        archive.add(batch_folder, arcname=batch_folder.name)
    return CifarArchive(archive_path, labels, images)


TFDS_EXAMPLES = {"train": 12, "test": 4}


@pytest.fixture(scope="session")
def tfds_data_dir(tmp_path_factory):
    """A TFDS data folder in which a tiny `cifar10` (12 train and 4 test images) is prepared."""
    from tensorflow_datasets.image_classification import cifar

    class TinyCifar10(cifar.Cifar10, skip_registration=True):
        """CIFAR-10's name, version and features, with a few generated images instead of the download."""

        name = "cifar10"

        def _split_generators(self, dl_manager):
            return {split: self._generate_examples(split, count) for split, count in TFDS_EXAMPLES.items()}

        def _generate_examples(self, split, count):
            rng = np.random.default_rng(len(split))
            for index in range(count):
                key = f"{split}_{index}"
                yield key, {"id": key, "image": rng.integers(0, 256, (32, 32, 3), dtype=np.uint8),
                            "label": index % 10}

    data_dir = tmp_path_factory.mktemp("tensorflow_datasets")
    TinyCifar10(data_dir=str(data_dir)).download_and_prepare()
    return str(data_dir)
