"""MemoryCache: a per-process LRU of bytes, bounded in bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict

import attrs

from image_repo.adapters.cache import metrics
from image_repo.adapters.cache.stats import CacheStats
from image_repo.domain.names import ImageName


class MemoryCache:
    """Never holds more than `max_bytes` of data: an entry larger than the whole budget is not
    kept at all, and puts evict least-recently-used entries first. `tier` names it in the
    metrics (derived images are "memory", originals "originals")."""

    def __init__(self, max_bytes: int, tier: str = "memory") -> None:
        self._max_bytes = max_bytes
        self._tier = tier
        self._entries: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._keys_by_name: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self._stats = CacheStats()

    def get(self, name: ImageName, key: str) -> bytes | None:
        entry = (name.value, key)
        with self._lock:
            data = self._entries.get(entry)
            if data is None:
                self._stats.misses += 1
                return None
            self._entries.move_to_end(entry)
            self._stats.hits += 1
            return data

    def put(self, name: ImageName, key: str, data: bytes) -> None:
        if len(data) > self._max_bytes:
            return
        with self._lock:
            self._remove((name.value, key))
            while self._entries and self._stats.bytes + len(data) > self._max_bytes:
                oldest = next(iter(self._entries))
                self._remove(oldest)
                self._stats.evictions += 1
                metrics.EVICTIONS.labels(self._tier).inc()
            self._entries[(name.value, key)] = data
            self._keys_by_name.setdefault(name.value, set()).add(key)
            self._stats.bytes += len(data)
            metrics.BYTES.labels(self._tier).set(self._stats.bytes)

    def discard_all(self, name: ImageName) -> None:
        with self._lock:
            for key in list(self._keys_by_name.get(name.value, ())):
                self._remove((name.value, key))
            metrics.BYTES.labels(self._tier).set(self._stats.bytes)

    def stats(self) -> CacheStats:
        with self._lock:
            return attrs.evolve(self._stats, entries=len(self._entries))

    def _remove(self, entry: tuple[str, str]) -> None:
        data = self._entries.pop(entry, None)
        if data is None:
            return
        self._stats.bytes -= len(data)
        keys = self._keys_by_name[entry[0]]
        keys.discard(entry[1])
        if not keys:
            del self._keys_by_name[entry[0]]
