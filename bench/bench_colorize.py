"""Benchmark the colorize job against a plain loop, and check that its memory stays bounded.

    python bench/bench_colorize.py                  # speed: 100 real photos of 1-12 megapixels
    python bench/bench_colorize.py --memory         # peak memory: 100 vs 1,000 files, one 50 MP image
    python bench/bench_colorize.py --model NEW.keras --baseline-model OLD.keras   # one model's cost against another's
    python bench/bench_colorize.py --rerun          # a scheduled re-run with nothing new, against the first run
    python bench/bench_colorize.py --against 1d4c421 --count 40   # the job against an earlier commit's, and the floor
    python bench/bench_colorize.py --hints --count 20   # 10 hints per image against none, the shipped (guided) model

Needs `python data/fetch_photos.py --source endless-sky-photos`. The speed test makes 100 JPEGs from the real photos,
upscaled to between 1 and 12 megapixels, then times, in the same run, a plain loop that
loads the model once and calls `model.inference.colorize_image` image by image (decode,
colorize, encode, write), and the colorize job: on one thread, as it runs by default (one
thread per core) and with two worker processes. Each runs as its own process and is
timed from its start to its exit, start-up (importing TensorFlow, loading the model) included.
Prints images/s, megapixels/s, the CPU seconds of each and the ratios; target: the job at
least 2 times faster. It also prints the most that any job doing the loop's CPU work could
gain on this machine: the loop's wall time over its CPU time spread over every core.
The memory test runs the job in a subprocess and reads its peak resident memory. The re-run
test times, as processes start to exit, the job's first run over the same folder and then
re-runs: with nothing new (target: at least 2 times faster than the first run), after every
input was touched (new timestamps, the same content: each input's hash is checked once),
and with one input replaced. The comparison with a commit (--against) builds a git worktree
of it in a temporary folder, runs its job and this tree's at their defaults over the same
photos with the same model, each as a process timed from start to exit, and prints the
throughput ratio (issue 34's target: at least 1.5 against 1d4c421), beside the floor: the
CPU time of the network alone plus decoding and encoding alone, spread over every core.
The hints test (--hints) times the job at its defaults over the same photos without hints and
with HINTS_PER_IMAGE hints per image (--hints FILE.csv, random points and colors), each as a
process from start to exit, alternately, and prints the throughput with hints over that without
(issue 29's target: at least 0.9).
"""

import argparse
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np
from PIL import Image

PHOTOS = "data/downloads/endless-sky-photos"
HINTS_PER_IMAGE = 10  # the --hints test's hints on every image
HINT_RADIUS = 2  # pixels: a small patch, as a user's click gives


def make_folder(folder, count, min_megapixels, max_megapixels, seed=0, mode="L"):
    """`count` JPEGs (grayscale, or color with mode="RGB") made from the real photos, of sizes spread over the range."""
    os.makedirs(folder, exist_ok=True)
    names = sorted(name for name in os.listdir(PHOTOS) if name.endswith(".jpg"))
    generator = np.random.default_rng(seed)
    total = 0.0
    for index in range(count):
        source = Image.open(os.path.join(PHOTOS, names[index % len(names)])).convert(mode)
        megapixels = generator.uniform(min_megapixels, max_megapixels)
        scale = (megapixels * 1e6 / (source.width * source.height)) ** 0.5
        image = source.resize((round(source.width * scale), round(source.height * scale)),
                              Image.Resampling.BICUBIC)
        image.save(os.path.join(folder, f"photo{index:04d}.jpg"), quality=90)
        total += image.width * image.height / 1e6
    return total


def plain_loop(folder, output, model_path):
    from model import inference

    colorizer = inference.load(model_path)
    os.makedirs(output, exist_ok=True)
    for name in sorted(os.listdir(folder)):
        rgb = np.asarray(Image.open(os.path.join(folder, name)).convert("RGB"))
        result = inference.colorize_image(colorizer, rgb)
        buffer = io.BytesIO()
        Image.fromarray(result).save(buffer, format="JPEG", quality=92)
        with open(os.path.join(output, name), "wb") as file:
            file.write(buffer.getvalue())


def timed(command):
    """Wall seconds and CPU seconds (user and system, all threads) of a command run to its exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit status {result.returncode}):\n{result.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_loop(folder, output, model_path):
    """The plain loop in its own process, as a user would run a script; returns wall and CPU seconds."""
    return timed([sys.executable, os.path.abspath(__file__), "--plain-loop", folder, output, "--model", model_path])


def run_job(folder, output, extra=()):
    return timed([sys.executable, "-m", "jobs.colorize", "--input", folder, "--output", output, *extra])


PEAK_PROBE = """
import resource, runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_module("jobs.colorize", run_name="__main__")
finally:
    print("peak_kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def peak_memory_of(job_args):
    """Peak resident memory (MB) of the colorize job, run in a fresh child process."""
    result = subprocess.run([sys.executable, "-c", PEAK_PROBE, "colorize", *job_args], check=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = [line for line in result.stderr.splitlines() if line.startswith("peak_kb")][-1]
    return int(line.split()[1]) / 1024.0


def speed(scratch, model_path, count):
    folder = os.path.join(scratch, "input")
    megapixels = make_folder(folder, count, 1.0, 12.0)
    print(f"{count} photos, {megapixels:.0f} megapixels in all", flush=True)
    loop_seconds, loop_cpu = run_loop(folder, os.path.join(scratch, "loop"), model_path)
    rows = [("plain loop", (loop_seconds, loop_cpu))]
    rows.append(("job, one thread", run_job(folder, os.path.join(scratch, "job1"), [
        "--model", model_path, "--direct_running_mode=in_memory"])))
    rows.append(("job, default", run_job(folder, os.path.join(scratch, "job2t"), ["--model", model_path])))
    rows.append(("job, 2 processes", run_job(folder, os.path.join(scratch, "job2"), [
        "--model", model_path, "--direct_running_mode=multi_processing", "--direct_num_workers=2"])))
    for name, (seconds, cpu) in rows:
        print(f"{name:<20}{seconds:8.1f} s {count / seconds:7.2f} images/s {megapixels / seconds:7.2f} MP/s"
              f"  CPU {cpu:6.1f} s ({cpu / seconds:4.2f} cores)  speed-up vs loop {loop_seconds / seconds:5.2f}x"
              " (target >= 2)")
    # The loop already keeps part of its run (TensorFlow's network call) on several cores. A job
    # that does the same CPU work, spread perfectly over every core, takes cpu / cores seconds.
    cores = os.cpu_count()
    print(f"the loop keeps {loop_cpu / loop_seconds:.2f} of {cores} cores busy: a job doing the same CPU work "
          f"on all {cores} can be at most {cores * loop_seconds / loop_cpu:.2f}x faster")


def against_baseline(scratch, model_path, baseline_path, count):
    """The job at its defaults with the model and with a baseline model, on the same photos, in one run."""
    folder = os.path.join(scratch, "input")
    megapixels = make_folder(folder, count, 1.0, 12.0)
    print(f"{count} photos, {megapixels:.0f} megapixels in all", flush=True)
    results = {}
    for name, path in (("baseline", baseline_path), ("model", model_path)):
        seconds, cpu = run_job(folder, os.path.join(scratch, name), ["--model", path])
        results[name] = seconds
        print(f"{name:<10}{path}: {seconds:8.1f} s {count / seconds:7.2f} images/s {megapixels / seconds:7.2f} MP/s"
              f"  CPU {cpu:6.1f} s", flush=True)
    print(f"throughput of the model against the baseline: {results['baseline'] / results['model']:.2f} "
          "(target >= 0.5)")


def rerun(scratch, model_path, count):
    folder, output = os.path.join(scratch, "input"), os.path.join(scratch, "output")
    megapixels = make_folder(folder, count, 1.0, 12.0)
    print(f"{count} photos, {megapixels:.0f} megapixels in all", flush=True)
    job = ["--model", model_path]
    first, _ = run_job(folder, output, job)
    rows = [("first run", first), ("nothing new", run_job(folder, output, job)[0])]
    for name in os.listdir(folder):
        os.utime(os.path.join(folder, name))
    rows.append(("every input touched", run_job(folder, output, job)[0]))
    rows.append(("touched, again", run_job(folder, output, job)[0]))
    make_folder(os.path.join(scratch, "replacement"), 1, 1.0, 1.0, seed=1)
    shutil.copy(os.path.join(scratch, "replacement", "photo0000.jpg"), os.path.join(folder, "photo0000.jpg"))
    rows.append(("one input replaced", run_job(folder, output, job)[0]))
    for name, seconds in rows:
        print(f"{name:<22}{seconds:8.1f} s   first run / this run {first / seconds:6.2f}x"
              + (" (target >= 2)" if name == "nothing new" else ""))


def write_hints(folder, path, per_image, seed=0):
    """A --hints CSV of `per_image` points of random colors at random places on every image in `folder`."""
    generator = np.random.default_rng(seed)
    lines = ["path,x,y,color,radius"]
    for name in sorted(os.listdir(folder)):
        with Image.open(os.path.join(folder, name)) as image:
            width, height = image.size
        for _ in range(per_image):
            red, green, blue = generator.integers(0, 256, 3)
            lines.append(f"{name},{generator.integers(0, width)},{generator.integers(0, height)},"
                         f"#{red:02x}{green:02x}{blue:02x},{HINT_RADIUS}")
    with open(path, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")


def with_hints(scratch, model_path, count, rounds=2):
    """The job's throughput with HINTS_PER_IMAGE hints per image against none, on the same photos, in one run."""
    folder = os.path.join(scratch, "input")
    megapixels = make_folder(folder, count, 1.0, 12.0)
    hints = os.path.join(scratch, "hints.csv")
    write_hints(folder, hints, HINTS_PER_IMAGE)
    print(f"{count} photos, {megapixels:.0f} megapixels in all, {HINTS_PER_IMAGE} hints on each", flush=True)
    seconds = {"without hints": [], "with hints": []}
    for round_index in range(rounds):  # alternately, so that a change in the machine's load falls on both
        for name, extra in (("without hints", []), ("with hints", ["--hints", hints])):
            wall, cpu = run_job(folder, os.path.join(scratch, f"{name} {round_index}"), ["--model", model_path, *extra])
            seconds[name].append(wall)
            print(f"{name:<15}{wall:8.1f} s {count / wall:7.2f} images/s {megapixels / wall:7.2f} MP/s"
                  f"  CPU {cpu:6.1f} s", flush=True)
    without, guided = min(seconds["without hints"]), min(seconds["with hints"])
    print(f"throughput with {HINTS_PER_IMAGE} hints per image against none (best of {rounds}): "
          f"{without / guided:.2f} (target >= 0.9)")


def run_job_of(tree, folder, output, model_path):
    """The colorize job of another source tree (a worktree), run from it with this interpreter."""
    environment = {**os.environ, "PYTHONPATH": tree}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "jobs.colorize", "--input", folder, "--output", output,
                             "--model", model_path], cwd=tree, env=environment, check=False,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"the job of {tree} failed (exit status {result.returncode}):\n{result.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


FLOOR_PROBE = """
import io, os, sys, time
import numpy as np
from PIL import Image
from model import inference
colorizer = inference.load(sys.argv[2])
seconds = {"decode": 0.0, "network": 0.0, "encode": 0.0}
for name in sorted(os.listdir(sys.argv[1])):
    started = time.process_time()
    with Image.open(os.path.join(sys.argv[1], name)) as image:
        gray = np.asarray(image.convert("L"))
    decoded = time.process_time()
    inference.predict_ab(colorizer, gray[None])
    predicted = time.process_time()
    buffer = io.BytesIO()
    Image.fromarray(np.repeat(gray[..., None], 3, axis=2)).save(buffer, format="JPEG", quality=92)
    seconds["decode"] += decoded - started
    seconds["network"] += predicted - decoded
    seconds["encode"] += time.process_time() - predicted
print(seconds["decode"], seconds["network"], seconds["encode"])
"""


def against_commit(scratch, model_path, commit, count):
    """This tree's job against the job of `commit` (a git worktree of it), and the floor, in one run."""
    folder = os.path.join(scratch, "input")
    megapixels = make_folder(folder, count, 1.0, 12.0)
    print(f"{count} photos, {megapixels:.0f} megapixels in all", flush=True)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tree = os.path.join(scratch, "baseline-tree")
    subprocess.run(["git", "-C", root, "worktree", "add", "--detach", tree, commit], check=True,
                   stdout=subprocess.DEVNULL)
    model_path = os.path.abspath(model_path)
    # One photo alone: the start-up (importing TensorFlow, loading the model) and one photo's work.
    single = os.path.join(scratch, "single")
    os.makedirs(single)
    shutil.copy(os.path.join(folder, sorted(os.listdir(folder))[0]), single)
    try:
        rows, starts = [], []
        for name, source in ((f"job at {commit}", tree), ("job, this tree", root)):
            rows.append((name, run_job_of(source, folder, os.path.join(scratch, name + " out"), model_path)))
            starts.append(run_job_of(source, single, os.path.join(scratch, name + " single"), model_path))
    finally:
        subprocess.run(["git", "-C", root, "worktree", "remove", "--force", tree], check=False)
    result = subprocess.run([sys.executable, "-c", FLOOR_PROBE, folder, model_path], cwd=root, check=True,
                            capture_output=True, text=True)
    decode, network, encode = (float(value) for value in result.stdout.split()[-3:])
    for name, (seconds, cpu) in rows:
        print(f"{name:<22}{seconds:8.1f} s {count / seconds:7.2f} images/s {megapixels / seconds:7.2f} MP/s"
              f"  CPU {cpu:6.1f} s", flush=True)
    print(f"throughput of this tree against {commit}: {rows[0][1][0] / rows[1][1][0]:.2f}x (target >= 1.5)")
    for (name, (seconds, cpu)), (start, start_cpu) in zip(rows, starts):
        print(f"{name:<22}one photo alone {start:5.1f} s (CPU {start_cpu:5.1f} s); the other {count - 1} photos "
              f"{seconds - start:6.1f} s (CPU {cpu - start_cpu:6.1f} s)")
    print(f"throughput past the start-up: {(rows[0][1][0] - starts[0][0]) / (rows[1][1][0] - starts[1][0]):.2f}x, "
          f"CPU per photo {(rows[0][1][1] - starts[0][1]) / (rows[1][1][1] - starts[1][1]):.2f}x")
    cores = os.cpu_count()
    floor = decode + network + encode
    print(f"floor: network alone {network:.1f} CPU-s + decoding {decode:.1f} + encoding {encode:.1f} = {floor:.1f} "
          f"CPU-s, {floor / cores:.1f} s on {cores} cores; this tree's job takes {rows[1][1][0] / (floor / cores):.2f}"
          " times the floor")


def memory(scratch, model_path):
    for count in (100, 1000):
        folder = os.path.join(scratch, f"small{count}")
        make_folder(folder, count, 0.05, 0.1)
        peak = peak_memory_of(["--input", folder, "--output", os.path.join(scratch, f"out{count}"),
                               "--model", model_path])
        print(f"{count:>5} files: peak resident memory {peak:7.0f} MB", flush=True)
    folder = os.path.join(scratch, "huge")
    os.makedirs(folder)
    source = Image.open(os.path.join(PHOTOS, min(os.listdir(PHOTOS)))).convert("L")
    huge = source.resize((10_000, 5_000), Image.Resampling.BICUBIC)
    huge.save(os.path.join(folder, "huge0.jpg"), quality=90)
    peak = peak_memory_of(["--input", folder, "--output", os.path.join(scratch, "outhuge"), "--model", model_path])
    print(f"one 50-megapixel image: peak resident memory {peak:7.0f} MB (target <= 2048)", flush=True)
    for index in (1, 2):
        huge.save(os.path.join(folder, f"huge{index}.jpg"), quality=90)
    peak = peak_memory_of(["--input", folder, "--output", os.path.join(scratch, "outhuge3"), "--model", model_path])
    print(f"three 50-megapixel images, a thread per core: peak resident memory {peak:7.0f} MB (target <= 2048)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="model/default/model.keras")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--memory", action="store_true", help="Run the memory checks instead of the speed test.")
    parser.add_argument("--baseline-model", default=None,
                        help="Instead of the speed test: the job's throughput with --model against this model.")
    parser.add_argument("--rerun", action="store_true", help="Time re-runs against the first run instead.")
    parser.add_argument("--against", metavar="COMMIT", default=None,
                        help="Instead of the speed test: the job against the job of COMMIT (a git worktree of it, "
                             "e.g. 1d4c421), and the floor.")
    parser.add_argument("--hints", action="store_true",
                        help=f"Instead of the speed test: the job with {HINTS_PER_IMAGE} hints per image against none.")
    parser.add_argument("--plain-loop", nargs=2, metavar=("INPUT", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_loop:
        from pipeline.io import console

        console.configure_logging(verbose=False)
        plain_loop(*args.plain_loop, args.model)
        return
    scratch = tempfile.mkdtemp(prefix="bench-colorize-")
    try:
        if args.memory:
            memory(scratch, args.model)
        elif args.baseline_model:
            against_baseline(scratch, args.model, args.baseline_model, args.count)
        elif args.rerun:
            rerun(scratch, args.model, args.count)
        elif args.against:
            against_commit(scratch, args.model, args.against, args.count)
        elif args.hints:
            with_hints(scratch, args.model, args.count)
        else:
            speed(scratch, args.model, args.count)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
