"""Any TFDS image dataset as a source of the prepare job (`--source tfds:NAME[:SPLIT]`).

The dataset must already be prepared in the TFDS data folder (this job never downloads);
its image and label features are found from the dataset's own feature description.
"""

import dataclasses

import numpy as np

from pipeline.io import console, images
from pipeline.prepare import schema

PARTS_PER_SPLIT = 8  # work items per split, so that several workers read at once


@dataclasses.dataclass(frozen=True)
class TfdsDataset:
    """A resolved TFDS dataset: where it is, which splits to read and which features to use."""

    name: str
    data_dir: str | None
    splits: tuple
    num_examples: dict
    image_key: str
    label_key: str | None


def _builder(name, data_dir):
    import tensorflow_datasets as tfds

    return tfds.builder(name, data_dir=data_dir)


def resolve(spec, data_dir=None):
    """Check a `NAME[:SPLIT]` spec against TFDS before any work; raises ValueError for the user."""
    import tensorflow_datasets as tfds

    name, _, wanted_split = spec.partition(":")
    if not name:
        raise ValueError("--source tfds: needs a dataset name, e.g. tfds:cifar10 or tfds:oxford_flowers102:train")
    try:
        builder = _builder(name, data_dir)
    except tfds.core.DatasetNotFoundError as error:
        first_line = str(error).splitlines()[0]
        raise ValueError(f"unknown TFDS dataset {name!r} ({first_line}); see "
                         "https://www.tensorflow.org/datasets/catalog for the names") from error
    if not builder.is_prepared():
        raise ValueError(f"TFDS dataset {name} is not prepared in {builder.data_dir}; this job does not "
                         f"download: run `tfds build {name} --data_dir DIR` on a machine with internet "
                         "and pass --tfds-data-dir DIR")
    features = builder.info.features
    image_keys = [key for key, feature in features.items() if isinstance(feature, tfds.features.Image)]
    label_keys = [key for key, feature in features.items() if isinstance(feature, tfds.features.ClassLabel)]
    if not image_keys:
        raise ValueError(f"TFDS dataset {name} has no image feature; choose an image dataset")
    supervised = builder.info.supervised_keys or (None, None)
    image_key = supervised[0] if supervised[0] in image_keys else image_keys[0]
    label_key = supervised[1] if supervised[1] in label_keys else (label_keys[0] if label_keys else None)
    channels = features[image_key].shape[-1]
    if channels not in (None, 3):
        raise ValueError(f"TFDS dataset {name} has {channels}-channel images; colorization needs RGB images")
    available = list(builder.info.splits)
    if wanted_split:
        if wanted_split not in available:
            raise ValueError(f"TFDS dataset {name} has no split {wanted_split!r}; choose one of {', '.join(available)}")
        splits = (wanted_split,)
    else:
        splits = tuple(available)
    num_examples = {split: builder.info.splits[split].num_examples for split in splits}
    return TfdsDataset(name, data_dir, splits, num_examples, image_key, label_key)


def output_split(dataset, split, image_id, validation_fraction):
    """Our split for a TFDS split: train is divided when the dataset has no validation split."""
    if split == "train" and "validation" not in dataset.splits:
        return images.split_for(image_id, validation_fraction, 0.0)
    return "".join(character if character.isalnum() else "_" for character in split)


def split_estimates(dataset, validation_fraction):
    """Expected examples per output split, for choosing shard counts."""
    estimates = {}
    for split, count in dataset.num_examples.items():
        if split == "train" and "validation" not in dataset.splits:
            estimates["train"] = estimates.get("train", 0) + count * (1.0 - validation_fraction)
            estimates["validation"] = estimates.get("validation", 0) + count * validation_fraction
        else:
            name = output_split(dataset, split, "", 0.0)
            estimates[name] = estimates.get(name, 0) + count
    return estimates


def parts(dataset):
    """Work items: (split, first index, stop index) slices of each split."""
    items = []
    for split in dataset.splits:
        count = dataset.num_examples[split]
        step = max(1, -(-count // PARTS_PER_SPLIT))
        items.extend((split, start, min(start + step, count)) for start in range(0, count, step))
    return items


def read_part(part, dataset, validation_fraction):
    """SourceImages of one slice of a TFDS split; ids are the split and index, stable across runs."""
    console.quiet_worker()
    import tensorflow_datasets as tfds

    split, start, stop = part
    builder = _builder(dataset.name, dataset.data_dir)
    # Reading in file order (no shuffling) makes the index of an example stable across runs.
    records = builder.as_dataset(split=f"{split}[{start}:{stop}]", shuffle_files=False,
                                 read_config=tfds.ReadConfig(interleave_cycle_length=1))
    for offset, record in enumerate(tfds.as_numpy(records)):
        rgb = np.asarray(record[dataset.image_key])
        if rgb.ndim == 2:
            rgb = np.repeat(rgb[:, :, None], 3, axis=2)
        image_id = f"tfds:{dataset.name}/{split}/{start + offset:06d}"
        label = int(record[dataset.label_key]) if dataset.label_key else schema.NO_LABEL
        yield images.SourceImage(image_id, output_split(dataset, split, image_id, validation_fraction),
                                 label, rgb.astype(np.uint8))
