"""Each name's last known original ETag: in memory, and on disk for outages and restarts."""

from __future__ import annotations

import contextlib
import json
import threading
from collections import OrderedDict
from pathlib import Path

from image_repo.adapters.cache.disk_cache import ETAG_FILE, LAYOUT
from image_repo.adapters.cache.disk_files import name_folder, write_atomically
from image_repo.domain.names import ImageName

_MAX_NAMES_IN_MEMORY = 100_000


class MemoryKnownEtags:
    """No I/O at all, so the event loop may ask it; bounded, oldest-learnt names go first."""

    def __init__(self, max_names: int = _MAX_NAMES_IN_MEMORY) -> None:
        self._max_names = max_names
        self._known: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, name: ImageName) -> tuple[str, float] | None:
        with self._lock:
            return self._known.get(name.value)

    def put(self, name: ImageName, etag: str, learnt_at: float) -> None:
        with self._lock:
            self._known[name.value] = (etag, learnt_at)
            self._known.move_to_end(name.value)
            while len(self._known) > self._max_names:
                self._known.popitem(last=False)

    def forget(self, name: ImageName) -> None:
        with self._lock:
            self._known.pop(name.value, None)


class DiskKnownEtags:
    """A small JSON file beside the name's cached entries; unreadable means unknown."""

    def __init__(self, cache_dir: Path) -> None:
        self._root = cache_dir / LAYOUT

    def get(self, name: ImageName) -> tuple[str, float] | None:
        try:
            record = json.loads((name_folder(self._root, name.value) / ETAG_FILE).read_bytes())
            if record["name"] == name.value:
                return str(record["etag"]), float(record["learnt_at"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def put(self, name: ImageName, etag: str, learnt_at: float) -> None:
        record = {"name": name.value, "etag": etag, "learnt_at": learnt_at}
        # an unusable folder is reported by the disk tier; the ETag still lives in memory
        with contextlib.suppress(OSError):
            path = name_folder(self._root, name.value) / ETAG_FILE
            write_atomically(path, json.dumps(record).encode())

    def forget(self, name: ImageName) -> None:
        with contextlib.suppress(OSError):
            (name_folder(self._root, name.value) / ETAG_FILE).unlink(missing_ok=True)


class LayeredKnownEtags:
    """Memory first; the disk answers after a restart, and is written only when the ETag
    changes or its record is stale, to keep cache hits free of disk writes."""

    def __init__(
        self, memory: MemoryKnownEtags, disk: DiskKnownEtags, rewrite_seconds: float
    ) -> None:
        self._memory = memory
        self._disk = disk
        self._rewrite_seconds = rewrite_seconds

    def get(self, name: ImageName) -> tuple[str, float] | None:
        known = self._memory.get(name)
        if known is None:
            known = self._disk.get(name)
            if known is not None:
                self._memory.put(name, *known)
        return known

    def put(self, name: ImageName, etag: str, learnt_at: float) -> None:
        previous = self._memory.get(name) or self._disk.get(name)
        self._memory.put(name, etag, learnt_at)
        if (
            previous is None
            or previous[0] != etag
            or learnt_at - previous[1] > self._rewrite_seconds
        ):
            self._disk.put(name, etag, learnt_at)

    def forget(self, name: ImageName) -> None:
        self._memory.forget(name)
        self._disk.forget(name)
