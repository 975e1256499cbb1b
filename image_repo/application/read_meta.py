"""ReadMeta: what `meta=true` answers about an original (SPEC §3)."""

from __future__ import annotations

import attrs

from image_repo.application.ports import ImageProcessor, OriginalStore
from image_repo.application.stored_originals import damage_reported
from image_repo.domain.names import ImageName
from image_repo.domain.records import ImageMeta, Original, StoredOriginal

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
    ) -> None:
        self._store = store
        self._processor = processor
        self._include_gps = include_gps
        self._start_bytes = start_bytes

    def execute(self, name: ImageName) -> OriginalMeta:
        start = self._store.get_start(name, self._start_bytes)
        meta = self._read(name, start, partial=len(start.data) < start.stored.bytes)
        if meta is not None:
            return OriginalMeta(name, start.stored, meta)
        whole = self._store.get(name)
        meta = self._read(name, whole, partial=False)
        assert meta is not None, "read_meta answers None only for a start"
        return OriginalMeta(name, whole.stored, meta)

    def _read(self, name: ImageName, original: Original, *, partial: bool) -> ImageMeta | None:
        with damage_reported(name):
            return self._processor.read_meta(
                original.data, include_gps=self._include_gps, partial=partial
            )
