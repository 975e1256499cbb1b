"""Blocking work (Swift I/O, Pillow) off the event loop, in a bounded pool."""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from image_repo.domain.errors import SaturatedError

P = ParamSpec("P")
T = TypeVar("T")


class BlockingPool:
    """Runs blocking calls in `threads` threads with at most `max_queue` waiting; beyond that the
    caller gets SaturatedError (503 + Retry-After) instead of the server piling up memory.

    It knows when each waiting call was submitted, until a thread starts it, so readiness can
    tell a stalled queue (every thread held for long) from a busy one. The executor's queue is
    first in, first out, and so is `_waiting` (a dict keeps insertion order): its first entry
    is the oldest wait. `clock` is monotonic seconds."""

    def __init__(
        self,
        name: str,
        threads: int,
        max_queue: int,
        nice: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=threads,
            thread_name_prefix=name,
            initializer=lower_thread_priority,
            initargs=(nice,),
        )
        self._limit = threads + max_queue
        self._in_flight = 0
        self._clock = clock
        self._tickets = itertools.count()
        self._waiting: dict[int, float] = {}  # ticket -> submitted at; written by both sides
        self._lock = threading.Lock()

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._in_flight >= self._limit:
            raise SaturatedError("too many requests are waiting; retry shortly")
        self._in_flight += 1
        ticket = next(self._tickets)
        with self._lock:
            self._waiting[ticket] = self._clock()
        try:
            loop = asyncio.get_running_loop()
            call = functools.partial(function, *args, **kwargs)
            return await loop.run_in_executor(self._executor, self._started, ticket, call)
        finally:
            self._in_flight -= 1
            self._forget(ticket)  # cancelled before a thread took it

    def oldest_wait_seconds(self) -> float:
        """How long the call waiting longest for a thread has waited (0: none waits)."""
        with self._lock:
            submitted = next(iter(self._waiting.values()), None)
        return 0.0 if submitted is None else max(0.0, self._clock() - submitted)

    def _started(self, ticket: int, call: Callable[[], T]) -> T:
        self._forget(ticket)
        return call()

    def _forget(self, ticket: int) -> None:
        with self._lock:
            self._waiting.pop(ticket, None)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def lower_thread_priority(nice: int) -> None:
    """Raise the calling thread's nice value by `nice` (Linux keeps one per thread).

    Decoding saturates every core; at equal priority the event loop thread then waits for the
    scheduler like any other, and a cache hit takes a few time slices. Background threads run
    at a lower priority, so the loop gets a core as soon as it has work. Raising niceness needs
    no privilege; where the platform refuses, threads keep the default."""
    if nice <= 0:
        return
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + nice)
    except (AttributeError, OSError):
        pass
