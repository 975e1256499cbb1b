"""SharedNameGenerations: the NameGenerations port as a memory-mapped table in cache_dir."""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import struct
import zlib
from pathlib import Path

from image_repo.domain.names import ImageName

logger = logging.getLogger(__name__)

GENERATIONS_FILE = "generations"
SLOTS = 1 << 20  # 8 MiB of counters (sparse until written); two names share one rarely
_COUNTER = struct.Struct("<Q")


class SharedNameGenerations:
    """One 64-bit counter per slot, the slot chosen by a CRC-32 of the name (stable across
    processes, unlike `hash`). Every gunicorn worker maps the same file with MAP_SHARED, so a
    counter moved by one worker is what the others read next, at the cost of a memory read: no
    system call on the hot path. Writers take an flock on the file, so two workers advancing
    at once both count. A counter only ever grows; a read that raced a write sees the old or
    the new value, and either differs from what a reader saw before the write began.

    The table need not survive a restart (what a worker learnt dies with it), so a cache_dir
    that cannot hold it falls back to a table of this process alone, with a warning: workers
    then notice each other's writes only through `cache.original_ttl_seconds`."""

    def __init__(self, cache_dir: Path, slots: int = SLOTS) -> None:
        self._slots = slots
        self.problem: str | None = None
        self._fd: int | None = None
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(cache_dir / GENERATIONS_FILE, os.O_RDWR | os.O_CREAT, 0o600)
            if os.fstat(self._fd).st_size < slots * _COUNTER.size:
                os.ftruncate(self._fd, slots * _COUNTER.size)
            self._table = mmap.mmap(self._fd, slots * _COUNTER.size, mmap.MAP_SHARED)
        except OSError as error:
            self.problem = (
                f"name generations file in {cache_dir} unusable ({error}); other workers "
                "notice re-uploads and deletes only after cache.original_ttl_seconds"
            )
            logger.warning("%s", self.problem)
            self._fd = None
            self._table = mmap.mmap(-1, slots * _COUNTER.size)

    def current(self, name: ImageName) -> int:
        value: int = _COUNTER.unpack_from(self._table, self._offset(name))[0]
        return value

    def advance(self, name: ImageName) -> int:
        offset = self._offset(name)
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            value: int = _COUNTER.unpack_from(self._table, offset)[0] + 1
            _COUNTER.pack_into(self._table, offset, value)
            return value
        finally:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _offset(self, name: ImageName) -> int:
        return (zlib.crc32(name.value.encode("utf-8")) % self._slots) * _COUNTER.size
