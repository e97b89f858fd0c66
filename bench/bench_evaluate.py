"""How long colorize-evaluate takes: the CIFAR-10 test set and a folder of 100 large photos.

    python bench/bench_evaluate.py                # both; needs runs/cifar10-shards and the photos
    python bench/bench_evaluate.py --photos-only --count 20

Targets (issue 5): the 10,000 CIFAR-10 test images in under a minute, 100 color photos of
1 to 12 megapixels in under ten. Each run is timed end to end as a user runs it (a fresh
process, start-up included) beside, in the same run, the time a plain loop takes only to
read and decode the same images: the ratio is what evaluation costs on top of reading.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.bench_colorize import make_folder


def timed(command):
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def decode_only_seconds(data, split):
    """Seconds a plain loop takes to read and decode the images, in a fresh process."""
    code = ("import sys; sys.path.insert(0, '.')\n"
            "from pipeline.io import console; console.configure_logging(False)\n"
            "from pipeline.evaluate import job as evaluate\n"
            f"data, split = {data!r}, {split!r}\n"
            "import os\n"
            "from pipeline.prepare import schema\n"
            "if os.path.exists(os.path.join(data, schema.MANIFEST_NAME)):\n"
            "    batches = evaluate.shard_batches(data, split, 500, None)\n"
            "else:\n"
            "    batches, _, _ = evaluate.folder_images(data, 10**9)\n"
            "for _ in batches: pass\n")
    return timed([sys.executable, "-c", code])


def report(name, seconds, baseline, target):
    print(f"{name:<34}{seconds:8.1f} s  {seconds / baseline:6.1f}x the decode-only loop ({baseline:.1f} s)  "
          f"target < {target:.0f} s: {'met' if seconds < target else 'NOT met'}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="model/default/model.keras")
    parser.add_argument("--shards", default="runs/cifar10-shards")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--photos-only", action="store_true")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="bench-evaluate-")
    evaluate = [sys.executable, "-m", "jobs.evaluate", "--model", args.model, "--grid", "6"]
    try:
        if not args.photos_only:
            seconds = timed([*evaluate, "--data", args.shards, "--split", "test",
                             "--output", os.path.join(scratch, "cifar")])
            report("CIFAR-10 test, 10,000 images", seconds, decode_only_seconds(args.shards, "test"), 60)
        folder = os.path.join(scratch, "photos")
        megapixels = make_folder(folder, args.count, 1.0, 12.0, mode="RGB")
        seconds = timed([*evaluate, "--data", folder, "--output", os.path.join(scratch, "photos-out")])
        report(f"{args.count} photos, {megapixels:.0f} megapixels", seconds, decode_only_seconds(folder, None),
               600 * args.count / 100)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
