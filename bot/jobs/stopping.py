"""Stopping a clock gracefully: no new message after SIGTERM, the one in flight finished, out in 10 s.

Heroku (and most platforms) send SIGTERM and kill 30 s later. The round checks `event` before each
message; `drain` waits for the jobs in flight. A message still with Slack when the wait ends is
left `sending`: in doubt, never sent again, which is the at-most-once promise.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger(__name__)

DRAIN_SECONDS = 8.0  # leaves time to exit within 10 s of SIGTERM


class Stopper:
    def __init__(self) -> None:
        self.event = threading.Event()
        self._busy = 0
        self._idle = threading.Condition()

    def install(self) -> None:
        """SIGTERM and SIGINT ask the process to stop; call from the main thread."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if not self.event.is_set():
            log.info("%s: starting no new message; finishing the one in flight", signal.Signals(signum).name)
        self.event.set()

    def wait(self) -> None:
        """Block until asked to stop (wakes up regularly so signals are handled at once)."""
        while not self.event.wait(0.5):
            pass

    @contextmanager
    def busy(self) -> Iterator[None]:
        with self._idle:
            self._busy += 1
        try:
            yield
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def guard(self, job: Callable[..., Any]) -> Callable[..., Any]:
        """`job` as a scheduled job that `drain` waits for, and that does not start once stopping."""

        def guarded(*args: Any, **kwargs: Any) -> Any:
            if self.event.is_set():
                return None
            with self.busy():
                return job(*args, **kwargs)

        guarded.__name__ = getattr(job, "__name__", "job")
        guarded.__qualname__ = getattr(job, "__qualname__", guarded.__name__)
        guarded.__module__ = getattr(job, "__module__", __name__)
        return guarded

    def drain(self, timeout: float = DRAIN_SECONDS) -> bool:
        """Wait up to `timeout` for the jobs in flight; True when none is left."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout=timeout)

    def stop(self, scheduler: BaseScheduler) -> None:
        """No new job, the round in flight drained (it starts no new message), then out."""
        self.event.set()
        scheduler.shutdown(wait=False)
        if self.drain():
            log.info("stopped: nothing in flight")
            return
        # A message still with Slack stays `sending`: in doubt, never sent again. The worker threads
        # would hold the process open past the platform's kill, so leave now.
        log.warning("stopped with a message still in flight; it is recorded as in doubt")
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)
