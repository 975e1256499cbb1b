"""The gunicorn worker of deploy/gunicorn.conf.py: uvicorn's, running MemoryHitProtocol."""

from __future__ import annotations

import asyncio
import os
from typing import Any, ClassVar

from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]  # ships no types

from image_repo.adapters.http.hit_protocol import MemoryHitProtocol


class SharedSocketProtocol(MemoryHitProtocol):
    """The workers accept from one listening socket, and libuv accepts every connection
    waiting there at each wake-up: connections opened at once (a benchmark's, a proxy's pool)
    could all go to one worker, which then had one core for all of them while the others
    idled. Yielding the CPU after each accept lets a sibling woken by the same connections
    take the next ones. One system call per connection, not per request."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        os.sched_yield()


class MemoryHitWorker(UvicornWorker):  # type: ignore[misc]  # UvicornWorker is untyped
    """uvloop and httptools, as uvicorn's own worker picks when installed; the protocol answers
    memory hits as soon as their headers are parsed (hit_protocol.py)."""

    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {
        **UvicornWorker.CONFIG_KWARGS,
        "http": SharedSocketProtocol,
    }
