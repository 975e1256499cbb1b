"""ReadMeta: what `meta=true` answers about an original (SPEC §3)."""

from __future__ import annotations

import logging

import attrs

from image_repo.application.original_looks import OriginalLooks
from image_repo.application.ports import ImageProcessor, OriginalStore
from image_repo.application.stored_originals import damage_reported
from image_repo.domain.errors import ImageRepoError
from image_repo.domain.names import ImageName
from image_repo.domain.records import ImageMeta, Original, StoredOriginal

logger = logging.getLogger(__name__)

# What is fetched first: a photo's header and EXIF (one JPEG segment, at most 64 KiB) sit there.
START_BYTES = 64 * 1024


@attrs.frozen
class OriginalMeta:
    name: ImageName
    stored: StoredOriginal
    meta: ImageMeta


class ReadMeta:
    """GPS is left out unless the deployment asked for it: location is the metadata most
    likely to hurt someone when it leaks.

    Only the start of the original is fetched (START_BYTES of a photo's 10 MB), and it answers
    only when it gives exactly what the whole would (ImageProcessor.read_meta, `partial`); else
    the whole is fetched. That is when the header or metadata lie further in (a JPEG whose
    segments before its pixels outgrow the start), and when only the whole settles the answer:
    a PNG without an eXIf chunk before its pixels (Pillow looks for one after them), a GIF (its
    frames are counted), WebP, HEIF, AVIF and TIFF (Pillow reads or seeks to their end). The
    whole rather than a growing range: most of those need every byte anyway, and each request
    asks every replica (X-Newest), so a miss costs one short request more than before, never
    several. The answer's size, ETag and date come with the bytes it was read from."""

    def __init__(
        self,
        store: OriginalStore,
        processor: ImageProcessor,
        include_gps: bool,
        *,
        start_bytes: int = START_BYTES,
        looks: OriginalLooks | None = None,
    ) -> None:
        """`looks`: describes an original whose looks are not recorded yet (SPEC 15: an
        object another tool put), once, from its whole bytes."""
        self._looks = looks
        self._store = store
        self._processor = processor
        self._include_gps = include_gps
        self._start_bytes = start_bytes

    def execute(self, name: ImageName) -> OriginalMeta:
        start = self._store.get_start(name, self._start_bytes)
        is_whole = len(start.data) >= start.stored.bytes
        meta = self._read(name, start, partial=not is_whole)
        if meta is not None and not self._describes(start.stored):
            return OriginalMeta(name, start.stored, meta)
        whole = start if is_whole else self._store.get(name)
        meta = meta if whole is start else self._read(name, whole, partial=False)
        assert meta is not None, "read_meta answers None only for a start"
        stored = whole.stored
        if self._looks is not None and self._looks.needs_describing(stored):
            try:
                stored = attrs.evolve(stored, looks=self._looks.described(name, stored, whole.data))
            except ImageRepoError as error:  # the metadata is still worth answering
                logger.warning("describing %s failed: %s", name, error)
        return OriginalMeta(name, stored, meta)

    def _describes(self, stored: StoredOriginal) -> bool:
        return self._looks is not None and self._looks.needs_describing(stored)

    def _read(self, name: ImageName, original: Original, *, partial: bool) -> ImageMeta | None:
        with damage_reported(name):
            return self._processor.read_meta(
                original.data, include_gps=self._include_gps, partial=partial
            )
