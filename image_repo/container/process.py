"""Process-wide settings made once per worker, before its threads start: scheduling, malloc
arenas and the memory ceiling."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import resource
import signal
import sys

logger = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # glibc's mallopt parameter number


def tune_process(malloc_arenas: int) -> None:
    """The event loop shares the GIL with the Swift and imaging threads; with the default 5 ms
    switch interval a memory hit could wait that long per hand-over behind a busy thread.

    glibc gives threads their own malloc arenas (up to 8 per core) and keeps what a large decode
    freed in the arena that held it, so a process that decoded big images on many threads keeps
    far more resident memory than its cache budgets; `malloc_arenas` bounds them (0: glibc's
    default). Only arenas made afterwards are affected: call it before the pools start."""
    sys.setswitchinterval(0.0005)
    if malloc_arenas <= 0:
        return
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        if not libc.mallopt(_M_ARENA_MAX, malloc_arenas):
            logger.warning("mallopt(M_ARENA_MAX, %d) refused", malloc_arenas)
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to bound
        logger.debug("no glibc mallopt; workers.malloc_arenas has no effect here")


def limit_memory(max_bytes: int) -> None:
    """Cap this process's private writable memory at `max_bytes` (0: no cap), the last line
    behind the pixel budgets: past it malloc fails, Pillow raises MemoryError and libvips a
    pyvips.Error for that one request, instead of the kernel's OOM killer taking the worker (and
    every request it holds) down. RLIMIT_DATA rather than RLIMIT_AS: both fail cleanly in Pillow
    and libvips (bench/memory_ceiling.py), but RLIMIT_AS also counts address space that is no
    memory (64 MiB reserved per glibc arena, 8 MiB per thread stack, mapped libraries), so its
    ceiling would move with the thread and arena settings. Each process sets its own after
    gunicorn forks it; only the soft limit is lowered, never past the hard one."""
    if max_bytes <= 0:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    ceiling = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (ceiling, hard))
    logger.info("memory ceiling: %d bytes (RLIMIT_DATA)", ceiling)


def stop_gracefully() -> None:
    """Ask this process to stop as a supervisor would: uvicorn (in gunicorn's UvicornWorker as
    on its own) takes SIGTERM as a graceful shutdown, so it stops accepting, finishes the
    requests it holds and exits, and gunicorn starts a fresh worker in its place."""
    os.kill(os.getpid(), signal.SIGTERM)
