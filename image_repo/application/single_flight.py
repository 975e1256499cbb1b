"""SingleFlight: concurrent calls for one key run the work once and share its result."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class Released(Exception):
    """A claim given up without its work: whoever waited does the work itself."""


class SingleFlight(Generic[T]):
    """Twenty requests for one new thumbnail must decode the original once, not twenty times:
    the first caller does the work, the others wait for its result (or its exception).

    Work may also be claimed before it starts (`claim`), by whoever will do it later on
    another thread: callers of `run` then wait for it, but at most `patience_seconds`, after
    which (or when the claim is released) they do the work themselves."""

    def __init__(self, patience_seconds: float = 0.5) -> None:
        self._lock = threading.Lock()
        self._in_flight: dict[str, tuple[Future[T], bool]] = {}  # key: (result, claimed)
        self._patience_seconds = patience_seconds

    def run(self, key: str, work: Callable[[], T]) -> T:
        with self._lock:
            entry = self._in_flight.get(key)
            if entry is None:
                future: Future[T] = Future()
                self._in_flight[key] = (future, False)
        if entry is not None:
            waited, claimed = entry
            if not claimed:
                return waited.result()
            try:
                return waited.result(timeout=self._patience_seconds)
            except (TimeoutError, Released):
                return work()
        return Claim(self, key, future).fulfil(work)

    def claim(self, key: str) -> Claim[T] | None:
        """None when `key` is in flight already."""
        with self._lock:
            if key in self._in_flight:
                return None
            future: Future[T] = Future()
            self._in_flight[key] = (future, True)
        return Claim(self, key, future)

    def _end(self, key: str) -> None:
        with self._lock:
            del self._in_flight[key]


class Claim(Generic[T]):
    """One key in flight: `fulfil` it with the work's result, or `release` it."""

    def __init__(self, flight: SingleFlight[T], key: str, future: Future[T]) -> None:
        self._flight = flight
        self._key = key
        self._future = future

    def fulfil(self, work: Callable[[], T]) -> T:
        try:
            result = work()
        except BaseException as error:
            self._future.set_exception(error)
            raise
        else:
            self._future.set_result(result)
            return result
        finally:
            self._flight._end(self._key)

    def release(self) -> None:
        self._future.set_exception(Released())
        self._flight._end(self._key)
