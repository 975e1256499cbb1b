"""SingleFlight: concurrent calls for one key run the work once and share its result."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """Twenty requests for one new thumbnail must decode the original once, not twenty times:
    the first caller does the work, the others wait for its result (or its exception)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: dict[str, Future[T]] = {}

    def run(self, key: str, work: Callable[[], T]) -> T:
        with self._lock:
            future = self._in_flight.get(key)
            leader = future is None
            if future is None:
                future = Future()
                self._in_flight[key] = future
        if not leader:
            return future.result()
        try:
            result = work()
        except BaseException as error:
            future.set_exception(error)
            raise
        else:
            future.set_result(result)
            return result
        finally:
            with self._lock:
                del self._in_flight[key]
