"""The prepare job's sources: CIFAR-10 archives, TFDS datasets and folders of photos, as SourceImages.

plan_source checks a `--source` before any work and returns a SourcePlan: the source's
kind, the ReadSource transform that reads it (work items -> SourceImages, and a failure
record for every input it cannot use), and how many images to expect in each split.
"""

import dataclasses
import functools

import apache_beam as beam

from pipeline.io import files, images
from pipeline.io.console import SharedProgress
from pipeline.prepare import cifar, schema, tfds_source

CIFAR_CHUNK = 1_000  # images per work item, so that workers share a batch file
IMAGES_TAG = "images"
FAILURE_TAG = "failures"


class ReadSource(beam.PTransform):
    """Work items -> {"images": SourceImages, "failures": failure records}.

    `read` is a ParDo (a FlatMap for a plain function) that turns one work item into
    SourceImages, and into TaggedOutput(FAILURE_TAG, record) for an input it cannot use;
    `refused` are the records of inputs refused while listing them (links out of a folder).
    """

    def __init__(self, items, read, refused=()):
        super().__init__()
        self.items = items
        self.read = read
        self.refused = list(refused)

    def expand(self, pbegin):
        read = (pbegin
                | "ListItems" >> beam.Create(self.items)
                | "ReadItems" >> self.read.with_outputs(FAILURE_TAG, main=IMAGES_TAG))
        refused = pbegin | "Refused" >> beam.Create(self.refused)
        failures = (read[FAILURE_TAG], refused) | "AllFailures" >> beam.Flatten()
        return {IMAGES_TAG: read[IMAGES_TAG], FAILURE_TAG: failures}


def list_image_files(root):
    """Files under `root` (recursively) as (path, relative path), and the links refused.

    Raises ValueError for a missing or empty folder, before any work starts.
    """
    found, refused = files.list_files(root)
    if not found and not refused:
        raise ValueError(f"input folder {root} holds no files; point --source at a folder of images")
    return found, refused


class DecodeImageFiles(beam.DoFn):
    """Reads and decodes one file; good images go to the main output, the rest to failures."""

    def __init__(self, config, total):
        self.config = config
        self.shared_progress = SharedProgress("images read", total=total)
        self.progress = None

    def setup(self):
        self.progress = self.shared_progress.acquire()

    def process(self, element):
        path, relative_path = files.from_element(element)
        try:
            data = images.read_image_file(path, self.config.max_pixels)
            rgb = images.decode_color_image(data, max_pixels=self.config.max_pixels)
        except images.UnusableImage as error:
            yield beam.pvalue.TaggedOutput(FAILURE_TAG, files.failure_record(path, error.reason, error.detail))
        except OSError as error:
            yield beam.pvalue.TaggedOutput(FAILURE_TAG, files.unreadable_record(path, error))
        else:
            # A name that is not UTF-8 is kept in the id as \xNN; the same split as any other name.
            key = files.printable_path(relative_path)
            split = images.split_for(key, self.config.validation_fraction, self.config.test_fraction)
            yield images.SourceImage(f"folder:{key}", split, schema.NO_LABEL, rgb)
        self.progress.add()


class ReadImageFolder(ReadSource):
    """Every listed file of a folder -> SourceImage, or a failure record saying why not."""

    def __init__(self, paths, config, refused=()):
        super().__init__(files.to_elements(paths), beam.ParDo(DecodeImageFiles(config, len(paths))), refused)


@functools.lru_cache(maxsize=2)
def _cifar_batch_images(batch):
    return list(cifar.read_cifar_batch(batch))


def read_cifar_chunk(chunk, validation_fraction):
    """SourceImages of one slice of a CIFAR-10 batch; the official test split is kept."""
    batch, start, stop = chunk
    for index, label, rgb in _cifar_batch_images(batch)[start:stop]:
        image_id = f"cifar10:{batch.split}/{index:05d}"
        split = batch.split
        if split == "train":
            split = images.split_for(image_id, validation_fraction, 0.0)
        yield images.SourceImage(image_id, split, int(label), rgb)


class ReadCifar10(ReadSource):
    """The 60,000 CIFAR-10 images from any of its archive formats, as SourceImages."""

    def __init__(self, batches, validation_fraction):
        chunks = [(batch, start, start + CIFAR_CHUNK) for batch in batches for start in range(0, 10_000, CIFAR_CHUNK)]
        super().__init__(chunks, beam.FlatMap(read_cifar_chunk, validation_fraction))


class ReadTfdsImages(ReadSource):
    """A TFDS image dataset's examples as SourceImages."""

    def __init__(self, dataset, validation_fraction):
        super().__init__(tfds_source.parts(dataset), beam.FlatMap(tfds_source.read_part, dataset, validation_fraction))


@dataclasses.dataclass(frozen=True)
class SourcePlan:
    """A validated source before any image is read: how to read it and how much it holds."""

    kind: str  # "cifar10", "tfds" or "folder", as manifest.json records it
    reader: ReadSource
    total: int  # images to read; files, for a folder
    estimates: dict  # split -> expected examples, for choosing shard counts


def plan_source(config):
    """Validate the source and decide how to read it; raises ValueError for the user."""
    plan = _plan_images(config)
    # Every image becomes --crops-per-image examples, whatever its source.
    return dataclasses.replace(plan, estimates={split: count * config.crops_per_image
                                                for split, count in plan.estimates.items()})


def _plan_images(config):
    """The SourcePlan, with estimates in source images."""
    source = config.source
    if source.startswith("cifar10:"):
        batches = cifar.find_cifar_batches(source[len("cifar10:"):])
        estimates = {"train": 50_000 * (1.0 - config.validation_fraction),
                     "validation": 50_000 * config.validation_fraction, "test": 10_000}
        return SourcePlan("cifar10", ReadCifar10(batches, config.validation_fraction), 60_000, estimates)
    if source.startswith("tfds:"):
        dataset = tfds_source.resolve(source[len("tfds:"):], config.tfds_data_dir)
        estimates = tfds_source.split_estimates(dataset, config.validation_fraction)
        return SourcePlan("tfds", ReadTfdsImages(dataset, config.validation_fraction),
                          sum(dataset.num_examples.values()), estimates)
    found, refused = list_image_files(source)
    count = len(found)
    estimates = {"train": count * (1.0 - config.validation_fraction - config.test_fraction),
                 "validation": count * config.validation_fraction, "test": count * config.test_fraction}
    return SourcePlan("folder", ReadImageFolder(found, config, refused), len(found), estimates)
