"""LookupCachedImage: answer from the memory tier alone, without any I/O."""

from __future__ import annotations

from image_repo.application.current_etag import CurrentEtag
from image_repo.application.fetch_image import FetchedImage
from image_repo.application.ports import BlobCache, FetchMetrics
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.records import DerivedImage
from image_repo.domain.spec import Spec

# Keys remembered for hot (name, spec) pairs; the memo is dropped whole when it fills up.
KEYS_REMEMBERED = 4096


class LookupCachedImage:
    """Runs on the event loop, so a memory hit never queues behind derivations in the pools.
    `etags` must be backed by memory only; anything less than a certain hit returns None and the
    request goes on to FetchImage in a pool.

    Building a key and hashing it costs more than the lookup itself, and a hot image is asked for
    thousands of times a second, so the key last built for each (name, spec) is kept with the
    ETag it was built for (the key keeps its digest)."""

    def __init__(self, etags: CurrentEtag, memory: BlobCache, metrics: FetchMetrics) -> None:
        self._etags = etags
        self._memory = memory
        self._metrics = metrics
        self._keys: dict[tuple[ImageName, Spec], DerivedImageKey] = {}

    def execute(self, name: ImageName, spec: Spec) -> FetchedImage | None:
        etag = self._etags.fresh(name)
        if etag is None:
            return None
        key = self._key_for(name, spec, etag)
        data = self._memory.get(name, key.digest())
        if data is None:
            return None
        self._metrics.lookup("memory", hit=True)
        return FetchedImage(key, DerivedImage(spec.kind, data), "memory")

    def _key_for(self, name: ImageName, spec: Spec, etag: str) -> DerivedImageKey:
        remembered = self._keys.get((name, spec))
        if remembered is not None and remembered.original_etag == etag:
            return remembered
        key = DerivedImageKey(name, etag, spec)
        if len(self._keys) >= KEYS_REMEMBERED:
            self._keys.clear()
        self._keys[name, spec] = key
        return key
