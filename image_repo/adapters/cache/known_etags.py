"""DiskKnownEtags: each name's last known original ETag, on disk, for outages and restarts."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from image_repo.adapters.cache.disk_cache import ETAG_FILE, LAYOUT
from image_repo.adapters.cache.disk_files import name_folder, write_atomically
from image_repo.domain.names import ImageName


class DiskKnownEtags:
    """A small JSON file beside the name's cached entries, shared by the workers of this server
    and kept across restarts; unreadable means unknown. Written only when the ETag changes, so
    cache hits cost no disk write, and without an fsync: it is written on a first view's
    request thread, and what a crash could leave (an empty file) reads as unknown."""

    def __init__(self, cache_dir: Path) -> None:
        self._root = cache_dir / LAYOUT

    def get(self, name: ImageName) -> str | None:
        try:
            record = json.loads(self._path(name).read_bytes())
            if record["name"] == name.value:
                return str(record["etag"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def put(self, name: ImageName, etag: str) -> None:
        if self.get(name) == etag:
            return
        record = {"name": name.value, "etag": etag}
        # an unusable folder is reported by the disk tier; the service works without it
        with contextlib.suppress(OSError):
            write_atomically(self._path(name), json.dumps(record).encode(), durable=False)

    def forget(self, name: ImageName) -> None:
        with contextlib.suppress(OSError):
            self._path(name).unlink(missing_ok=True)

    def _path(self, name: ImageName) -> Path:
        return name_folder(self._root, name.value) / ETAG_FILE
