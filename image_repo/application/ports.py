"""The ports: what the use cases need from the world, as Protocols over bytes and records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

import attrs

from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.looks import NO_LOOKS, Looks
from image_repo.domain.names import ImageName
from image_repo.domain.records import (
    DerivedImage,
    ImageInfo,
    ImageMeta,
    ListedObject,
    Original,
    StoredOriginal,
    StoredVersion,
    TempUrl,
)
from image_repo.domain.spec import Spec


class ByteReader(Protocol):
    """A seekable binary file (what image decoders read from)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def tell(self) -> int: ...


class ArrivingBytes(Protocol):
    """Bytes still arriving from the store: a decoder may start on them before the last one is
    in. Reads wait for bytes not arrived yet and raise StoreUnavailableError if the download
    fails."""

    def reader(self) -> ByteReader:
        """A new reader from the first byte."""
        ...

    def whole(self) -> bytes:
        """Every byte, once all have arrived."""
        ...

    def when_whole(self, callback: Callable[[bytes], None]) -> None:
        """Call `callback` with every byte once all have arrived (on another thread, or at
        once); never if the download fails or is abandoned."""
        ...

    def abandon(self) -> None:
        """Nobody needs the rest: stop downloading it."""
        ...


# What a processor derives from: bytes in hand, or an original still arriving.
ImageSource = bytes | ArrivingBytes


@attrs.frozen
class IdentifiedSource:
    """An original's bytes under an `identity` that names exactly these bytes: the caller
    never gives the same identity to other bytes (a stored original's ETag and name do that,
    or an upload's own token). A processor may keep what it decoded under it, so the next size
    of the same original starts from there; bytes alone are never taken for others."""

    identity: str
    data: ImageSource


def data_of(source: ImageSource | IdentifiedSource) -> ImageSource:
    """The bytes, for whoever keeps nothing by identity."""
    return source.data if isinstance(source, IdentifiedSource) else source


@attrs.frozen
class ArrivingOriginal:
    stored: StoredOriginal
    body: ArrivingBytes


class OriginalStore(Protocol):
    """Where originals live (the Swift data container)."""

    def put(
        self,
        name: ImageName,
        data: bytes,
        info: ImageInfo,
        *,
        looks: Looks = NO_LOOKS,
        if_absent: bool = False,
    ) -> StoredOriginal:
        """Store `data` under `name`; the store must verify the bytes' MD5 before answering.
        With `if_absent`, raise AlreadyExistsError instead of replacing an existing image.
        `looks` (SPEC 15) are recorded with it, where a listing shows them."""
        ...

    def record_looks(
        self, name: ImageName, change: Callable[[Looks], Looks], *, etag: str | None = None
    ) -> StoredOriginal | None:
        """Record `change(the looks recorded now)` with the current original, its bytes and
        ETag unchanged (ImageNotFoundError when there is none). With `etag`: only if the
        current original's ETag is that one, else None and nothing recorded. Returns the
        original as now recorded."""
        ...

    def head(self, name: ImageName) -> StoredOriginal:
        """The stored original for `name` (raises ImageNotFoundError). Always the newest
        version the store holds, also when one of its replicas missed the last write."""
        ...

    def get(self, name: ImageName) -> Original:
        """The stored original's bytes (raises ImageNotFoundError); the newest, as `head`."""
        ...

    def get_start(self, name: ImageName, max_bytes: int) -> Original:
        """The first `max_bytes` of the stored original (all of them when it is shorter), found
        and newest as `get`; `stored` is as `get` gives it, `bytes` the whole object's size."""
        ...

    def stream(self, name: ImageName) -> ArrivingOriginal:
        """The stored original (the newest, as `head`), returned as soon as the store has
        answered with its headers, its bytes still arriving (raises ImageNotFoundError)."""
        ...

    def delete(self, name: ImageName) -> bool:
        """Remove every object holding `name`; False when there was none."""
        ...

    def copy(self, name: ImageName, new_name: ImageName, *, if_absent: bool) -> StoredOriginal:
        """Copy the original of `name` to `new_name` inside the store (its bytes, content type
        and metadata), replacing what `new_name` held; with `if_absent`, NameTakenError when
        `new_name` holds an image. ImageNotFoundError when `name` holds none. Returns the copy
        as stored."""
        ...

    def iter_objects(
        self,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        marker: str = "",
        page_size: int | None = None,
    ) -> Iterator[ListedObject]:
        """Every object under `prefix` with its ETag, in the store's (byte) order, fetched page
        by page (of at most `page_size`, a hint), after `marker` when one is given. With a
        `delimiter`, what lies deeper than one level below `prefix` is one folder entry each
        (`is_folder`, its name ending in the delimiter); a folder as marker skips itself."""
        ...


class OriginalVersions(Protocol):
    """The versions the store keeps of each original (`swift.versions`: Swift's own object
    versioning on the originals container). Only originals stored under their exact name are
    versioned (not `<name>.<ext>` objects other tools put there)."""

    def enable(self) -> None:
        """Turn versioning on for the originals container (idempotent; at start)."""
        ...

    def list(self, name: ImageName) -> list[StoredVersion]:
        """Every kept version of `name`, newest first, delete markers left out; [] for none."""
        ...

    def stream(self, name: ImageName, version_id: str) -> ArrivingOriginal:
        """One version's bytes, as OriginalStore.stream (raises ImageNotFoundError for a
        version the store does not hold)."""
        ...

    def restore(self, name: ImageName, version_id: str) -> StoredOriginal:
        """Make that version current again (a server-side copy: the store writes a new current
        version with its bytes and metadata); returns the new current original. Raises
        ImageNotFoundError for a version the store does not hold."""
        ...

    def delete(self, name: ImageName, version_id: str) -> bool:
        """Remove one kept version for good; False when there was none."""
        ...


class ImageProcessor(Protocol):
    """The imaging library behind the service."""

    def identify(self, data: ImageSource) -> ImageInfo:
        """Read the header only (raises UnsupportedImageError for anything not an allowed image)."""
        ...

    def check_decodes(self, data: bytes | IdentifiedSource, *, looks: bool = False) -> Looks:
        """Decode what every derivation will decode (CorruptImageError when it fails), so an
        upload that passes can be served in every kind. What was decoded of an identified
        source may be reused by `derive` given the same identity. With `looks`, what that
        decode shows (SPEC 15: size, placeholder, faces where the processor looks for them);
        NO_LOOKS otherwise."""
        ...

    def derive(
        self,
        source: ImageSource | IdentifiedSource,
        spec: Spec,
        *,
        watermark: bytes | None = None,
    ) -> DerivedImage:
        """Make the image `spec` describes from an original's bytes (decoding them as they
        arrive, where the processor can). `watermark`: the bytes of the image the spec's
        watermark names, under the ETag the spec holds (WatermarkUnavailableError when they do
        not decode). An original over the processor's ImageLimits is
        refused (TooManyPixelsError) from its header, before any decoding. An identified
        source may start from what was decoded of the same identity before (an earlier size of
        the same original)."""
        ...

    def read_meta(
        self, data: bytes, *, include_gps: bool, partial: bool = False
    ) -> ImageMeta | None:
        """Header facts and the whitelisted EXIF; GPS only with `include_gps`. With `partial`,
        `data` is only the start of the image and the answer None unless it is exactly what the
        whole would give: also when the start does not parse, as only the whole can tell a
        damaged image from a start too short. Never None without `partial`."""
        ...


class DerivedStore(Protocol):
    """Derived images kept in the object store (the Swift cache container)."""

    def get(self, key: DerivedImageKey) -> bytes | None:
        """The bytes this service stored under `key`, or None (also for anything else found
        there: others may be able to write into the store)."""
        ...

    def put(self, key: DerivedImageKey, image: DerivedImage) -> None: ...

    def holds(self, key: DerivedImageKey, image: DerivedImage) -> bool:
        """True when the store holds exactly `image` under `key`, as this service stored it."""
        ...

    def delete_all(self, name: ImageName) -> int:
        """Remove every derivative of `name`, whatever its original's ETag."""
        ...


class UrlSigner(Protocol):
    def sign(self, key: DerivedImageKey, ttl_seconds: int, filename: str) -> TempUrl:
        """A URL that fetches the stored derivative `key` without credentials until it expires."""
        ...


class Matcher(Protocol):
    def search(self, text: str) -> bool:
        """True when the pattern matches anywhere in `text` (as Perl's `=~`)."""
        ...


class PatternCompiler(Protocol):
    """A regular-expression engine that runs in linear time, so no pattern can hang a worker."""

    def compile(self, pattern: str) -> Matcher:
        """Compile `pattern` (raises InvalidPatternError saying why it was refused)."""
        ...


class BlobCache(Protocol):
    """A bounded local cache of bytes (memory or disk), grouped by image name so that every
    entry of a deleted image can be dropped. `key` is a fixed-length digest."""

    def get(self, name: ImageName, key: str) -> bytes | None:
        """The bytes stored under `key`, or None; a damaged entry is dropped and is a miss."""
        ...

    def put(self, name: ImageName, key: str, data: bytes) -> None:
        """Store `data`, evicting least-recently-used entries to stay within the bound. Never
        raises for a full or broken cache: the service works without it."""
        ...

    def discard_all(self, name: ImageName) -> None: ...


class KnownEtags(Protocol):
    """Each name's last known original ETag, kept on disk so that cached images can still be
    served while the store is unreachable (and only then: see CoherentEtags)."""

    def get(self, name: ImageName) -> str | None: ...

    def put(self, name: ImageName, etag: str) -> None: ...

    def forget(self, name: ImageName) -> None: ...


class NameGenerations(Protocol):
    """A counter per name shared by every worker process of this server, moved on by each PUT
    or DELETE of the name once the store has answered it. Reading it must cost no more than a
    memory access: every cache hit reads it. Names may share a counter (a hash table): a move
    then only costs the other names one revalidation."""

    def current(self, name: ImageName) -> int: ...

    def advance(self, name: ImageName) -> int:
        """Move the name's counter on; returns the new value."""
        ...


class EdgePurger(Protocol):
    """The CDNs and Varnishes in front of the servers (`edge.purge_urls`), told which surrogate
    keys a write made stale (domain/edge_keys.py)."""

    def purge(self, keys: tuple[str, ...]) -> None:
        """Ask every edge to drop what it keeps under `keys`, waiting a bounded time; what has
        not landed by then is retried in the background. Never raises: an edge that is down
        must not fail a write."""
        ...


class NoEdge:
    """No edge configured: nothing to purge."""

    def purge(self, keys: tuple[str, ...]) -> None:
        pass


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since 1970."""
        ...


class FetchMetrics(Protocol):
    def lookup(self, tier: str, *, hit: bool) -> None: ...

    def derivation(self) -> None: ...

    def eager(self, outcome: str) -> None:
        """One eager derivation: done, failed, dropped (queue full) or superseded."""
        ...


class BackgroundWork(Protocol):
    """Work that may wait, run on a low-priority thread, bounded."""

    def submit(self, work: Callable[[], None]) -> bool:
        """Queue `work`; False, and nothing queued, when the queue is full. `work` must not
        raise."""
        ...


class WriteBehind(Protocol):
    """Cache writes that may block on I/O (an fsync, a PUT to the cache container), run after
    the request that made them has been answered."""

    def submit(self, write: Callable[[], None], size: int) -> None:
        """Run `write` later on another thread. When `size` more bytes would not fit in the
        queue, run it now in the caller instead, so pending writes stay bounded in memory and
        none is dropped. `write` must not raise for a cache it could not fill."""
        ...
