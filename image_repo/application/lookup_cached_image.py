"""LookupCachedImage: answer from the memory tier alone, without any I/O."""

from __future__ import annotations

from image_repo.application.current_etag import CurrentEtag
from image_repo.application.fetch_image import FetchedImage
from image_repo.application.ports import BlobCache, FetchMetrics
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.records import DerivedImage
from image_repo.domain.spec import Spec


class LookupCachedImage:
    """Runs on the event loop, so a memory hit never queues behind derivations in the pools.
    `etags` must be backed by memory only; anything less than a certain hit returns None and the
    request goes on to FetchImage in a pool."""

    def __init__(self, etags: CurrentEtag, memory: BlobCache, metrics: FetchMetrics) -> None:
        self._etags = etags
        self._memory = memory
        self._metrics = metrics

    def execute(self, name: ImageName, spec: Spec) -> FetchedImage | None:
        etag = self._etags.fresh(name)
        if etag is None:
            return None
        key = DerivedImageKey(name, etag, spec)
        data = self._memory.get(name, key.digest())
        if data is None:
            return None
        self._metrics.lookup("memory", hit=True)
        return FetchedImage(key, DerivedImage(spec.kind, data), "memory")
