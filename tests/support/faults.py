"""For the fault tests (tests/faults/): a worker running its endless loop in a thread, and
waiting for a condition while the system recovers."""
from __future__ import annotations

import threading
import time

import pytest

from workflows.worker import run_forever


def wait_for(condition, seconds: float, what: str, step: float = 0.2):
    """Poll ``condition`` until it returns something true; fail after ``seconds``."""
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        try:
            value = condition()
        except Exception:  # the database may still be down while we ask
            value = None
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"not within {seconds} s: {what}")


class WorkerThread:
    """``run_forever`` in a thread, as ``koopflow worker`` runs it; ``stop()`` ends it and
    tells how long that took."""

    def __init__(self, kf, transport=None, max_sleep: float = 1.0):
        self.stop_event = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(kf, transport, max_sleep), daemon=True)

    def _run(self, kf, transport, max_sleep):
        try:
            run_forever(kf.db, kf.clock, self.stop_event, max_sleep, transport, kf.settings.documents_dir)
        except BaseException as exc:  # the test reports it: the loop must never end by itself
            self.error = exc

    def start(self) -> "WorkerThread":
        self.thread.start()
        return self

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def stop(self, within: float = 10.0) -> float:
        began = time.monotonic()
        self.stop_event.set()
        self.thread.join(within)
        return time.monotonic() - began
