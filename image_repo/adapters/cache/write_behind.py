"""WriteBehindQueue: cache-tier writes on background threads, bounded in bytes."""

from __future__ import annotations

from collections.abc import Callable

from image_repo.adapters.cache import metrics
from image_repo.adapters.cache.background_queue import BackgroundQueue, run_logged


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
        self._queue = BackgroundQueue(
            max_bytes,
            threads,
            initializer,
            name="write-behind",
            on_change=metrics.WRITE_BEHIND_BYTES.set,
        )

    @property
    def queued_bytes(self) -> int:
        return self._queue.pending_weight

    def submit(self, write: Callable[[], None], size: int) -> None:
        if not self._queue.submit(write, size):
            metrics.WRITES_INLINE.inc()
            run_logged(write, "cache write")

    def close(self, timeout_seconds: float = 30) -> None:
        self._queue.close(timeout_seconds)
