"""Tests for OutputLock in pipeline/io/outputs.py: exclusive across processes, never waits, freed by a kill."""

import os
import subprocess
import sys
import textwrap

import pytest

from pipeline.io import outputs

# A second process that takes the lock on argv[1], says so, and holds it until killed or told to go.
HOLDER = textwrap.dedent("""
    import sys
    from pipeline.io import outputs
    with outputs.OutputLock(sys.argv[1], job="colorize-prepare"):
        print("locked", flush=True)
        sys.stdin.readline()
""")
REFUSAL_TIMEOUT = 60  # seconds: a lock that waited instead of refusing would hang until then


@pytest.fixture
def held_lock(tmp_path):
    """(output folder, process) where another process holds the lock."""
    output = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(output)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, cwd=os.getcwd(),
                               env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert process.stdout.readline().strip() == "locked"
        yield output, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def take_lock_in_a_process(output):
    """Try the lock from a fresh process; its output says what happened."""
    script = ("import sys\nfrom pipeline.io import outputs\n"
              "try:\n    with outputs.OutputLock(sys.argv[1]):\n        print('taken')\n"
              "except outputs.LockedError as error:\n    print(error)\n")
    return subprocess.run([sys.executable, "-c", script, str(output)], capture_output=True, text=True,
                          timeout=REFUSAL_TIMEOUT, check=True).stdout.strip()


@pytest.mark.slow
def test_a_second_process_is_refused_at_once_and_told_who_holds_the_lock(held_lock):
    output, holder = held_lock
    message = take_lock_in_a_process(output)
    assert message.startswith(f"another colorize run (pid {holder.pid} since ")
    assert message.endswith(f"is writing to {output}; wait for it to finish, or choose another --output")


@pytest.mark.slow
def test_a_killed_holder_leaves_its_file_but_not_its_lock(held_lock):
    output, holder = held_lock
    holder.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no clean-up runs
    holder.wait()
    assert (output / outputs.JOB_FOLDER / outputs.LOCK_NAME).exists()
    assert take_lock_in_a_process(output) == "taken"


@pytest.mark.slow
def test_a_released_lock_is_taken_by_the_next_process(held_lock):
    output, holder = held_lock
    holder.communicate("go\n", timeout=REFUSAL_TIMEOUT)
    assert holder.returncode == 0
    assert take_lock_in_a_process(output) == "taken"


def test_the_same_process_cannot_take_the_lock_twice(tmp_path):
    with outputs.OutputLock(str(tmp_path)):
        with pytest.raises(outputs.LockedError, match=f"another colorize run \\(pid {os.getpid()} since "):
            with outputs.OutputLock(str(tmp_path)):
                pass
    with outputs.OutputLock(str(tmp_path)) as lock:  # released on leaving
        assert lock.file is not None
    assert lock.file is None


def test_a_remote_output_takes_no_lock(tmp_path):
    with outputs.OutputLock("gs://bucket/out") as lock:
        assert lock.file is None
