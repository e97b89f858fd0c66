"""colorize-review's two waits: a photo's preview with hints, and the gallery of a large run opening.

    python bench/bench_review.py                    # a 12-megapixel photo; a run of 10,000 images
    python bench/bench_review.py --megapixels 24 --images 100000

- Preview: a 12 MP JPEG (a bundled sample enlarged to 4000 x 3000) opened on the page and recolored
  with two hints, as the page asks for it (the photo's first opening, then five recolorings, each
  with a hint moved), against the baseline of the colorize job's own path on the full-size photo
  with the same hints (model/inference.colorize_image on the decoded 12 MP pixels), measured in
  the same run. The shipped model, loaded and traced before either is timed.
- Gallery: a run of N images (small gray JPEGs, their records with confidences written as a run
  writes them), opened as a browser opens it: the server's start (reading the run), the page, its
  first page of the gallery and that page's 60 pairs of thumbnails, against the baseline of
  decoding those 120 files with Pillow, which any tool showing them must at least do (and, for
  the start, listing the output folder).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from model import default_model  # noqa: E402
from pipeline.colorize import plan as colorize_plan, job as colorize  # noqa: E402
from pipeline.io import outputs  # noqa: E402
from pipeline.review import photos as review_photos, server  # noqa: E402

SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "samples", "beach3.jpg")
PAGE = 60  # the gallery's first page, as review.js asks for it
FILES_PER_FOLDER = 100


def big_photo(folder, megapixels):
    """A gray JPEG of about `megapixels`, 4:3, from a bundled sample."""
    width = int(round((megapixels * 1e6 * 4 / 3) ** 0.5))
    height = int(round(width * 3 / 4))
    path = os.path.join(folder, "big.jpg")
    Image.open(SAMPLE).convert("L").resize((width, height), Image.Resampling.BICUBIC).save(path, quality=92)
    return path, width, height


def bench_preview(megapixels, repeats=5):
    # Imported here, not with the others: TensorFlow's import would make --help take seconds.
    from model import hints, inference

    with tempfile.TemporaryDirectory(prefix="bench-review-") as folder:
        path, width, height = big_photo(folder, megapixels)
        desk = review_photos.PhotoDesk(default_model.path())
        desk.colorizer  # loaded and traced, as the server does while the gallery opens
        two = lambda shift: (hints.hint_from_hex(width * 0.3 + shift, height * 0.4, "#b03030"),
                             hints.hint_from_hex(width * 0.7, height * 0.6 - shift, "#3050b0"))
        started = time.monotonic()
        desk.preview(path, two(0))
        first = time.monotonic() - started
        again = []
        for index in range(1, repeats + 1):
            started = time.monotonic()
            desk.preview(path, two(index * 10.0))
            again.append(time.monotonic() - started)
        started = time.monotonic()
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("L"))
        inference.colorize_image(desk.colorizer, pixels, inference.Guidance(two(0)))
        baseline = time.monotonic() - started
    recolor = statistics.median(again)
    print(f"preview of a {width} x {height} photo ({width * height / 1e6:.1f} MP) with two hints:")
    print(f"  first opening {first:6.2f} s   recoloring {recolor:6.2f} s (median of {repeats})")
    print(f"  baseline: the job's path at full size {baseline:6.2f} s -> preview {recolor / baseline:.2f}x, "
          f"first opening {first / baseline:.2f}x of it")


def write_run(folder, count):
    """A run's input and output folders of `count` small JPEGs and their records, as colorize leaves them."""
    source, output = os.path.join(folder, "in"), os.path.join(folder, "out")
    rng = np.random.default_rng(0)
    config = colorize.ColorizeConfig(input=source, output=output, model=default_model.path())
    expected = colorize_plan.made_with(config)
    state = outputs.StateRecord(output)
    for index in range(count):
        relative = os.path.join(f"{index // FILES_PER_FOLDER:04d}", f"{index:06d}.jpg")
        for root in (source, output):
            os.makedirs(os.path.join(root, os.path.dirname(relative)), exist_ok=True)
            Image.fromarray(rng.integers(0, 256, (48, 64), dtype=np.uint8)).save(os.path.join(root, relative))
        written = os.stat(os.path.join(output, relative))
        state.add(relative, {"input": {"path": os.path.join(source, relative)}, "made_with": expected,
                             "output": {"size": written.st_size, "mtime_ns": written.st_mtime_ns},
                             "confidence": float(rng.uniform(-0.5, 0.8))})
    state.save()
    state.close()
    return source, output


def bench_gallery(count):
    from starlette.testclient import TestClient

    with tempfile.TemporaryDirectory(prefix="bench-review-") as folder:
        source, output = write_run(folder, count)
        started = time.monotonic()
        listed = sum(len(names) for _, _, names in os.walk(output))
        baseline = time.monotonic() - started
        started = time.monotonic()
        review = server.Review(input=source, output=output, model=default_model.path())
        review.allowed_hosts = ("testserver",)
        client = TestClient(server.make_app(review), base_url="http://testserver")
        assert client.get("/", params={"token": review.token}).status_code == 200
        opened = time.monotonic() - started
        page = client.get(f"/api/gallery?offset=0&limit={PAGE}").json()
        assert page["total"] == count
        listed_page = time.monotonic() - started
        for item in page["items"]:
            for side in ("input", "output"):
                assert client.get(f"/image/{side}/{item['path']}", params={"size": "thumb"}).status_code == 200
        shown = time.monotonic() - started
        started = time.monotonic()
        for item in page["items"]:
            for root in (source, output):
                with Image.open(os.path.join(root, item["path"])) as image:
                    image.load()
        decoded = time.monotonic() - started
    print(f"gallery of {count:,} images: server started and page served {opened:.2f} s (listing the output "
          f"folder's {listed:,} files alone: {baseline:.2f} s), first {PAGE} listed {listed_page:.2f} s, "
          f"their {2 * PAGE} thumbnails shown {shown:.2f} s")
    print(f"  baseline: decoding those {2 * PAGE} files {decoded:.2f} s -> the gallery's first page "
          f"{shown / decoded:.1f}x of it")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--images", type=int, default=10_000)
    args = parser.parse_args(argv)
    bench_preview(args.megapixels)
    bench_gallery(args.images)


if __name__ == "__main__":
    main()
