"""ReadMeta: what `meta=true` answers about an original (SPEC §3)."""

from __future__ import annotations

import attrs

from image_repo.application.ports import ImageProcessor, OriginalStore
from image_repo.application.stored_originals import damage_reported
from image_repo.domain.names import ImageName
from image_repo.domain.records import ImageMeta, StoredOriginal


@attrs.frozen
class OriginalMeta:
    name: ImageName
    stored: StoredOriginal
    meta: ImageMeta


class ReadMeta:
    """GPS is left out unless the deployment asked for it: location is the metadata most
    likely to hurt someone when it leaks."""

    def __init__(self, store: OriginalStore, processor: ImageProcessor, include_gps: bool) -> None:
        self._store = store
        self._processor = processor
        self._include_gps = include_gps

    def execute(self, name: ImageName) -> OriginalMeta:
        original = self._store.get(name)
        with damage_reported(name):
            meta = self._processor.read_meta(original.data, include_gps=self._include_gps)
        return OriginalMeta(name, original.stored, meta)
