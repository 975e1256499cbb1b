"""TieredCache: derived images in memory, on local disk and in the cache container."""

from __future__ import annotations

import contextlib
import functools
from typing import Literal

import attrs

from image_repo.application.ports import BlobCache, DerivedStore, FetchMetrics, WriteBehind
from image_repo.domain.errors import StoreUnavailableError
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.records import DerivedImage

Tier = Literal["memory", "disk", "swift", "derived"]


@attrs.frozen
class FetchedImage:
    """`is_settled`: no write of the name was answered here while it was fetched. An image made
    before a write and answered after it is right for this request, which overlapped the
    write, but no shared cache may keep it: the write's purge may have gone before it."""

    key: DerivedImageKey
    image: DerivedImage
    tier: Tier
    is_settled: bool = True


class TieredCache:
    """Owns the lookup order (memory, disk, the Swift cache container), the promotion of a hit
    into the faster tiers, when each tier is written, and the lookup metrics.

    Memory is filled before the answer, so the next request is a hit. The disk (an fsync) and
    the cache container (a PUT) are filled through `write_behind`, after the answer, unless the
    caller needs the image stored first (`durable`: a temporary URL must point at an object
    that exists). Filling a tier never fails a request: a full disk or an unreachable cache
    container only cost speed. Every key holds its original's ETag, so an entry can never be
    served for other bytes; a write that lands after its image was deleted stays unreachable.
    (Originals are kept apart, by Originals.)

    `shared_enabled` false keeps ordinary derivations out of the cache container (reads and
    writes), and one over `shared_max_bytes` is kept only locally, so that tier stays bounded
    whatever sizes are asked for; durable writes (temporary URLs) always go there."""

    def __init__(
        self,
        memory: BlobCache,
        disk: BlobCache,
        shared: DerivedStore,
        metrics: FetchMetrics,
        write_behind: WriteBehind,
        shared_enabled: bool = True,
        shared_max_bytes: int = 16 << 20,
    ) -> None:
        self._memory = memory
        self._disk = disk
        self._shared = shared
        self._metrics = metrics
        self._write_behind = write_behind
        self._shared_enabled = shared_enabled
        self._shared_max_bytes = shared_max_bytes

    def in_memory(self, key: DerivedImageKey) -> bytes | None:
        """The memory tier alone, no I/O: for answers made on the event loop."""
        data = self._memory.get(key.name, key.digest())
        if data is not None:
            self._metrics.lookup("memory", hit=True)
        return data

    def get(self, key: DerivedImageKey) -> FetchedImage | None:
        return self.get_local(key) or self.get_shared(key)

    def get_local(self, key: DerivedImageKey) -> FetchedImage | None:
        """Memory, then disk: no network."""
        digest = key.digest()
        data = self._memory.get(key.name, digest)
        self._metrics.lookup("memory", hit=data is not None)
        if data is not None:
            return FetchedImage(key, DerivedImage(key.spec.kind, data), "memory")
        data = self._disk.get(key.name, digest)
        self._metrics.lookup("disk", hit=data is not None)
        if data is not None:
            self._memory.put(key.name, digest, data)
            return FetchedImage(key, DerivedImage(key.spec.kind, data), "disk")
        return None

    def get_shared(self, key: DerivedImageKey) -> FetchedImage | None:
        """The cache container (a Swift request), kept locally when it has the image."""
        if not self._shared_enabled:
            return None
        try:
            data = self._shared.get(key)
        except StoreUnavailableError:
            data = None
        self._metrics.lookup("swift", hit=data is not None)
        if data is None:
            return None
        self._keep_locally(key.name, key.digest(), data)
        return FetchedImage(key, DerivedImage(key.spec.kind, data), "swift")

    def put(self, key: DerivedImageKey, image: DerivedImage, *, durable: bool = False) -> None:
        """Keep a new derivation in every tier. With `durable` it is in the cache container
        when this returns (StoreUnavailableError otherwise)."""
        self._keep_locally(key.name, key.digest(), image.data)
        if durable:
            self._shared.put(key, image)
        elif self._shared_enabled and len(image.data) <= self._shared_max_bytes:
            write = functools.partial(_put_quietly, self._shared, key, image)
            self._write_behind.submit(write, len(image.data))

    def ensure_shared(self, key: DerivedImageKey, image: DerivedImage) -> None:
        """Store `image` in the cache container unless it holds it already."""
        if not self._shared.holds(key, image):
            self._shared.put(key, image)

    def discard_local(self, name: ImageName) -> None:
        """Drop every derivative kept locally for `name` (its cache-container copies are the
        store's)."""
        self._memory.discard_all(name)
        self._disk.discard_all(name)

    def _keep_locally(self, name: ImageName, key: str, data: bytes) -> None:
        self._memory.put(name, key, data)
        self._write_behind.submit(functools.partial(self._disk.put, name, key, data), len(data))


def _put_quietly(shared: DerivedStore, key: DerivedImageKey, image: DerivedImage) -> None:
    # the cache container is an optimisation: the image has been served anyway
    with contextlib.suppress(StoreUnavailableError):
        shared.put(key, image)
