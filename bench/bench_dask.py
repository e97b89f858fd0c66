"""Benchmark the colorize job on a two-worker Dask cluster against the DirectRunner, same photos, one run.

    python bench/bench_dask.py                 # 40 real photos of 1-6 megapixels
    python bench/bench_dask.py --count 100 --workers 2

Needs `pip install -e '.[dask]'` and `python data/fetch_photos.py --source endless-sky-photos`. Makes the photos from
the real ones, then, in the same run:

1. the colorize job on the DirectRunner at its defaults (one worker thread per core);
2. a Dask cluster started as a user would start one (`dask scheduler`, then `dask worker
   --nworkers N --nthreads 1`, each a process of its own), and the same job with
   `--runner=DaskRunner --dask_client_address=...`.

Each job is timed from its start to its exit (start-up, importing TensorFlow and loading
the model included) and its peak resident memory is read. For the cluster it also reads
every worker process's resident memory before the job (idle, TensorFlow not imported) and
its peak after, and the scheduler's. Both runs must colorize the same files. On a machine
with as many cores as workers no speed-up is expected: the figures are what running on
a cluster costs (wall time against the DirectRunner's, and the memory of each process).
"""

import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.bench_colorize import PEAK_PROBE, make_folder

DEFAULT_MODEL = "model/default/model.keras"


def run_colorize(folder, output, model_path, extra=()):
    """Wall seconds and peak resident MB of the colorize job, run as a fresh process."""
    command = [sys.executable, "-c", PEAK_PROBE, "colorize", "--input", folder, "--output", output,
               "--model", model_path, *extra]
    started = time.perf_counter()
    result = subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"the colorize job failed (exit status {result.returncode}):\n{result.stderr[-3000:]}")
    peak_kb = [line for line in result.stderr.splitlines() if line.startswith("peak_kb")][-1].split()[1]
    return wall, int(peak_kb) / 1024


def _resident_mb():
    """This process's current and peak resident MB, and whether it imported TensorFlow (run through Client.run)."""
    with open("/proc/self/status") as status:
        current_kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return current_kb / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "tensorflow" in sys.modules


class Cluster:
    """A Dask scheduler and `workers` single-threaded worker processes on loopback, started by the CLI."""

    def __init__(self, workers, scratch):
        self.workers = workers
        self.scratch = scratch
        self.processes = []

    def __enter__(self):
        from distributed import Client

        dask = os.path.join(os.path.dirname(sys.executable), "dask")
        scheduler_file = os.path.join(self.scratch, "scheduler.json")
        log = open(os.path.join(self.scratch, "cluster.log"), "w")
        self.processes.append(subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", scheduler_file], stdout=log, stderr=log, start_new_session=True))
        while not os.path.exists(scheduler_file):
            time.sleep(0.2)
        self.processes.append(subprocess.Popen(
            [dask, "worker", "--scheduler-file", scheduler_file, "--nworkers", str(self.workers), "--nthreads", "1",
             "--memory-limit", "0", "--no-dashboard"], stdout=log, stderr=log, start_new_session=True))
        self.client = Client(scheduler_file=scheduler_file)
        self.client.wait_for_workers(self.workers, timeout=120)
        self.address = self.client.scheduler.address.removeprefix("tcp://")
        return self

    def memory(self):
        """{worker address: (current MB, peak MB, TensorFlow imported)} and the same for the scheduler."""
        return self.client.run(_resident_mb), self.client.run_on_scheduler(_resident_mb)

    def __exit__(self, *exc):
        self.client.close()
        for process in reversed(self.processes):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)


def colorized_files(output):
    return sorted(os.path.relpath(os.path.join(directory, name), output)
                  for directory, folders, names in os.walk(output)
                  for name in names if ".colorize" not in directory.split(os.sep))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=40, help="Photos to colorize (default 40).")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes (default 2).")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="The model to colorize with.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch folder and print its path.")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="bench-dask-")
    try:
        folder = os.path.join(scratch, "input")
        megapixels = make_folder(folder, args.count, 1.0, 6.0)
        print(f"{args.count} photos, {megapixels:.0f} megapixels in all, {os.cpu_count()} cores", flush=True)
        direct_seconds, direct_peak = run_colorize(folder, os.path.join(scratch, "direct"), args.model)
        print(f"DirectRunner (defaults)   {direct_seconds:7.1f} s  {args.count / direct_seconds:5.2f} images/s  "
              f"peak {direct_peak:6.0f} MB", flush=True)
        started = time.perf_counter()
        with Cluster(args.workers, scratch) as cluster:
            cluster_seconds = time.perf_counter() - started
            idle, scheduler_idle = cluster.memory()
            dask_seconds, driver_peak = run_colorize(folder, os.path.join(scratch, "dask"), args.model, [
                "--runner=DaskRunner", f"--dask_client_address={cluster.address}"])
            after, scheduler_after = cluster.memory()
        print(f"Dask, {args.workers} workers        {dask_seconds:7.1f} s  {args.count / dask_seconds:5.2f} images/s  "
              f"driver peak {driver_peak:6.0f} MB  (cluster start-up {cluster_seconds:.1f} s, not counted)")
        for address in sorted(after):
            print(f"  worker {address:<22} idle {idle[address][0]:6.0f} MB  peak {after[address][1]:6.0f} MB"
                  f"{'  (imported TensorFlow)' if after[address][2] else ''}")
        print(f"  scheduler                     idle {scheduler_idle[0]:6.0f} MB  peak {scheduler_after[1]:6.0f} MB"
              f"{'  (imported TensorFlow)' if scheduler_after[2] else ''}")
        total_peak = driver_peak + sum(peak for _, peak, _ in after.values()) + scheduler_after[1]
        print(f"Dask / Direct: wall time {dask_seconds / direct_seconds:.2f}x, "
              f"memory of all processes {total_peak / direct_peak:.2f}x ({total_peak:.0f} MB against {direct_peak:.0f} MB)")
        direct_files, dask_files = colorized_files(os.path.join(scratch, "direct")), colorized_files(
            os.path.join(scratch, "dask"))
        if direct_files != dask_files or len(direct_files) != args.count:
            sys.exit(f"the runs wrote different files: {len(direct_files)} on Direct, {len(dask_files)} on Dask")
        print(f"both runs wrote the same {len(dask_files)} files")
    finally:
        if args.keep:
            print(f"scratch kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
