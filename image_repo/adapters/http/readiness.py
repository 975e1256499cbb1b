"""ReadinessCheck: /readyz answered within a second, whatever the work pool is doing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# component -> problem (None when fine)
ReadinessProbe = Callable[[], dict[str, str | None]]


class ReadinessCheck:
    """The probe asks Swift, which blocks, so it runs on a thread of its own rather than in the
    work pool, where it would wait behind every derivation queued there (seconds, in a flood
    of cold requests, and a load balancer then takes a busy node for a dead one). One probe
    runs at a time and concurrent /readyz calls share it; one that takes longer than
    `deadline_seconds` is answered as not ready (it carries on, and the next call may use it)."""

    def __init__(self, probe: ReadinessProbe, deadline_seconds: float = 1.0) -> None:
        self._probe = probe
        self._deadline_seconds = deadline_seconds
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="readiness")
        self._running: asyncio.Future[dict[str, str | None]] | None = None

    async def problems(self) -> dict[str, str | None]:
        if self._running is None or self._running.done():
            loop = asyncio.get_running_loop()
            self._running = loop.run_in_executor(self._executor, self._probe)
        try:
            return await asyncio.wait_for(asyncio.shield(self._running), self._deadline_seconds)
        except TimeoutError:
            late = f"object store did not answer within {self._deadline_seconds:g} s"
            return {"swift": late}

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
