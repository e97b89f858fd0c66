"""Progress lines: done of total, rate, ETA; shared by the threads of one worker."""

import pickle
import threading

from pipeline.io.console import Progress, SharedProgress


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_line_shows_done_of_total_rate_and_eta():
    clock = FakeClock()
    progress = Progress("images colorized", total=100, clock=clock)
    progress.add()
    clock.now += 10.0
    progress.add(19)
    assert progress.line() == "images colorized: 20 of 100 (2.00/s, ETA 0:00:40)"


def test_a_line_is_logged_every_interval_not_every_item(caplog):
    clock = FakeClock()
    progress = Progress("images read", total=1000, interval=5.0, clock=clock)
    with caplog.at_level("INFO", logger="colorize"):
        for _ in range(100):
            clock.now += 0.5
            progress.add()
    lines = [record.message for record in caplog.records if record.message.startswith("images read")]
    assert 8 <= len(lines) <= 10
    assert lines[-1].startswith("images read: 9") and "of 1,000" in lines[-1]


def test_copies_of_a_dofn_in_one_process_share_one_count_and_runs_do_not():
    run = SharedProgress("images colorized", total=400)
    copies = [pickle.loads(pickle.dumps(run)) for _ in range(4)]  # as Beam copies a DoFn for each thread
    other_run = SharedProgress("images colorized", total=400)

    threads = [threading.Thread(target=lambda copy=copy: [copy.acquire().add() for _ in range(100)])
               for copy in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert run.acquire().done == 400 and other_run.acquire().done == 0
