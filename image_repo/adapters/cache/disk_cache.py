"""DiskCache: the local disk tier, bounded in bytes, shared by every worker on the machine."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import threading
import time
from pathlib import Path

import attrs

from image_repo.adapters.cache import metrics
from image_repo.adapters.cache.disk_files import (
    HEADER_BYTES,
    TEMP_PREFIX,
    decode_entry,
    encode_entry,
    name_folder,
    write_atomically,
)
from image_repo.adapters.cache.stats import CacheStats
from image_repo.domain.names import ImageName

logger = logging.getLogger(__name__)

LAYOUT = "v1"
ETAG_FILE = "etag.json"  # kept beside a name's entries by DiskKnownEtags; never evicted
_RESCAN_SECONDS = 30.0  # other workers write too: recount the folder this often
_STALE_TEMP_SECONDS = 3600.0
_WARN_EVERY_SECONDS = 60.0


class DiskCache:
    """Entries are files named by key under a folder per name hash, each with its length and
    SHA-256, so a damaged one is found, dropped and refetched instead of served. Recency is the
    file's mtime (touched on hits), which every worker sees; eviction removes the oldest files
    until the folder is 10% under `max_bytes`, under an flock so workers take turns. A folder
    that cannot be used turns the tier off with a warning: the service runs without it."""

    def __init__(self, cache_dir: Path, max_bytes: int) -> None:
        self.root = cache_dir / LAYOUT
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._stats = CacheStats()
        self._last_scan = 0.0
        self._last_warning = 0.0
        self.problem: str | None = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._rescan()
        except OSError as error:
            self._warn(f"disk cache {self.root} unusable ({error}); serving without it")

    def get(self, name: ImageName, key: str) -> bytes | None:
        path = name_folder(self.root, name.value) / key
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            self._count(hit=False)
            return None
        except OSError as error:
            self._warn(f"disk cache read failed ({error})")
            self._count(hit=False)
            return None
        data = decode_entry(raw)
        if data is None:
            path.unlink(missing_ok=True)
            with self._lock:
                self._stats.damaged += 1
                self._stats.bytes -= len(raw)
            metrics.DAMAGED.labels("disk").inc()
            logger.warning("dropped a damaged disk cache entry %s", path)
            self._count(hit=False)
            return None
        with contextlib.suppress(OSError):  # recency is best effort: the entry is good
            os.utime(path)
        self._count(hit=True)
        return data

    def put(self, name: ImageName, key: str, data: bytes) -> None:
        size = len(data) + HEADER_BYTES
        if size > self._max_bytes:
            return
        try:
            with self._lock:
                stale = time.monotonic() - self._last_scan > _RESCAN_SECONDS
                over = self._stats.bytes + size > self._max_bytes
            if stale or over:
                self._evict(room_for=size)
            write_atomically(name_folder(self.root, name.value) / key, encode_entry(data))
            with self._lock:
                self._stats.bytes += size
                metrics.DISK_BYTES.set(self._stats.bytes)
            self.problem = None
        except OSError as error:
            self._warn(f"disk cache write failed ({error}); serving without it")

    def discard_all(self, name: ImageName) -> None:
        """Other workers write into the folder meanwhile: a file listed may be renamed or gone
        before it is measured, and is then simply not counted."""
        folder = name_folder(self.root, name.value)
        removed = 0
        with contextlib.suppress(FileNotFoundError, NotADirectoryError), os.scandir(folder) as it:
            for entry in it:
                with contextlib.suppress(OSError):
                    removed += entry.stat().st_size
        shutil.rmtree(folder, ignore_errors=True)
        with self._lock:
            self._stats.bytes -= removed

    def stats(self) -> CacheStats:
        with self._lock:
            return attrs.evolve(self._stats)

    def _evict(self, room_for: int) -> None:
        """Recount the folder and remove least recently used entries until `room_for` more
        bytes fit 10% under the limit. Another worker already evicting is left to it."""
        with (self.root / ".evict.lock").open("a") as lock_file:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            entries = self._rescan()
            target = int(self._max_bytes * 0.9) - room_for
            total = sum(size for _, size, _ in entries)
            evicted = 0
            for _, size, path in sorted(entries):
                if total <= target:
                    break
                path.unlink(missing_ok=True)
                total -= size
                evicted += 1
            with self._lock:
                self._stats.bytes = total
                self._stats.evictions += evicted
            metrics.EVICTIONS.labels("disk").inc(evicted)
            metrics.DISK_BYTES.set(total)

    def _rescan(self) -> list[tuple[float, int, Path]]:
        entries: list[tuple[float, int, Path]] = []
        now = time.time()
        for folder, _dirs, files in os.walk(self.root):
            for file_name in files:
                path = Path(folder, file_name)
                try:
                    info = path.stat()
                except FileNotFoundError:
                    continue
                if file_name.startswith(TEMP_PREFIX):
                    if now - info.st_mtime > _STALE_TEMP_SECONDS:
                        path.unlink(missing_ok=True)  # left by a worker that died mid-write
                    continue
                if file_name in (ETAG_FILE, ".evict.lock"):
                    continue
                entries.append((info.st_mtime, info.st_size, path))
        with self._lock:
            self._stats.bytes = sum(size for _, size, _ in entries)
            self._stats.entries = len(entries)
            self._last_scan = time.monotonic()
        return entries

    def _count(self, *, hit: bool) -> None:
        with self._lock:
            if hit:
                self._stats.hits += 1
            else:
                self._stats.misses += 1

    def _warn(self, message: str) -> None:
        self.problem = message
        now = time.monotonic()
        if now - self._last_warning > _WARN_EVERY_SECONDS:
            self._last_warning = now
            logger.warning("%s", message)
