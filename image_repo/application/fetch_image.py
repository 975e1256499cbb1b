"""FetchImage: a derived image from the first cache tier that has it, or made anew, once."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from typing import Literal

import attrs

from image_repo.application.current_etag import CurrentEtag
from image_repo.application.ports import (
    BlobCache,
    DerivedStore,
    FetchMetrics,
    ImageProcessor,
    OriginalStore,
    WriteBehind,
)
from image_repo.application.single_flight import SingleFlight
from image_repo.domain.errors import StoreUnavailableError
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.limits import ImageLimits
from image_repo.domain.names import ImageName
from image_repo.domain.records import DerivedImage
from image_repo.domain.spec import Spec

Tier = Literal["memory", "disk", "swift", "derived"]


@attrs.frozen
class FetchedImage:
    key: DerivedImageKey
    image: DerivedImage
    tier: Tier


@attrs.frozen
class LocalTier:
    name: Tier
    cache: BlobCache
    # A tier whose writes may block on I/O (the disk tier's fsync) is filled after the answer.
    writes_behind: bool = False


def original_key(etag: str) -> str:
    return f"original-{etag}"


class FetchImage:
    """Lookup order: local tiers (memory, then disk), the Swift cache container, then derive
    from the original (itself cached locally). A hit is copied into the faster tiers above it.

    Keys carry the original's ETag, so a re-uploaded original never serves an old derivative.
    Concurrent requests for one key derive once (single flight). Writing a cache tier never
    fails a request: a full disk or an unreachable cache container only cost speed.

    The memory tier is filled before answering, so the next request is a hit; the disk tier and
    the cache container are filled through `write_behind`, after the answer. A write still
    queued when its image is deleted may land afterwards: its key holds the old ETag, which only
    identical content can bring back, so it can never be served for other bytes.
    """

    def __init__(
        self,
        store: OriginalStore,
        processor: ImageProcessor,
        limits: ImageLimits,
        etags: CurrentEtag,
        local_tiers: Sequence[LocalTier],
        derived: DerivedStore | None,
        metrics: FetchMetrics,
        write_behind: WriteBehind,
    ) -> None:
        self._store = store
        self._processor = processor
        self._limits = limits
        self._etags = etags
        self._local_tiers = tuple(local_tiers)
        self._derived = derived
        self._metrics = metrics
        self._write_behind = write_behind
        self._derivations: SingleFlight[FetchedImage] = SingleFlight()
        self._originals: SingleFlight[tuple[str, bytes]] = SingleFlight()

    def execute(self, name: ImageName, spec: Spec) -> FetchedImage:
        key = DerivedImageKey(name, self._etags.resolve(name), spec)
        found = self._local(key)
        if found is not None:
            return found
        # Inside the flight the local tiers are asked again (a flight that just ended filled
        # memory), then the cache container once for all the requests waiting on this key.
        return self._derivations.run(
            key.digest(), lambda: self._local(key) or self._stored(key) or self._derive(key)
        )

    def _local(self, key: DerivedImageKey) -> FetchedImage | None:
        digest = key.digest()
        for index, tier in enumerate(self._local_tiers):
            data = tier.cache.get(key.name, digest)
            self._metrics.lookup(tier.name, hit=data is not None)
            if data is not None:
                self._fill(self._local_tiers[:index], key.name, digest, data)
                return FetchedImage(key, DerivedImage(key.spec.kind, data), tier.name)
        return None

    def _stored(self, key: DerivedImageKey) -> FetchedImage | None:
        if self._derived is None:
            return None
        digest = key.digest()
        try:
            data = self._derived.get(key)
        except StoreUnavailableError:
            data = None
        self._metrics.lookup("swift", hit=data is not None)
        if data is None:
            return None
        self._fill(self._local_tiers, key.name, digest, data)
        return FetchedImage(key, DerivedImage(key.spec.kind, data), "swift")

    def _derive(self, key: DerivedImageKey) -> FetchedImage:
        etag, original = self._original(key.name, key.original_etag)
        if etag != key.original_etag:  # replaced since the ETag was learnt: serve the new one
            self._etags.learn(key.name, etag)
            key = attrs.evolve(key, original_etag=etag)
        self._limits.check(self._processor.identify(original))
        image = self._processor.derive(original, key.spec, f"{etag}/{key.name}")
        self._metrics.derivation()
        self._fill(self._local_tiers, key.name, key.digest(), image.data)
        if self._derived is not None:
            self._write_behind.submit(
                functools.partial(_store_derived, self._derived, key, image), len(image.data)
            )
        return FetchedImage(key, image, "derived")

    def _original(self, name: ImageName, etag: str) -> tuple[str, bytes]:
        """The original's bytes from a local tier, else from the store, once per ETag."""
        for tier in self._local_tiers:
            data = tier.cache.get(name, original_key(etag))
            if data is not None:
                return etag, data
        return self._originals.run(f"{etag}/{name}", lambda: self._download(name))

    def _download(self, name: ImageName) -> tuple[str, bytes]:
        original = self._store.get(name)
        self._fill(self._local_tiers, name, original_key(original.stored.etag), original.data)
        return original.stored.etag, original.data

    def _fill(self, tiers: Sequence[LocalTier], name: ImageName, key: str, data: bytes) -> None:
        for tier in tiers:
            if tier.writes_behind:
                self._write_behind.submit(
                    functools.partial(tier.cache.put, name, key, data), len(data)
                )
            else:
                tier.cache.put(name, key, data)


def _store_derived(derived: DerivedStore, key: DerivedImageKey, image: DerivedImage) -> None:
    # the cache container is an optimisation: the image has been served anyway
    with contextlib.suppress(StoreUnavailableError):
        derived.put(key, image)
