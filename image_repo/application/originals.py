"""Originals: an original's bytes for derivations, downloaded once per ETag, kept in memory."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import attrs

from image_repo.application.ports import (
    ArrivingBytes,
    ArrivingOriginal,
    BlobCache,
    IdentifiedSource,
    ImageSource,
    OriginalStore,
    OriginalVersions,
)
from image_repo.application.single_flight import SingleFlight
from image_repo.domain.names import ImageName

# Threads asking the cache container while first views decode (each waits on one Swift request).
LOOKUP_THREADS = 4

Found = TypeVar("Found")
Decoded = TypeVar("Decoded")


@attrs.frozen
class OriginalBytes:
    """An original's bytes as a processor is given them, with the ETag they are stored under:
    a download's, newer than the one asked for when the original was replaced meanwhile."""

    etag: str
    source: IdentifiedSource

    @classmethod
    def of(
        cls, name: ImageName, etag: str, data: ImageSource, identity: str | None = None
    ) -> OriginalBytes:
        """`identity`: what the bytes were decoded as already (an upload's check); otherwise
        the ETag and the name, which name exactly these bytes."""
        return cls(etag, IdentifiedSource(identity or f"{etag}/{name}", data))


def _kept_key(etag: str) -> str:
    return f"original-{etag}"


class Originals:
    """A gallery asks one original for several sizes at once: it is downloaded once per ETag
    (single flight), however many ask, and kept in memory for the next (`kept`, a budget of
    its own, 0 allowed, apart from the derived images: an 11 MB photo among them would evict
    hundreds of hot small ones). Nothing is kept on disk: Swift holds it already.

    A first view also races here (`race`): the arriving body is decoded while the cache
    container is asked on a thread of `LOOKUP_THREADS`; `close` stops them at shutdown."""

    def __init__(
        self, store: OriginalStore, kept: BlobCache, versions: OriginalVersions | None = None
    ) -> None:
        """`versions`: where kept versions of an original are read from (`swift.versions`)."""
        self._versions = versions
        self._store = store
        self._kept = kept
        self._downloads: SingleFlight[ArrivingOriginal] = SingleFlight()
        self._lookups = ThreadPoolExecutor(LOOKUP_THREADS, thread_name_prefix="lookup")

    def download(self, name: ImageName) -> ArrivingOriginal:
        """The original's GET, as soon as the store has answered with its headers (its ETag);
        its bytes are kept in memory once all have arrived."""
        original = self._store.stream(name)
        etag = original.stored.etag
        original.body.when_whole(lambda data: self.keep(name, etag, data))
        return original

    def of(self, name: ImageName, etag: str, version_id: str | None = None) -> OriginalBytes:
        """The original stored under `etag`: from memory, else from one GET shared by every
        caller asking at once (whose ETag is the store's current one, or with `version_id`,
        that kept version's)."""
        kept = self._kept.get(name, _kept_key(etag))
        if kept is not None:
            return OriginalBytes.of(name, etag, kept)
        if version_id is not None and self._versions is not None:
            versions = self._versions

            def download() -> ArrivingOriginal:
                original = versions.stream(name, version_id)
                original.body.when_whole(lambda data: self.keep(name, etag, data))
                return original

        else:

            def download() -> ArrivingOriginal:
                return self.download(name)

        original = self._downloads.run(f"{etag}/{name}", download)
        return OriginalBytes.of(name, original.stored.etag, original.body)

    def keep(self, name: ImageName, etag: str, data: bytes) -> None:
        """Keep an original's bytes (an upload's, or a download's once whole) for the next."""
        self._kept.put(name, _kept_key(etag), data)

    def discard(self, name: ImageName) -> None:
        """Drop every original kept for `name`, whatever its ETag."""
        self._kept.discard_all(name)

    def race(
        self,
        body: ArrivingBytes,
        lookup: Callable[[], Found | None],
        decode: Callable[[], Decoded],
    ) -> Found | Decoded:
        """`decode` (which reads `body`) runs here while `lookup` runs on another thread, for a
        first view: memory and disk have missed, and the cache container's answer costs a
        Swift round trip. The lookup's hit is the answer whenever it comes: it abandons `body`,
        so the decoder's reads fail and it stops, and what it made is dropped. Otherwise what
        `decode` made is; its failure is raised only when the lookup found nothing."""
        asked = self._lookups.submit(lookup)

        def stop_decoding(done: Future[Found | None]) -> None:
            if _hit(done) is not None:
                body.abandon()

        asked.add_done_callback(stop_decoding)
        try:
            decoded = decode()
        except Exception:
            body.abandon()
            found = _hit(asked)
            if found is not None:
                return found
            raise
        found = _hit(asked)
        return decoded if found is None else found

    def close(self) -> None:
        """Wait for the lookups in flight (each a Swift request, within its timeout)."""
        self._lookups.shutdown(wait=True)


def _hit(lookup: Future[Found | None]) -> Found | None:
    """The lookup's hit, once it has answered; a lookup that failed found nothing."""
    return lookup.result() if lookup.exception() is None else None
