"""WorkerHealth: whether this process should take more requests and, when not, why."""

from __future__ import annotations

import logging
from collections.abc import Callable

from image_repo.adapters.http.blocking import BlockingPool

logger = logging.getLogger(__name__)


def sickness(error: BaseException) -> str | None:
    """What an unhandled error says about the process, when it is a sign of exhaustion rather
    than of a bug in one request. A MemoryError the imaging adapter did not turn into a 413
    came from outside a decode (the heap is at the ceiling for everyone), and a thread that
    cannot start leaves the pools short: either way, later requests would fail at random."""
    if isinstance(error, MemoryError):
        return "out of memory (MemoryError outside image decoding)"
    if isinstance(error, RuntimeError) and "can't start new thread" in str(error):
        return "cannot start threads"
    return None


class WorkerHealth:
    """Sickness is for good: once fallen sick the worker stays not ready, logs one CRITICAL
    line and calls `on_sick` once (under gunicorn: a graceful stop, so it finishes what it
    holds and is replaced; on the plain server, with nobody to replace it, nothing).

    A stall is transient: while the call that has waited longest for a pool thread has waited
    more than `max_wait_seconds`, requests are queueing faster than they are served, which
    /healthz cannot see (the event loop still answers)."""

    def __init__(
        self,
        pool: BlockingPool,
        max_wait_seconds: float,
        on_sick: Callable[[], None] = lambda: None,
    ) -> None:
        self._pool = pool
        self._max_wait_seconds = max_wait_seconds
        self._on_sick = on_sick
        self._sick_reason: str | None = None

    def fall_sick(self, reason: str) -> None:
        if self._sick_reason is not None:
            return
        self._sick_reason = reason
        logger.critical("worker is sick: %s; it takes no more requests", reason)
        self._on_sick()

    def problem(self) -> str | None:
        """Why this worker is not ready, or None. Reads memory only: it must answer when no
        thread can be started."""
        if self._sick_reason is not None:
            return f"worker is sick: {self._sick_reason}"
        waited = self._pool.oldest_wait_seconds()
        if waited > self._max_wait_seconds:
            return f"work queue stalled: oldest request has waited {waited:.0f} s"
        return None
