"""The folder a job writes into: its lock, atomic writes, staging, the record of what it wrote, leftovers.

The colorize and prepare jobs keep everything they write besides their results in one hidden
folder, OUTPUT/.colorize/: the lock, files being written, staging folders, the state record,
the report (and the colorize job's compare images and contact sheet), so that no input's name
can collide with any of it; the evaluate job writes its files there first too. A file is written under a short temporary name in that folder
and renamed into place when complete, so a killed run never leaves a partial result and a
result's name can be as long as the file system allows.

The colorize job records, for every output it writes, what made it (`StateRecord`): the
input's size, timestamps and content hash, the model and the settings. The record is how
it knows that a file at a target path is its own (and may be replaced) and whether an
output still matches its input.
"""

import contextlib
import datetime
import errno
import hashlib
import json
import os
import shutil
import uuid

import portalocker

JOB_FOLDER = ".colorize"  # in the output folder: everything a job writes besides its results
LOCK_NAME = "lock"
TEMPORARY_FOLDER = "tmp"  # files being written, renamed into place when complete
STAGING_PREFIX = "staging-"  # folders in which a run collects results before moving them into place
STATE_NAME = "state.json"
JOURNAL_FOLDER = "journal"  # records of outputs written by a run that has not saved the state yet
STATE_VERSION = 1
# Errors after which no later write to the same file system can succeed: the run stops.
STOPPING_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


class LockedError(RuntimeError):
    """Another run is writing to the same output folder."""


class OutputError(OSError):
    """A file in the output folder could not be written: no space, no permission, a name too long."""

    def __init__(self, path, error):
        super().__init__(error.errno, error.strerror or str(error), path)
        self.path = path

    @property
    def stops_run(self):
        """True for a full disk or a read-only file system: every later write would fail the same way."""
        return self.errno in STOPPING_ERRNOS

    def __str__(self):
        advice = ("free some space (or choose another --output) and run the same command again; finished "
                  "outputs are kept" if self.stops_run else "check the output folder's permissions and "
                  "names, or choose another --output")
        return f"cannot write {self.path} ({self.strerror}); {advice}"


def job_folder(output):
    """The folder in `output` that holds everything a job writes besides its results."""
    return os.path.join(output, JOB_FOLDER)


def is_remote(path):
    return "://" in path


def refuse_nesting(input_root, output, input_flag="--input"):
    """Refuse an output inside the input, and an input inside the output, before any work.

    Either way one run's results would land among the other's files: a later run would
    read its own results as inputs, or write a result over an original.
    """
    if is_remote(input_root) or is_remote(output):
        return
    real_input, real_output = os.path.realpath(input_root), os.path.realpath(output)
    noun = input_flag.lstrip("-")
    if os.path.commonpath([real_input, real_output]) == real_input:
        raise ValueError(f"the output {output} is inside the {noun} {input_root}; a later run would read its "
                         f"own results as inputs: choose an output folder outside {input_flag}")
    if os.path.commonpath([real_input, real_output]) == real_output:
        raise ValueError(f"the {noun} {input_root} is inside the output {output}; results could be written over "
                         f"its files: choose an output folder that does not contain {input_flag}")


def prepare_folder(output):
    """Create the output folder and its job folder, and prove that a file can be written there.

    Raises OutputError for a full disk or a read-only file system, ValueError for any other
    reason it cannot (a path through a file, no permission, an unknown file system), each
    saying what to do; the probe never stays behind, even on a full disk where creating it
    succeeds and writing it fails.
    """
    try:
        if is_remote(output):
            from apache_beam.io.filesystems import FileSystems

            probe = FileSystems.join(output, f"{JOB_FOLDER}-write-test-{uuid.uuid4().hex}")
            _write_and_remove(probe, FileSystems.create, FileSystems.exists, lambda path: FileSystems.delete([path]))
        else:
            temporary = os.path.join(job_folder(output), TEMPORARY_FOLDER)
            os.makedirs(temporary, exist_ok=True)
            probe = os.path.join(temporary, f"write-test-{uuid.uuid4().hex}")
            _write_and_remove(probe, _create_synced, os.path.exists, os.remove)
    # Beam's file systems raise BeamIOError (an OSError) for a failed write, ValueError for an unknown scheme.
    except (OSError, ValueError) as error:
        if getattr(error, "errno", None) in STOPPING_ERRNOS:
            raise OutputError(output, error) from error
        raise ValueError(f"cannot write to the output folder {output} ({getattr(error, 'strerror', None) or error}); "
                         "choose a folder you can write to with --output") from error


def _write_and_remove(probe, create, exists, remove):
    try:
        with create(probe) as file:
            file.write(b"ok")
    finally:
        if exists(probe):
            remove(probe)


@contextlib.contextmanager
def _create_synced(path):
    """A local file opened for writing whose data reaches the disk on close: a full disk shows then, not later."""
    with open(path, "wb") as file:
        yield file
        file.flush()
        os.fsync(file.fileno())


class OutputLock:
    """An exclusive lock on the output folder, so two runs never write the same files.

    The lock is the operating system's on an open file (flock on POSIX, LockFileEx or
    msvcrt.locking on Windows, through portalocker), so it goes with the process: a run that
    is killed leaves the file behind but not the lock, and the next run takes it at once.
    Taking it never waits: a second run is refused with LockedError.
    """

    def __init__(self, output, job="colorize"):
        self.path = os.path.join(job_folder(output), LOCK_NAME)
        self.output = output
        self.job = job
        self.file = None

    def __enter__(self):
        if is_remote(self.output):  # Object stores have no locks; a cluster run is scheduled alone.
            return self
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.file = open(self.path, "a+")
        try:
            portalocker.lock(self.file, portalocker.LockFlags.EXCLUSIVE | portalocker.LockFlags.NON_BLOCKING)
        except portalocker.AlreadyLocked as error:
            holder = self._holder()
            self.file.close()
            self.file = None
            raise LockedError(f"another {self.job} run ({holder}) is writing to {self.output}; "
                              "wait for it to finish, or choose another --output") from error
        try:  # Who holds the lock, for the message of a second run; the lock holds without it.
            self.file.seek(0)
            self.file.truncate()
            self.file.write(f"pid {os.getpid()} since {datetime.datetime.now().isoformat(timespec='seconds')}")
            self.file.flush()
        except OSError:
            pass
        return self

    def _holder(self):
        """What the run holding the lock wrote in it (Windows may refuse to let it be read)."""
        try:
            self.file.seek(0)
            return self.file.read().strip() or "another process"
        except OSError:
            return "another process"

    def __exit__(self, *exc_info):
        if self.file is not None:
            portalocker.unlock(self.file)
            self.file.close()
            self.file = None


def remove_leftovers(output):
    """Delete the temporary files and staging folders that a killed run left; returns how many.

    Only the job folder is looked in: nothing among the results is touched. Call only
    under the OutputLock: then no other run is writing them.
    """
    folder = job_folder(output)
    if is_remote(output) or not os.path.isdir(folder):
        return 0
    removed = 0
    temporary = os.path.join(folder, TEMPORARY_FOLDER)
    if os.path.isdir(temporary):
        removed += len(os.listdir(temporary))
        shutil.rmtree(temporary)
    for name in os.listdir(folder):
        if name.startswith(STAGING_PREFIX):
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)
            removed += 1
    return removed


def staging_folder(output):
    """A new, unique staging folder path in the job folder (not created)."""
    return os.path.join(job_folder(output), f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}")


def write_atomically(output, path, data, before_replace=None):
    """Write bytes to `path` (under `output`) through a temporary file and an atomic rename.

    The temporary file is in the job folder under a short name, so `path` may be as long
    as the file system allows. `before_replace(status)`, with the os.stat of the finished
    temporary file (a rename keeps its size and timestamps), runs before the rename: a
    record of the file made there is never missing for a file in place. Raises OutputError
    naming `path`. On object stores (gs://, s3://) an object appears only when its upload
    completes.
    """
    if is_remote(path):
        from apache_beam.io.filesystems import FileSystems

        with FileSystems.create(path) as file:
            file.write(data)
        return
    temporary_folder = os.path.join(job_folder(output), TEMPORARY_FOLDER)
    temporary = os.path.join(temporary_folder, uuid.uuid4().hex)
    try:
        os.makedirs(temporary_folder, exist_ok=True)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(temporary, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if before_replace is not None:
            before_replace(os.stat(temporary))
        os.replace(temporary, path)
    except OSError as error:
        raise OutputError(path, error) from error
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def remove_empty_job_folder(output):
    """Remove the job folder when it holds nothing but empty folders (a job that kept no lock or state)."""
    folder = job_folder(output)
    for root, _, _ in sorted(os.walk(folder), reverse=True):  # the deepest folders first
        try:
            os.rmdir(root)
        except OSError:  # not empty: a file a job keeps, or one another run is writing
            return


def write_json(output, path, value):
    """Write a JSON document atomically, in UTF-8.

    A file name that is not UTF-8 is held in Python as lone surrogates; they are written as
    JSON's \\uDCxx escapes, which read back to the same name.
    """
    text = json.dumps(value, indent=1, ensure_ascii=False)
    write_atomically(output, path, text.encode("utf-8", "backslashreplace"))


# ---------------------------------------------------------------------------------------
# The record of what a job wrote and what made each file.


def file_identity(status):
    """What tells one version of a file from another without reading it: size and timestamps.

    The change time cannot be set by a user, so a file replaced by another with the same
    size and an older modification time (cp -p, rsync -a, a restore) shows as changed.
    """
    return {"size": status.st_size, "mtime_ns": status.st_mtime_ns, "ctime_ns": status.st_ctime_ns,
            "inode": status.st_ino}


def content_hash(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def file_hash(path):
    """The content hash of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


class StateRecord:
    """OUTPUT/.colorize/state.json: for every output the job wrote, what made it.

    A record is keyed by the output's path relative to the output folder and holds
    {"input": identity and content hash of the input as read, "made_with": model and
    settings, "output": size and modification time of the file written}. Runs add records
    to journal files as they write, before each rename; `save` folds them into the state
    file, written atomically, so a killed run's outputs keep their records.
    """

    def __init__(self, output):
        self.output = output
        self.path = os.path.join(job_folder(output), STATE_NAME)
        self.records = {}
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as file:
                self.records = json.load(file)["outputs"]
        self.merge_journals()

    def __contains__(self, relative_path):
        return relative_path in self.records

    def get(self, relative_path):
        return self.records.get(relative_path)

    def wrote(self, relative_path):
        """True when the file now at this output path is the one the record says the job wrote."""
        record = self.records.get(relative_path)
        if record is None:
            return False
        try:
            status = os.lstat(os.path.join(self.output, relative_path))
        except FileNotFoundError:
            return False
        return (status.st_size, status.st_mtime_ns) == (record["output"]["size"], record["output"]["mtime_ns"])

    def add(self, relative_path, record):
        """Keep a record when its file is in place (a run killed before the rename left the old one)."""
        previous = self.records.get(relative_path)
        self.records[relative_path] = record
        if not self.wrote(relative_path):
            if previous is None:
                del self.records[relative_path]
            else:
                self.records[relative_path] = previous

    def remove(self, relative_path):
        self.records.pop(relative_path, None)

    def journal_folder(self):
        return os.path.join(job_folder(self.output), JOURNAL_FOLDER)

    def merge_journals(self):
        """Fold the records of runs that wrote outputs but did not save the state (killed ones)."""
        folder = self.journal_folder()
        if not os.path.isdir(folder):
            return
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), encoding="utf-8") as file:
                for line in file:
                    try:
                        entry = json.loads(line)
                    except ValueError:  # A line cut short by a kill or a full disk: its file was not renamed.
                        continue
                    self.add(entry["output_path"], entry["record"])

    def save(self):
        """Write the state file atomically, then drop the journals it now holds."""
        write_json(self.output, self.path, {"version": STATE_VERSION, "outputs": self.records})
        folder = self.journal_folder()
        if os.path.isdir(folder):
            shutil.rmtree(folder)


class Journal:
    """Appends records of outputs as a worker writes them; one file per worker, so lines never interleave."""

    def __init__(self, output):
        self.path = os.path.join(job_folder(output), JOURNAL_FOLDER, f"{uuid.uuid4().hex}.jsonl")

    def add(self, relative_path, record):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as file:
            file.write(json.dumps({"output_path": relative_path, "record": record}) + "\n")
            file.flush()
            os.fsync(file.fileno())
