"""Benchmark a panorama against a photo of normal shape with the same pixels: time and peak memory.

    python bench/bench_panorama.py                  # 40000x256 against 3873x2582 (10 megapixels each)
    python bench/bench_panorama.py --width 80000    # a longer strip

Each image is colorized by `pipeline.colorized_photos.colorize_image_bytes`, the job's own code for
one file (decode, network, full-resolution composition, PNG encoding), in a fresh process
that has loaded the model first; that process reports the seconds of the call and its peak
resident memory. The start-up (TensorFlow, the model) is measured once, in a process that
colorizes nothing, and is the floor of every peak. Prints each figure and the panorama's
ratios to the normal photo; the target is about 1x for both: what the network sees is
bounded by pixels, whatever the aspect ratio.
"""

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np
from PIL import Image


def textured_gray(width, height, seed=0):
    """A gray picture with structure at every scale (smoothed noise plus ramps), as a PNG file's bytes."""
    generator = np.random.default_rng(seed)
    coarse = generator.integers(0, 256, (max(2, height // 64), max(2, width // 64)), dtype=np.uint8)
    picture = np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC), dtype=np.int16)
    picture = picture + generator.integers(-12, 13, (height, width), dtype=np.int16)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def measure(path, model_path):
    """In this process: load the model, colorize one file, print seconds and peak memory as JSON."""
    import functools

    from model import inference
    from pipeline.colorize import formats as colorized_photos
    from pipeline.io import console, images

    console.configure_logging(verbose=False)
    colorizer = inference.load(model_path)
    seconds = 0.0
    if path != "-":
        with open(path, "rb") as file:
            data = file.read()
        started = time.perf_counter()
        colorized_photos.colorize_image_bytes(data, path, functools.partial(inference.colorize_image, colorizer),
                                              max_pixels=images.MAX_PIXELS)
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def measured(path, model_path):
    result = subprocess.run([sys.executable, os.path.abspath(__file__), "--measure", path, "--model", model_path],
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="model/default/model.keras")
    parser.add_argument("--width", type=int, default=40_000, help="The panorama's width; its height is 256.")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.model)
        return
    height = 256
    pixels = args.width * height
    normal_height = round((pixels / 1.5) ** 0.5)
    normal_width = round(pixels / normal_height)
    with tempfile.TemporaryDirectory(prefix="bench-panorama-") as scratch:
        cases = {"start-up only": "-"}
        for name, (width, tall) in {"panorama": (args.width, height),
                                    "normal photo": (normal_width, normal_height)}.items():
            path = os.path.join(scratch, f"{name.replace(' ', '-')}.png")
            with open(path, "wb") as file:
                file.write(textured_gray(width, tall))
            cases[f"{name} {width}x{tall}"] = path
        results = {name: measured(path, args.model) for name, path in cases.items()}
    for name, result in results.items():
        print(f"{name:<28}{result['seconds']:8.2f} s   peak resident memory {result['peak_mb']:7.0f} MB")
    panorama, normal = list(results.values())[1:]
    floor = results["start-up only"]["peak_mb"]
    print(f"panorama / normal photo: time {panorama['seconds'] / normal['seconds']:.2f}x, peak memory "
          f"{panorama['peak_mb'] / normal['peak_mb']:.2f}x, memory above start-up "
          f"{(panorama['peak_mb'] - floor) / (normal['peak_mb'] - floor):.2f}x (target about 1x)")


if __name__ == "__main__":
    main()
