"""Watermarks: the images `images.watermarks` names, whose ETags enter the key of everything
they mark (SPEC 14), so replacing a logo re-marks every image, coherently (SPEC 7)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.originals import Originals
from image_repo.application.ports import OriginalStore
from image_repo.domain.errors import ImageNotFoundError, WatermarkUnavailableError
from image_repo.domain.names import ImageName
from image_repo.domain.spec import Spec

# A watermark's ETag is asked of Swift again past this many seconds. One watermark marks
# images of every name, so the routing by name that keeps one name on one node does not help:
# a logo replaced through one node is seen by the others within this bound, for one HEAD per
# worker per second while marked images are asked for.
TRUST_SECONDS = 1.0


class Watermarks:
    """A watermark's image is an image of the repository like any other, its bytes from
    Originals (kept in memory, downloaded once per ETag) and its ETag from CoherentEtags, but
    trusted for TRUST_SECONDS only: a replaced logo re-marks everything within a second on
    every node, and at once on the node that took the write."""

    def __init__(
        self,
        images: Mapping[str, ImageName],
        store: OriginalStore,
        originals: Originals,
        etags: CoherentEtags,
    ) -> None:
        self._images = dict(images)
        self._store = store
        self._originals = originals
        self._etags = etags

    def trusted(self, spec: Spec) -> Spec | None:
        """`spec` with its watermark's ETag, if this process trusts it without I/O (a memory
        hit asks); None otherwise. A spec without a watermark is returned as is."""
        watermark = spec.edits.watermark
        if watermark is None:
            return spec
        etag = self._etags.trusted(self._images[watermark.name], TRUST_SECONDS)
        return None if etag is None else _marked(spec, etag)

    def resolved(self, spec: Spec) -> Spec:
        """`spec` with its watermark's current ETag (one HEAD when not trusted)."""
        watermark = spec.edits.watermark
        if watermark is None:
            return spec
        name = self._images[watermark.name]
        etag = self._etags.trusted(name, TRUST_SECONDS)
        if etag is None:
            seen = self._etags.generation(name)
            try:
                stored = self._store.head(name)
            except ImageNotFoundError:
                self._etags.forget(name)
                raise WatermarkUnavailableError(
                    f"watermark {watermark.name!r}: there is no image {name}"
                ) from None
            etag = stored.etag
            self._etags.learn(name, etag, seen, stored.looks.subject)
        return _marked(spec, etag)

    def image_name(self, spec: Spec) -> ImageName | None:
        """The image the spec's watermark names: its surrogate key goes on what it marks, so
        a write of the logo purges them at the edge."""
        watermark = spec.edits.watermark
        return None if watermark is None else self._images[watermark.name]

    def image(self, spec: Spec) -> bytes | None:
        """The bytes of the watermark `spec` names, under the ETag it holds; None for none."""
        watermark = spec.edits.watermark
        if watermark is None:
            return None
        name = self._images[watermark.name]
        original = self._originals.of(name, watermark.etag)
        data = original.source.data
        return data if isinstance(data, bytes) else data.whole()

    def missing(self) -> list[str]:
        """The configured watermarks whose image Swift does not hold (a start-up warning)."""
        absent = []
        for watermark, name in self._images.items():
            try:
                self._store.head(name)
            except ImageNotFoundError:
                absent.append(f"{watermark} ({name})")
        return absent


def _marked(spec: Spec, etag: str) -> Spec:
    watermark = spec.edits.watermark
    assert watermark is not None
    if watermark.etag == etag:
        return spec
    edits = attrs.evolve(spec.edits, watermark=attrs.evolve(watermark, etag=etag))
    return attrs.evolve(spec, edits=edits)
