"""PreparedCache: the ImageProcessor that lets the next size of an original skip its decoding.

Decoding is most of a derivation's cost and a gallery asks one original for several sizes at
once, so what a processor decoded (PreparedImages) is kept for the next size. That needs to
know when two sources are one original, which the bytes cannot say (comparing them would cost
what the cache saves) but their caller can: it holds the name and the ETag, or an upload's
own token. So the caller says it with the source, an IdentifiedSource (a port value: an
identity that names exactly these bytes), and the port's `derive(source, spec)` has no cache
hint of its own. Plain bytes are never reused.

The cache lives here, around the processor, rather than inside it: the processor only
starts from and fills the entries of one original it is handed (PreparedOriginal), so what is
kept, under which identity and within which budget is decided in one place, and a
processor without it (tests, benchmarks) decodes every time.
"""

from __future__ import annotations

from typing import Protocol

from image_repo.adapters.imaging.prepared_images import PreparedImages, PreparedOriginal
from image_repo.application.ports import IdentifiedSource, ImageSource
from image_repo.domain.looks import Looks
from image_repo.domain.records import DerivedImage, ImageInfo, ImageMeta
from image_repo.domain.spec import Spec


class PreparingProcessor(Protocol):
    """What PreparedCache wraps (PillowProcessor, VipsProcessor): the ImageProcessor port whose
    decoding may start from, and fill, one original's entries (`prepared`)."""

    def identify(self, data: ImageSource) -> ImageInfo: ...

    def check_decodes(
        self,
        data: bytes | IdentifiedSource,
        prepared: PreparedOriginal | None = None,
        *,
        looks: bool = False,
    ) -> Looks: ...

    def derive(
        self,
        source: ImageSource | IdentifiedSource,
        spec: Spec,
        prepared: PreparedOriginal | None = None,
        *,
        watermark: bytes | None = None,
    ) -> DerivedImage: ...

    def read_meta(
        self, data: bytes, *, include_gps: bool, partial: bool = False
    ) -> ImageMeta | None: ...

    def without_slots(self) -> PreparingProcessor: ...


class PreparedCache:
    """An ImageProcessor: `processor`'s answers, with its decodes of identified sources kept
    in `prepared` (whose budget bounds them; 0 keeps nothing)."""

    def __init__(self, processor: PreparingProcessor, prepared: PreparedImages) -> None:
        self._processor = processor
        self._prepared = prepared

    def identify(self, data: ImageSource) -> ImageInfo:
        return self._processor.identify(data)

    def check_decodes(self, data: bytes | IdentifiedSource, *, looks: bool = False) -> Looks:
        """What an upload's check decoded is kept under its identity: eager derivations made
        right after it start from there."""
        return self._processor.check_decodes(data, self._entries(data), looks=looks)

    def derive(
        self,
        source: ImageSource | IdentifiedSource,
        spec: Spec,
        *,
        watermark: bytes | None = None,
    ) -> DerivedImage:
        return self._processor.derive(source, spec, self._entries(source), watermark=watermark)

    def read_meta(
        self, data: bytes, *, include_gps: bool, partial: bool = False
    ) -> ImageMeta | None:
        return self._processor.read_meta(data, include_gps=include_gps, partial=partial)

    def without_slots(self) -> PreparedCache:
        """The same processor and cache, taking none of the decoding slots that requests wait
        for: for eager work (see PillowProcessor.without_slots)."""
        return PreparedCache(self._processor.without_slots(), self._prepared)

    def _entries(self, source: ImageSource | IdentifiedSource) -> PreparedOriginal | None:
        if isinstance(source, IdentifiedSource) and self._prepared.keeps_any:
            return PreparedOriginal(self._prepared, source.identity)
        return None  # nothing can be kept: the processor decodes as it finds cheapest
