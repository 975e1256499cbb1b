"""WriteBehindQueue: cache-tier writes on background threads, bounded in bytes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from image_repo.adapters.cache import metrics

logger = logging.getLogger(__name__)


class WriteBehindQueue:
    """A cold derivation used to wait for its disk entry's fsync and its PUT to the Swift cache
    container before answering; here those writes run after the answer. At most `max_bytes` of
    payload wait at once: past that the caller writes itself (backpressure, no write dropped).
    With `max_bytes` 0 every write runs in the caller, as if there were no queue.

    `close` stops taking writes and waits (up to a deadline) for those queued, so an orderly
    shutdown leaves the tiers filled."""

    def __init__(
        self, threads: int, max_bytes: int, initializer: Callable[[], None] | None = None
    ) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="write-behind", initializer=initializer
        )
        self._max_bytes = max_bytes
        self._lock = threading.RLock()  # a finished future's callback may run inside submit
        self._queued_bytes = 0
        self._pending: set[Future[None]] = set()
        self._closed = False

    @property
    def queued_bytes(self) -> int:
        return self._queued_bytes

    def submit(self, write: Callable[[], None], size: int) -> None:
        with self._lock:
            queue = not self._closed and self._queued_bytes + size <= self._max_bytes
            if queue:
                self._queued_bytes += size
                metrics.WRITE_BEHIND_BYTES.set(self._queued_bytes)
                future = self._executor.submit(self._run, write, size)
                self._pending.add(future)
                future.add_done_callback(self._forget)
        if not queue:
            metrics.WRITES_INLINE.inc()
            _run_logged(write)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _run(self, write: Callable[[], None], size: int) -> None:
        try:
            _run_logged(write)
        finally:
            with self._lock:
                self._queued_bytes -= size
                metrics.WRITE_BEHIND_BYTES.set(self._queued_bytes)

    def close(self, timeout_seconds: float = 30) -> None:
        with self._lock:
            self._closed = True
            pending = list(self._pending)
        _, not_done = wait(pending, timeout=timeout_seconds)
        if not_done:
            logger.warning(
                "%d cache writes still pending at shutdown were abandoned", len(not_done)
            )
        self._executor.shutdown(wait=False, cancel_futures=True)


def _run_logged(write: Callable[[], None]) -> None:
    try:
        write()
    except Exception:  # a cache write must never take a thread or a request down
        logger.exception("a cache write failed")
