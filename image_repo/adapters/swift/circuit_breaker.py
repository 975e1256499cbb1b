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
    a call finds Swift unreachable (or answering 5xx), calls fail at once for `open_seconds`;
    then they go through again, and the first that gets an answer closes the circuit. Cached
    images keep being served meanwhile: the callers treat the error as any outage."""

    def __init__(self, open_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._open_seconds = open_seconds
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

    def failed(self) -> None:
        with self._lock:
            self._open_until = self._clock() + self._open_seconds

    def answered(self) -> None:
        if self._open_until:
            with self._lock:
                self._open_until = 0.0
