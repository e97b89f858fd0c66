"""The colorize record at archive scale: a no-op re-run, peak memory and the record's size at 1,000-100,000 files.

    python bench/bench_state.py                      # 1,000, 10,000 and 100,000 files (about 4 minutes)
    python bench/bench_state.py --sizes 1000,10000

For each size N, N small gray PNGs (16x16, 100 to a folder) are written, and then:

- first run: the outputs and their records as a run writes them, without the model (a stub: each
  input copied to its output, its record added to the state record and saved), timed as a whole;
- no-op re-run: the real `colorize` command in a fresh interpreter over the unchanged input (it
  lists, checks the record and exits without TensorFlow): wall time, peak memory (max RSS), and
  the bytes it wrote;
- one changed: one input rewritten, the real command again (it loads TensorFlow and the shipped
  model and colorizes that one file): wall time and the bytes it wrote, against the record's size,
  so a record rewritten whole shows.

The last column is the no-op re-run's seconds per 1,000 files, whose flatness says it grows linearly.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from model import default_model  # noqa: E402
from pipeline.colorize import job as colorize, plan as colorize_plan  # noqa: E402
from pipeline.io import outputs  # noqa: E402

FILES_PER_FOLDER = 100
SIDE = 16  # pixels
# The command in a fresh interpreter, then its peak memory and the bytes it wrote (Linux's /proc).
MEASURED_RUN = """
import resource, sys
from jobs import colorize
try:
    colorize.main(sys.argv[1:])
finally:
    written = next(int(line.split()[1]) for line in open("/proc/self/io") if line.startswith("wchar"))
    print("measured", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, written, file=sys.stderr)
"""


def write_inputs(folder, count):
    rng = np.random.default_rng(0)
    for index in range(count):
        subfolder = os.path.join(folder, f"{index // FILES_PER_FOLDER:04d}")
        if index % FILES_PER_FOLDER == 0:
            os.makedirs(subfolder)
        Image.fromarray(rng.integers(0, 256, (SIDE, SIDE), dtype=np.uint8)).save(
            os.path.join(subfolder, f"{index:06d}.png"))


def stub_first_run(config):
    """Outputs and records as a run leaves them, without the model: returns its seconds."""
    started = time.monotonic()
    listed, _ = colorize.files.list_files(config.input)
    expected = colorize_plan.made_with(config)
    state = outputs.StateRecord(config.output)
    for path, relative_path in listed:
        target = colorize_plan.output_path_for(config, relative_path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(path, target)
        written = os.stat(target)
        state.add(relative_path, {
            "input": {**colorize_plan.input_identity(path), "path": path, "sha256": outputs.file_hash(path)},
            "made_with": expected, "output": {"size": written.st_size, "mtime_ns": written.st_mtime_ns}})
    state.save()
    state.close()
    return time.monotonic() - started


def measured_run(argv):
    """(seconds, peak memory in MB, bytes written, stdout) of the colorize command in a fresh interpreter."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", MEASURED_RUN, *argv], capture_output=True, text=True, check=False,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"colorize failed ({result.returncode}): {result.stderr[-2000:]}")
    measured = next(line for line in result.stderr.splitlines() if line.startswith("measured")).split()
    return seconds, int(measured[1]) / 1024, int(measured[2]), result.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="Comma-separated numbers of files.")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"{'files':>8} {'first run s':>12} {'no-op s':>8} {'no-op MB':>9} {'no-op wrote':>12} "
          f"{'record MB':>10} {'1 changed s':>12} {'1 changed wrote':>16} {'no-op s/1k':>11}")
    for count in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-state-") as folder:
            source, output = os.path.join(folder, "in"), os.path.join(folder, "out")
            write_inputs(source, count)
            config = colorize.ColorizeConfig(input=source, output=output, model=default_model.path())
            first = stub_first_run(config)
            command = ["--input", source, "--output", output]
            no_op, memory, no_op_wrote, stdout = measured_run(command)
            assert f"up to date {count:,}" in stdout, stdout
            record = os.path.getsize(os.path.join(outputs.job_folder(output), outputs.STATE_NAME))
            Image.fromarray(np.full((SIDE, SIDE), 128, dtype=np.uint8)).save(
                os.path.join(source, "0000", "000000.png"))
            changed, _, changed_wrote, stdout = measured_run(command)
            assert "colorized 1," in stdout, stdout
            print(f"{count:>8,} {first:>12.1f} {no_op:>8.2f} {memory:>9.0f} {no_op_wrote / 1e3:>10.0f}kB "
                  f"{record / 1e6:>10.1f} {changed:>12.2f} {changed_wrote / 1e3:>14.0f}kB "
                  f"{no_op / count * 1000:>11.3f}", flush=True)


if __name__ == "__main__":
    main()
