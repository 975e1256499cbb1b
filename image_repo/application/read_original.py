"""ReadOriginal: an original's bytes exactly as uploaded (`original=true`, issue 26)."""

from __future__ import annotations

from image_repo.application.ports import OriginalStore
from image_repo.domain.names import ImageName
from image_repo.domain.records import Original


class ReadOriginal:
    """Who may have them is the HTTP adapter's to decide (images.serve_originals): these bytes
    keep every metadata the camera wrote, GPS included, which nothing else ever serves."""

    def __init__(self, store: OriginalStore) -> None:
        self._store = store

    def execute(self, name: ImageName) -> Original:
        return self._store.get(name)
