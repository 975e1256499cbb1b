"""Process-wide settings made once per worker, before its threads start."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
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
