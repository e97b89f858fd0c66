"""Colorizing several images in one network call: those whose working shape is the same.

The network sees every image at its working shape (model/inference.working_shape: 256 pixels on
the short side for the shipped model), so photos of one aspect ratio, whatever their full size,
make one input tensor of N images. `colorize_same_shape` is that call; the full-resolution
composition stays one image at a time, so each image comes out as it does alone.

`SameShapeBatcher` gathers the images that the threads of one process colorize at the same
time: a thread hands in its image and waits; the first of a working shape waits up to
`max_wait` seconds for others of that shape (or until `max_batch` have come), runs them in one
call and hands each its result. The colorize job uses it when TensorFlow sees a GPU, where one
call per image leaves the GPU idle between small images (bench/bench_batching.py measures both
ways); the Beam ModelHandler (pipeline/colorize/model_handler.py) uses `colorize_same_shape` on
the batches RunInference makes.
"""

import collections
import functools
import threading

import numpy as np
import tensorflow as tf
from apache_beam.utils import shared

from model import inference

MAX_BATCH = 16  # images in one network call: 16 x 256 x 341 pixels is a few hundred MB of activations
MAX_WAIT_SECONDS = 0.02  # how long the first image of a shape waits for others (a GPU call takes ~10 ms)


def working_shape_of(colorizer, pixels):
    """The (height, width) at which the network sees a uint8 image (H, W) or (H, W, 3)."""
    height, width = pixels.shape[:2]
    return inference.working_shape(height, width, colorizer.working_size, colorizer.geometry.smallest_side)


def colorize_same_shape(colorizer, images, guidance=None):
    """Colorize uint8 images, RGB (H, W, 3) or grayscale (H, W), of any full sizes but one working shape,
    in one network call; returns their RGB (H, W, 3) in order, each as inference.colorize_image gives it.

    `guidance`: an inference.Guidance per image (NO_GUIDANCE for none), or None for none at all.
    """
    return [rgb for rgb, _ in colorize_same_shape_rated(colorizer, images, guidance)]


def colorize_same_shape_rated(colorizer, images, guidance=None):
    """colorize_same_shape's images as (RGB, confidence) pairs, each as inference.colorize_image_rated gives it."""
    shapes = {working_shape_of(colorizer, image) for image in images}
    if len(shapes) != 1:
        raise ValueError(f"images of one working shape are colorized together, got {sorted(shapes)}; "
                         "group them with group_by_working_shape first")
    guidance = list(guidance) if guidance is not None else [inference.NO_GUIDANCE] * len(images)
    inputs = [inference.network_input(image[None], colorizer.working_size, colorizer.geometry) for image in images]
    extent = inputs[0][1]
    lightness = tf.concat([lightness for lightness, _ in inputs], axis=0)
    if not any(guidance):
        ab, certainty = colorizer.decode_rated(lightness)
    else:
        # Each image's hint map is painted at its own full size; the maps share the working shape.
        maps, palettes = zip(*(inference.guidance_inputs(colorizer, [item], image.shape[:2], lightness.shape[1:3])
                               for item, image in zip(guidance, images)))
        ab, certainty = colorizer.decode_rated(lightness, tf.concat(maps, axis=0), tf.concat(palettes, axis=0))
    ab, confidence = ab.numpy(), inference.confidence_of(certainty.numpy(), extent)
    if any(guidance):
        ab = np.concatenate([
            inference.obey_hints(colorizer, ab[index:index + 1], lightness[index:index + 1], [item],
                                 image.shape[:2], extent)
            for index, (item, image) in enumerate(zip(guidance, images))])
    return [(inference.compose(image[None], ab[index:index + 1], extent)[0], float(confidence[index]))
            for index, image in enumerate(images)]


def group_by_working_shape(colorizer, images):
    """Indexes of `images` grouped by working shape, in order of first appearance: [[0, 2], [1], ...]."""
    groups = collections.defaultdict(list)
    for index, image in enumerate(images):
        groups[working_shape_of(colorizer, image)].append(index)
    return list(groups.values())


def colorize_all(colorizer, images, max_batch=MAX_BATCH):
    """Colorize uint8 images of any sizes, one network call per `max_batch` of one working shape;
    returns their RGB arrays in order."""
    results = [None] * len(images)
    for group in group_by_working_shape(colorizer, images):
        for start in range(0, len(group), max_batch):
            chunk = group[start:start + max_batch]
            for index, colorized in zip(chunk, colorize_same_shape(colorizer, [images[i] for i in chunk])):
                results[index] = colorized
    return results


def has_gpu():
    """Whether TensorFlow sees a GPU (the [gpu] extra on a machine with an NVIDIA driver)."""
    return bool(tf.config.list_physical_devices("GPU"))


class _Request:
    def __init__(self, pixels, guidance):
        self.pixels = pixels
        self.guidance = guidance
        self.result = None
        self.error = None
        self.done = False


class SameShapeBatcher:
    """Colorizes the images that this process's threads hand in at the same time, grouped by working shape.

    `colorize(pixels, guidance)` is a drop-in for inference.colorize_image_rated(colorizer, pixels,
    guidance): it blocks until its image is done and returns the same pixels and confidence; images with guidance and
    without share a call. An error in the network call is raised in every
    thread whose image was in it.
    """

    def __init__(self, colorizer, max_batch=MAX_BATCH, max_wait=MAX_WAIT_SECONDS):
        if max_batch < 1:
            raise ValueError(f"max_batch must be 1 or more, got {max_batch}")
        self.colorizer = colorizer
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.condition = threading.Condition()
        self.open_groups = {}  # working shape -> the requests gathered for its next network call
        self.calls = 0  # network calls made, for tests and benchmarks
        self.images = 0

    def colorize(self, pixels, guidance=inference.NO_GUIDANCE):
        shape = working_shape_of(self.colorizer, pixels)
        request = _Request(pixels, guidance)
        with self.condition:
            group = self.open_groups.get(shape)
            leader = group is None
            if leader:  # the first of its shape gathers the others, then runs them all
                group = self.open_groups[shape] = []
            group.append(request)
            if leader:
                self.condition.wait_for(lambda: len(group) >= self.max_batch, timeout=self.max_wait)
                if self.open_groups.get(shape) is group:  # not closed already by the image that filled it
                    del self.open_groups[shape]  # later images of this shape start a group of their own
            else:
                if len(group) >= self.max_batch:
                    self.condition.notify_all()  # the leader's group is full
                    del self.open_groups[shape]
                self.condition.wait_for(lambda: request.done)
        if leader:
            self._run(group)
        if request.error is not None:
            raise request.error
        return request.result

    def _run(self, batch):
        try:
            results = colorize_same_shape_rated(self.colorizer, [request.pixels for request in batch],
                                                [request.guidance for request in batch])
        except Exception as error:  # handed to every waiting thread, each raising it as its own
            for request in batch:
                request.error = error
        else:
            for request, result in zip(batch, results):
                request.result = result
        with self.condition:
            self.calls += 1
            self.images += len(batch)
            for request in batch:
                request.done = True
            self.condition.notify_all()



# One batcher per loaded colorizer and process: every thread of a worker hands its images to it.
_BATCHERS = shared.Shared()


def image_colorizer(colorizer):
    """What the colorize job calls on each image's pixels (and guidance), for its RGB and confidence: with
    a GPU, the process's SameShapeBatcher of this colorizer (the images its threads colorize at once go
    in one call); else inference.colorize_image_rated."""
    if not has_gpu():
        return functools.partial(inference.colorize_image_rated, colorizer)
    return _BATCHERS.acquire(functools.partial(SameShapeBatcher, colorizer), tag=id(colorizer)).colorize
