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
import sqlite3
import urllib.parse
import uuid

import portalocker

JOB_FOLDER = ".colorize"  # in the output folder: everything a job writes besides its results
LOCK_NAME = "lock"
TEMPORARY_FOLDER = "tmp"  # files being written, renamed into place when complete
STAGING_PREFIX = "staging-"  # folders in which a run collects results before moving them into place
STATE_NAME = "state.sqlite"
LEGACY_STATE_NAME = "state.json"  # the record of versions before the database: migrated once
STATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS made_with (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS outputs (
    path BLOB PRIMARY KEY,  -- relative to the output folder, as the file system's bytes
    input TEXT NOT NULL,  -- JSON: path, size, timestamps, inode and sha256 of the input as read
    made_with INTEGER NOT NULL REFERENCES made_with (id),
    output_size INTEGER NOT NULL,
    output_mtime_ns INTEGER NOT NULL,
    confidence REAL  -- the colors' confidence (model/inference.confidence_of), NULL if unknown
) WITHOUT ROWID;
"""
JOURNAL_FOLDER = "journal"  # records of outputs written by a run that has not saved the state yet
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
    text = json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True)
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
    """OUTPUT/.colorize/state.sqlite: for every output the job wrote, what made it.

    A record is keyed by the output's path relative to the output folder and holds
    {"input": identity and content hash of the input as read, "made_with": model and
    settings, "output": size and modification time of the file written}. Runs add records
    to journal files as they write, before each rename; `save` folds them into the
    database in one transaction that writes only the rows that changed, so a run that
    changes one file of 100,000 does not rewrite the others, and a run killed (or a disk
    that fills) at any moment leaves the previous record whole and its outputs' journals.

    A record of an earlier version (state.json) is read once and migrated. A record that is
    damaged anyway (a disk fault, a file cut short by hand) is set aside, and `damaged` says
    so: the run goes on as for an output without a record. `read_only` (a dry run) never
    writes: the record is read into memory.
    """

    def __init__(self, output, read_only=False):
        self.output = output
        self.path = os.path.join(job_folder(output), STATE_NAME)
        legacy_path = os.path.join(job_folder(output), LEGACY_STATE_NAME)
        self.existed = self.exists(output)
        self.damaged = None  # what was wrong with a damaged record, and where it was set aside
        self.read_only = read_only
        self._made_with = {}  # made_with JSON -> its row id, and back
        migrate = not os.path.exists(self.path) and os.path.exists(legacy_path)
        self.database = self._open()
        if migrate:
            self._migrate(legacy_path)
        self.merge_journals()

    @staticmethod
    def exists(output):
        """Whether `output` has a record (of this version or an earlier one) of what a job wrote there."""
        return any(os.path.exists(os.path.join(job_folder(output), name)) for name in (STATE_NAME, LEGACY_STATE_NAME))

    def _open(self):
        """The database, checked; a damaged one set aside for an empty one."""
        try:
            database = self._connect()
            problem = database.execute("PRAGMA quick_check").fetchone()[0]
            if problem == "ok":
                database.executescript(STATE_SCHEMA)
                self._add_confidence_column(database)
                for row_id, value in database.execute("SELECT id, value FROM made_with"):
                    self._made_with[value], self._made_with[row_id] = row_id, json.loads(value)
                return database
            database.close()
        except sqlite3.DatabaseError as error:  # "file is not a database", "database disk image is malformed"
            problem = str(error)
        self._made_with.clear()
        self._set_aside(self.path, problem)
        database = self._connect(fresh=True)
        database.executescript(STATE_SCHEMA)
        self._add_confidence_column(database)
        return database

    def _add_confidence_column(self, database):
        """A record of an earlier version has no confidence column: added (read-only, read as NULL)."""
        columns = {row[1] for row in database.execute("PRAGMA table_info(outputs)")}
        if "confidence" in columns:
            self._confidence = "confidence"
        elif self.read_only:
            self._confidence = "NULL"
        else:
            database.execute("ALTER TABLE outputs ADD COLUMN confidence REAL")
            self._confidence = "confidence"

    def _connect(self, fresh=False):
        if self.read_only:
            if fresh or not os.path.exists(self.path):
                return sqlite3.connect(":memory:")
            return sqlite3.connect(f"file:{urllib.parse.quote(os.path.abspath(self.path))}?mode=ro", uri=True)
        os.makedirs(job_folder(self.output), exist_ok=True)
        database = sqlite3.connect(self.path)
        database.execute("PRAGMA synchronous=FULL")  # a commit is on disk before the journals are dropped
        return database

    def _set_aside(self, path, problem):
        aside = f"{path}.damaged-{datetime.datetime.now().strftime('%Y%m%d-%H%M%S')}"
        if not self.read_only:
            os.replace(path, aside)
        self.damaged = (f"the record of what colorize wrote, {path}, is damaged ({problem})"
                        + ("" if self.read_only else f" and was set aside as {aside}"))

    def _migrate(self, legacy_path):
        """Read a state.json of an earlier version into the database, once; then remove it."""
        try:
            with open(legacy_path, encoding="utf-8") as file:
                records = json.load(file)["outputs"]
            rows = [(relative_path, record) for relative_path, record in records.items()]
        except (ValueError, KeyError, TypeError, AttributeError) as error:  # cut short, or not our file
            self._set_aside(legacy_path, f"{type(error).__name__}: {error}")
            return
        for relative_path, record in rows:
            self._put(relative_path, record)
        if not self.read_only:
            self._commit()
            os.remove(legacy_path)

    def _made_with_id(self, made_with):
        key = json.dumps(made_with, sort_keys=True)
        if key not in self._made_with:
            row_id = self.database.execute("INSERT INTO made_with (value) VALUES (?)", (key,)).lastrowid
            self._made_with[key], self._made_with[row_id] = row_id, made_with
        return self._made_with[key]

    def _put(self, relative_path, record):
        self.database.execute(
            "INSERT OR REPLACE INTO outputs (path, input, made_with, output_size, output_mtime_ns, confidence) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (os.fsencode(relative_path), json.dumps(record["input"]), self._made_with_id(record["made_with"]),
             record["output"]["size"], record["output"]["mtime_ns"], record.get("confidence")))

    def __contains__(self, relative_path):
        return self.get(relative_path) is not None

    def __len__(self):
        return self.database.execute("SELECT count(*) FROM outputs").fetchone()[0]

    def get(self, relative_path):
        """The record of the output at this relative path, or None."""
        row = self.database.execute(
            f"SELECT input, made_with, output_size, output_mtime_ns, {self._confidence} FROM outputs WHERE path = ?",
            (os.fsencode(relative_path),)).fetchone()
        if row is None:
            return None
        return {"input": json.loads(row[0]), "made_with": self._made_with[row[1]],
                "output": {"size": row[2], "mtime_ns": row[3]}, "confidence": row[4]}

    def inputs(self):
        """(relative path of the output, path of its input) of every record, by output path."""
        for path, input_json in self.database.execute("SELECT path, input FROM outputs ORDER BY path"):
            yield os.fsdecode(path), json.loads(input_json)["path"]

    def confidences(self):
        """(relative path of the output, path of its input, its colors' confidence or None) of every record."""
        for path, input_json, confidence in self.database.execute(
                f"SELECT path, input, {self._confidence} FROM outputs ORDER BY path"):
            yield os.fsdecode(path), json.loads(input_json)["path"], confidence

    def wrote(self, relative_path, record=None):
        """True when the file now at this output path is the one the record says the job wrote."""
        record = record or self.get(relative_path)
        if record is None:
            return False
        try:
            status = os.lstat(os.path.join(self.output, relative_path))
        except FileNotFoundError:
            return False
        return (status.st_size, status.st_mtime_ns) == (record["output"]["size"], record["output"]["mtime_ns"])

    def add(self, relative_path, record):
        """Keep a record when its file is in place (a run killed before the rename left the old one)."""
        if self.wrote(relative_path, record):
            self._put(relative_path, record)

    def refresh_input(self, relative_path, record, identity):
        """Record an input's new size and timestamps, its content unchanged (touched, copied back)."""
        self._put(relative_path, {**record, "input": {**record["input"], **identity}})

    def remove(self, relative_path):
        self.database.execute("DELETE FROM outputs WHERE path = ?", (os.fsencode(relative_path),))

    def journal_folder(self):
        return os.path.join(job_folder(self.output), JOURNAL_FOLDER)

    def merge_journals(self):
        """Fold the records of runs that wrote outputs but did not save the state (killed ones)."""
        folder = self.journal_folder()
        if not os.path.isdir(folder):
            return
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as file:
                for line in file:
                    try:
                        entry = json.loads(line)
                        self.add(entry["output_path"], entry["record"])
                    # A line cut short by a kill or a full disk: its file was not renamed.
                    except (ValueError, KeyError, TypeError):
                        continue

    def save(self):
        """Commit the changed records, then drop the journals they now hold. Raises OutputError when
        the disk is full or read-only: the previous record and the journals stay whole."""
        if self.read_only:
            return
        self._commit()
        folder = self.journal_folder()
        if os.path.isdir(folder):
            shutil.rmtree(folder)

    def _commit(self):
        try:
            self.database.commit()
        except sqlite3.OperationalError as error:
            self.database.rollback()
            text = str(error)
            number = errno.ENOSPC if "full" in text else errno.EROFS if "readonly" in text else errno.EIO
            raise OutputError(self.path, OSError(number, text)) from error

    def close(self):
        self.database.close()


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
