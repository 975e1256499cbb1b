"""Blocking work (Swift I/O, Pillow) off the event loop, in a bounded pool."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from image_repo.domain.errors import SaturatedError

P = ParamSpec("P")
T = TypeVar("T")


class BlockingPool:
    """Runs blocking calls in `threads` threads with at most `max_queue` waiting; beyond that the
    caller gets SaturatedError (503 + Retry-After) instead of the server piling up memory."""

    def __init__(self, name: str, threads: int, max_queue: int) -> None:
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)
        self._limit = threads + max_queue
        self._in_flight = 0

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._in_flight >= self._limit:
            raise SaturatedError("too many requests are waiting; retry shortly")
        self._in_flight += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._executor, functools.partial(function, *args, **kwargs)
            )
        finally:
            self._in_flight -= 1

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
