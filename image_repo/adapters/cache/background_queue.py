"""BackgroundQueue: the BackgroundWork port, a bounded queue on low-priority threads."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

logger = logging.getLogger(__name__)


class BackgroundQueue:
    """Work nobody waits for (eager derivations): `threads` threads, started with
    `initializer` (the wiring lowers their priority below the request threads'), and at most
    `max_pending` pieces of work queued or running; past that `submit` refuses at once, so a
    burst of uploads never builds a backlog that delays requests or holds their bytes."""

    def __init__(
        self, max_pending: int, threads: int = 1, initializer: Callable[[], None] | None = None
    ) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="background", initializer=initializer
        )
        self._max_pending = max_pending
        self._pending = 0
        self._lock = threading.Lock()

    def submit(self, work: Callable[[], None]) -> bool:
        with self._lock:
            if self._pending >= self._max_pending:
                return False
            self._pending += 1
        try:
            self._executor.submit(self._run, work)
        except RuntimeError:  # shut down
            self._done()
            return False
        return True

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:
            logger.exception("background work failed")
        finally:
            self._done()

    def _done(self) -> None:
        with self._lock:
            self._pending -= 1

    def close(self) -> None:
        """Queued work is dropped: it only warms caches."""
        self._executor.shutdown(wait=False, cancel_futures=True)
