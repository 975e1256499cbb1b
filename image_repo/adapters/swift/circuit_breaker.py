"""CircuitBreaker: stop calling an object store that has just failed to answer, for a while."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from image_repo.domain.errors import StoreUnavailableError


class CircuitBreaker:
    """A Swift that hangs (a blackholed network, a stopped proxy) costs every call its full
    timeout and retry: a cache miss asks Swift up to three times, so one request would take
    three times the bound, and every waiting request would hold a pool thread meanwhile. After
    a call has waited at least `slow_seconds` to find Swift unreachable (or answering 5xx),
    calls fail at once for `open_seconds`; then they go through again, and the first that gets
    an answer closes the circuit. A failure that came fast (a refused connection, a quick 503)
    opens nothing: it costs no waiting, and the next call may well succeed (a restarted Swift
    is used at once). Cached images keep being served meanwhile: callers treat the error as any
    outage."""

    def __init__(
        self,
        open_seconds: float,
        slow_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._open_seconds = open_seconds
        self._slow_seconds = slow_seconds
        self._clock = clock
        self._open_until = 0.0
        self._lock = threading.Lock()

    def check(self, what: str) -> None:
        """Raise StoreUnavailableError, without any I/O, while the circuit is open."""
        remaining = self._open_until - self._clock()
        if remaining > 0:
            raise StoreUnavailableError(
                f"object store unreachable while {what} (it failed {self._open_seconds:g} s "
                f"ago or less; trying again in {remaining:.1f} s)"
            )

    def now(self) -> float:
        return self._clock()

    def failed(self, started_at: float) -> None:
        """A call begun at `started_at` (from `now`) found Swift unreachable."""
        now = self._clock()
        if now - started_at < self._slow_seconds:
            return
        with self._lock:
            self._open_until = now + self._open_seconds

    def answered(self) -> None:
        if self._open_until:
            with self._lock:
                self._open_until = 0.0
