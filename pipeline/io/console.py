"""What a person at the terminal sees: our messages, progress lines, and no library noise."""

import logging
import os
import sys
import threading
import time
import typing
import uuid
import warnings

from model import LOGGER_NAME
from model.durations import format_duration

PROGRESS_INTERVAL = 5.0  # seconds between progress lines
NOISY_LOGGERS = ("apache_beam", "absl", "tensorflow", "tensorflow_datasets", "h5py", "root")

QUIET_VARIABLE = "COLORIZE_QUIET"

_progress_listener = None  # called with every shared count, by runners that show it elsewhere

logger = logging.getLogger(LOGGER_NAME)


def configure_logging(verbose=False, tensorflow=True):
    """Show our INFO messages; hide TensorFlow's and Beam's start-up noise unless verbose.

    Call before importing TensorFlow or Beam: both log at import time. `tensorflow`: import it
    now, quietly; otherwise call load_tensorflow_quietly before a job first uses it (a colorize
    run with nothing to do never does, and saves the 3-4 s its import costs).
    """
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
        os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
        warnings.filterwarnings("ignore")
        # Inherited by local Beam worker processes, which then start quietly too.
        os.environ[QUIET_VARIABLE] = "1"
        if tensorflow:
            _import_without_stderr("tensorflow")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.ERROR)
    # Beam logs a failing step's error with its traceback before raising it to the job, which
    # reports it once, in one line; so even the libraries' errors show only with --verbose.
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.CRITICAL)
    logger.setLevel(logging.INFO)
    if not verbose:
        try:
            import absl.logging

            absl.logging.set_verbosity(absl.logging.ERROR)
        except ImportError:
            pass


def forward_progress(listener):
    """Also hand every count of a shared Progress in this process to `listener(key, what, total, count)`.

    A cluster runner uses it to show its workers' progress on the driver.
    """
    global _progress_listener
    _progress_listener = listener


def quiet_worker():
    """In a Beam worker process of a quiet job: load TensorFlow without its start-up lines."""
    load_tensorflow_quietly()


def load_tensorflow_quietly():
    """Import TensorFlow now, without its start-up lines in a quiet job (a no-op once it is loaded)."""
    if os.environ.get(QUIET_VARIABLE) == "1" and "tensorflow" not in sys.modules:
        _import_without_stderr("tensorflow")


def quiet_worker_logging():
    """In a local Beam worker process of a quiet job, before Beam is imported: no log line on the terminal.

    Beam's worker logs a warning as it imports (apitools is absent), and logging's automatic
    set-up for it then prints that and every later INFO line straight to the terminal. The
    worker's logs also reach the job through Beam's logging service, where --verbose shows them.
    """
    if os.environ.get(QUIET_VARIABLE) == "1":
        logging.getLogger().addHandler(logging.NullHandler())


def _import_without_stderr(module):
    """Import a module with file descriptor 2 closed to it.

    TensorFlow's C++ runtime prints start-up lines (CUDA stubs, absl's InitializeLog
    notice) straight to the descriptor before any logging setting can apply.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            __import__(module)
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class Progress:
    """Counts items in this process and logs `done of total, rate, ETA` every few seconds.

    Beam workers are separate processes on a multi-process or cluster runner; each one
    counts and reports its own share of the job's total. Threads of one process share a
    count through a SharedProgress.
    """

    _shared: typing.ClassVar[dict] = {}
    _shared_lock = threading.Lock()

    def __init__(self, what, total=None, interval=PROGRESS_INTERVAL, clock=time.monotonic, key=None):
        self.what = what
        self.key = key
        self.total = total
        self.interval = interval
        self.clock = clock
        self.done = 0
        self.started = None
        self.last_report = None
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, key, what, total=None):
        """The one Progress of this process for `key` (e.g. a run's id), made on first use.

        A multi-threaded Beam worker runs several instances of a DoFn; they count together.
        """
        with cls._shared_lock:
            if key not in cls._shared:
                cls._shared[key] = cls(what, total, key=key)
            return cls._shared[key]

    def add(self, count=1):
        if self.key is not None and _progress_listener is not None:
            _progress_listener(self.key, self.what, self.total, count)
        with self._lock:
            now = self.clock()
            if self.started is None:
                self.started = self.last_report = now
            self.done += count
            if now - self.last_report < self.interval:
                return
            self.last_report = now
            line = self.line(now)
        logger.info(line)

    def line(self, now=None):
        now = self.clock() if now is None else now
        elapsed = max(now - (self.started or now), 1e-9)
        rate = self.done / elapsed
        text = f"{self.what}: {self.done:,}"
        if self.total:
            text += f" of {self.total:,}"
        text += f" ({rate:,.0f}/s" if rate >= 10 else f" ({rate:.2f}/s"
        if self.total and rate > 0 and self.done < self.total:
            text += f", ETA {format_duration((self.total - self.done) / rate)}"
        return text + ")"


class SharedProgress:
    """The Progress that every copy of a DoFn counts into, one per worker process.

    Made in the DoFn's __init__ and pickled with it, so every copy that Beam makes of the
    DoFn carries the same key; `acquire()` in setup() returns this process's Progress for
    it, which the threads of a multi-threaded worker then share.
    """

    def __init__(self, what, total=None):
        self.key = uuid.uuid4().hex
        self.what = what
        self.total = total

    def acquire(self):
        return Progress.shared(self.key, self.what, self.total)
