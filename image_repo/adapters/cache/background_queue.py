"""BackgroundQueue: work run on background threads, bounded by a total weight."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

logger = logging.getLogger(__name__)


class BackgroundQueue:
    """Work nobody waits for, on `threads` threads started with `initializer` (the wiring lowers
    their priority below the request threads'). Each piece of work has a weight (the eager
    derivations of one upload: 1; a cache write: its bytes); at most `max_weight` is queued or
    running at once, and past that `submit` refuses at once, so a burst never builds a backlog
    that holds memory or delays requests. What to do with refused work is the caller's choice
    (eager work is dropped; WriteBehindQueue writes in the caller). `on_change` hears the
    weight pending after every change (a gauge).

    Work must not raise; if it does, it is logged and the queue goes on. `close` stops taking
    work and waits up to a deadline for what is queued."""

    def __init__(
        self,
        max_weight: int,
        threads: int = 1,
        initializer: Callable[[], None] | None = None,
        *,
        name: str = "background",
        on_change: Callable[[int], None] = lambda _pending: None,
    ) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix=name, initializer=initializer
        )
        self._name = name
        self._max_weight = max_weight
        self._on_change = on_change
        self._lock = threading.RLock()  # a finished future's callback may run inside submit
        self._pending_weight = 0
        self._pending: set[Future[None]] = set()
        self._closed = False

    @property
    def pending_weight(self) -> int:
        return self._pending_weight

    def submit(self, work: Callable[[], None], weight: int = 1) -> bool:
        """Queue `work`; False, and nothing queued, when `weight` more would not fit or the
        queue is closed."""
        with self._lock:
            if self._closed or self._pending_weight + weight > self._max_weight:
                return False
            self._change(weight)
            future = self._executor.submit(self._run, work, weight)
            self._pending.add(future)
            future.add_done_callback(self._forget)
        return True

    def close(self, timeout_seconds: float = 0) -> None:
        with self._lock:
            self._closed = True
            pending = list(self._pending)
        _, not_done = wait(pending, timeout=timeout_seconds)
        if not_done:
            logger.warning("%d pieces of %s work abandoned at shutdown", len(not_done), self._name)
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _run(self, work: Callable[[], None], weight: int) -> None:
        try:
            run_logged(work, self._name)
        finally:
            with self._lock:
                self._change(-weight)

    def _change(self, weight: int) -> None:
        self._pending_weight += weight
        self._on_change(self._pending_weight)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)


def run_logged(work: Callable[[], None], name: str) -> None:
    try:
        work()
    except Exception:  # background work must never take a thread or a request down
        logger.exception("%s work failed", name)
