"""Deriver: a derived image made from its original's bytes, then kept in the cache tiers."""

from __future__ import annotations

import attrs

from image_repo.application.originals import OriginalBytes
from image_repo.application.ports import FetchMetrics, ImageProcessor
from image_repo.application.stored_originals import damage_reported
from image_repo.application.tiered_cache import FetchedImage, TieredCache
from image_repo.application.watermarks import Watermarks
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.records import DerivedImage


@attrs.frozen
class Made:
    """A derivation not kept yet: a cache tier's answer found meanwhile may still replace it."""

    key: DerivedImageKey
    image: DerivedImage


class Deriver:
    """Making and keeping are apart so that a first view can drop what it made when the cache
    container answered first (the tiers never get a second copy).

    Who calls picks the processor: requests derive within the processor's decoding slots,
    eager work with a processor that takes none (the container gives each its own), since
    eager work holding a slot while descheduled at low priority would make requests wait."""

    def __init__(
        self,
        processor: ImageProcessor,
        cache: TieredCache,
        metrics: FetchMetrics,
        watermarks: Watermarks | None = None,
    ) -> None:
        """`watermarks`: where a spec's watermark image comes from (SPEC 14)."""
        self._watermarks = watermarks
        self._processor = processor
        self._cache = cache
        self._metrics = metrics

    def make(self, key: DerivedImageKey, original: OriginalBytes) -> Made:
        """Made under the ETag `original` has: when the original was replaced since the key's
        ETag was learnt, its download has the new one, and so has what is made of it. The
        processor refuses an original over the limits before decoding it (its header is read
        once); one it cannot decode is damage (DamagedOriginalError), not the request's."""
        if original.etag != key.original_etag:
            key = attrs.evolve(key, original_etag=original.etag)
        watermark = self._watermarks.image(key.spec) if self._watermarks is not None else None
        with damage_reported(key.name):
            return Made(key, self._processor.derive(original.source, key.spec, watermark=watermark))

    def keep(self, made: Made, *, durable: bool) -> FetchedImage:
        """Counted as a derivation and put in every tier (`durable`: see TieredCache.put)."""
        self._metrics.derivation()
        self._cache.put(made.key, made.image, durable=durable)
        return FetchedImage(made.key, made.image, "derived")
