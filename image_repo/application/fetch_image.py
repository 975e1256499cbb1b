"""FetchImage: a derived image from the first cache tier that has it, or made anew, once."""

from __future__ import annotations

import attrs

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.ports import FetchMetrics, ImageProcessor, OriginalStore
from image_repo.application.single_flight import SingleFlight
from image_repo.application.stored_originals import damage_reported
from image_repo.application.tiered_cache import FetchedImage, TieredCache
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.limits import ImageLimits
from image_repo.domain.names import ImageName
from image_repo.domain.records import Original
from image_repo.domain.spec import Spec


class FetchImage:
    """The key holds the original's ETag, which `etags` vouches for (or the caller, from a
    listing it just read), so a replaced original never serves an old derivative. Concurrent
    requests for one key look up and derive once (single flight), and an original is
    downloaded once per ETag however many sizes are asked of it at once."""

    def __init__(
        self,
        store: OriginalStore,
        processor: ImageProcessor,
        limits: ImageLimits,
        etags: CoherentEtags,
        cache: TieredCache,
        metrics: FetchMetrics,
    ) -> None:
        self._store = store
        self._processor = processor
        self._limits = limits
        self._etags = etags
        self._cache = cache
        self._metrics = metrics
        self._derivations: SingleFlight[FetchedImage] = SingleFlight()
        self._downloads: SingleFlight[Original] = SingleFlight()

    def execute(
        self, name: ImageName, spec: Spec, *, etag: str | None = None, durable: bool = False
    ) -> FetchedImage:
        """`durable`: a new derivation is in the cache container before this returns."""
        key = DerivedImageKey(name, etag or self._etags.resolve(name), spec)
        flight = f"{key.digest()}/durable" if durable else key.digest()
        return self._derivations.run(
            flight, lambda: self._cache.get(key) or self._derive(key, durable)
        )

    def _derive(self, key: DerivedImageKey, durable: bool) -> FetchedImage:
        etag, original = self._original(key.name, key.original_etag)
        if etag != key.original_etag:  # replaced since the ETag was learnt: make the new one
            key = attrs.evolve(key, original_etag=etag)
        with damage_reported(key.name):
            self._limits.check(self._processor.identify(original))
            image = self._processor.derive(original, key.spec, f"{etag}/{key.name}")
        self._metrics.derivation()
        self._cache.put(key, image, durable=durable)
        return FetchedImage(key, image, "derived")

    def _original(self, name: ImageName, etag: str) -> tuple[str, bytes]:
        kept = self._cache.original(name, etag)
        if kept is not None:
            return etag, kept
        original = self._downloads.run(f"{etag}/{name}", lambda: self._store.get(name))
        self._cache.keep_original(name, original.stored.etag, original.data)
        return original.stored.etag, original.data
