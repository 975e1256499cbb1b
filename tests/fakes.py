"""In-memory fakes of the ports for use-case unit tests; contract tests keep them honest."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterator

from image_repo.application.ports import ArrivingOriginal, IdentifiedSource, ImageSource, data_of
from image_repo.domain.errors import (
    AlreadyExistsError,
    CorruptImageError,
    ImageNotFoundError,
    NameTakenError,
    StoreUnavailableError,
    UnsupportedImageError,
)
from image_repo.domain.formats import FORMAT_EXTENSIONS, ImageFormat
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.looks import NO_LOOKS, Looks, Placeholder
from image_repo.domain.names import ImageName
from image_repo.domain.records import (
    DerivedImage,
    ImageInfo,
    ImageMeta,
    ListedObject,
    Original,
    StoredOriginal,
    TempUrl,
)
from image_repo.domain.spec import Spec


class ArrivedBytes:
    """The ArrivingBytes port over bytes already whole."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.abandoned = False

    def reader(self) -> io.BytesIO:
        return io.BytesIO(self.data)

    def whole(self) -> bytes:
        return self.data

    def when_whole(self, callback: Callable[[bytes], None]) -> None:
        callback(self.data)

    def abandon(self) -> None:
        self.abandoned = True


class InMemoryOriginalStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.puts = 0
        self.gets = 0
        self.start_gets = 0
        self.is_down = False
        self.put_fails = False  # stores the bytes, then fails as a lost answer would
        self.looks: dict[str, Looks] = {}  # as recorded, by object name
        self.posts = 0

    def put(
        self,
        name: ImageName,
        data: bytes,
        info: ImageInfo,
        *,
        looks: Looks = NO_LOOKS,
        if_absent: bool = False,
    ) -> StoredOriginal:
        if if_absent and self._variants(name):
            raise AlreadyExistsError(str(name))
        for legacy in self._variants(name):
            del self.objects[legacy]
        self.objects[str(name)] = data
        self.looks[str(name)] = looks
        self.puts += 1
        if self.put_fails:
            raise StoreUnavailableError("no answer")
        return self._stored(name, str(name))

    def head(self, name: ImageName) -> StoredOriginal:
        if self.is_down:
            raise StoreUnavailableError("down")
        variants = self._variants(name)
        if not variants:
            raise ImageNotFoundError(str(name))
        return self._stored(name, variants[0])

    def get(self, name: ImageName) -> Original:
        self.gets += 1
        stored = self.head(name)
        return Original(stored, self.objects[stored.object_name])

    def get_start(self, name: ImageName, max_bytes: int) -> Original:
        self.start_gets += 1
        stored = self.head(name)
        return Original(stored, self.objects[stored.object_name][:max_bytes])

    def stream(self, name: ImageName) -> ArrivingOriginal:
        """Every byte has arrived at once."""
        original = self.get(name)
        return ArrivingOriginal(original.stored, ArrivedBytes(original.data))

    def copy(self, name: ImageName, new_name: ImageName, *, if_absent: bool) -> StoredOriginal:
        source = self.head(name)
        if if_absent and self._variants(new_name):
            raise NameTakenError(str(new_name))
        for legacy in self._variants(new_name):
            del self.objects[legacy]
        self.objects[str(new_name)] = self.objects[source.object_name]
        self.looks[str(new_name)] = self.looks.get(source.object_name, NO_LOOKS)
        return self._stored(new_name, str(new_name))

    def record_looks(
        self, name: ImageName, change: Callable[[Looks], Looks], *, etag: str | None = None
    ) -> StoredOriginal | None:
        stored = self.head(name)
        if etag is not None and stored.etag != etag:
            return None
        self.looks[stored.object_name] = change(stored.looks)
        self.posts += 1
        return self._stored(name, stored.object_name)

    def delete(self, name: ImageName) -> bool:
        variants = self._variants(name)
        for object_name in variants:
            del self.objects[object_name]
            self.looks.pop(object_name, None)
        return bool(variants)

    def iter_objects(
        self,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        marker: str = "",
        page_size: int | None = None,
    ) -> Iterator[ListedObject]:
        """As Swift lists: byte order, after `marker`; with a delimiter each deeper folder
        once, as its path ending in the delimiter, and a folder given as marker left out."""
        ordered = sorted((n for n in self.objects if n.startswith(prefix)), key=str.encode)
        listed: list[ListedObject] = []
        for name in ordered:
            cut = name.find(delimiter, len(prefix)) if delimiter else -1
            if cut >= 0:
                folder = name[: cut + len(delimiter or "")]
                is_new = not listed or listed[-1].name != folder
                if name.encode() > marker.encode() and folder != marker and is_new:
                    listed.append(ListedObject(folder, "", is_folder=True))
            elif name.encode() > marker.encode():
                etag = hashlib.md5(self.objects[name], usedforsecurity=False).hexdigest()
                data = self.objects[name]
                listed.append(
                    ListedObject(
                        name,
                        etag,
                        bytes=len(data),
                        last_modified="2026-12-04T09:00:00",
                        looks=self.looks.get(name, NO_LOOKS),
                    )
                )
        return iter(listed)

    def _variants(self, name: ImageName) -> list[str]:
        stem = f"{name}."
        return sorted(
            n
            for n in self.objects
            if n == str(name)
            or (n.startswith(stem) and n[len(stem) :].lower() in FORMAT_EXTENSIONS)
        )

    def _stored(self, name: ImageName, object_name: str) -> StoredOriginal:
        data = self.objects[object_name]
        etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
        looks = self.looks.get(object_name, NO_LOOKS)
        return StoredOriginal(str(name), object_name, etag, len(data), "image/jpeg", looks=looks)


class InMemoryImageProcessor:
    """'Images' are the bytes b"IMG:<format>:<width>x<height>[:corrupt]". `before_derive` runs
    first in every derive() (a test makes it wait, fail or write meanwhile)."""

    def __init__(self, before_derive: Callable[[Spec], None] = lambda _spec: None) -> None:
        self.derivations = 0
        self.before_derive = before_derive

    @staticmethod
    def image_bytes(image_format: str, width: int, height: int, *, corrupt: bool = False) -> bytes:
        return f"IMG:{image_format}:{width}x{height}{':corrupt' if corrupt else ''}".encode()

    def identify(self, data: ImageSource) -> ImageInfo:
        data = _whole(data)
        match = re.fullmatch(rb"IMG:(\w+):(\d+)x(\d+)(:corrupt)?", data)
        if match is None:
            raise UnsupportedImageError("not an image")
        return ImageInfo(ImageFormat(match[1].decode()), int(match[2]), int(match[3]))

    def check_decodes(self, data: bytes | IdentifiedSource, *, looks: bool = False) -> Looks:
        """With `looks`, a placeholder made of the bytes' MD5 (the same bytes, the same one)."""
        whole = _whole(data_of(data))
        if whole.endswith(b":corrupt"):
            raise CorruptImageError("corrupt")
        if not looks:
            return NO_LOOKS
        digest = hashlib.md5(whole, usedforsecurity=False).hexdigest()
        return Looks(placeholder=Placeholder(digest[:6], bytes.fromhex(digest[6:20]), digest))

    def derive(
        self,
        source: ImageSource | IdentifiedSource,
        spec: Spec,
        *,
        watermark: bytes | None = None,
    ) -> DerivedImage:
        self.before_derive(spec)
        data = _whole(data_of(source))
        info = self.identify(data)
        if data.endswith(b":corrupt"):
            raise CorruptImageError("the stored image cannot be decoded")
        width, height = (
            spec.box.fit(info.width, info.height) if spec.box else (info.width, info.height)
        )
        self.derivations += 1
        return DerivedImage(spec.kind, self.image_bytes(spec.kind.value, width, height))

    def read_meta(self, data: bytes, *, include_gps: bool, partial: bool = False) -> ImageMeta:
        """Fake images are shorter than any start the use cases fetch: never `partial`."""
        info = self.identify(data)
        exif: dict[str, str | int | float] = {"make": "Fake"}
        if include_gps:
            exif["gps_latitude"] = 1.5
        return ImageMeta(info.format, info.width, info.height, "RGB", exif)


class InMemoryMatcher:
    def __init__(self, pattern: str) -> None:
        self._compiled = re.compile(pattern)

    def search(self, text: str) -> bool:
        return self._compiled.search(text) is not None


class InMemoryPatternCompiler:
    """Python's `re` stands in for RE2 on the patterns the unit tests use."""

    def compile(self, pattern: str) -> InMemoryMatcher:
        return InMemoryMatcher(pattern)


class InMemoryDerivedStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def get(self, key: DerivedImageKey) -> bytes | None:
        return self.objects.get(str(key))

    def put(self, key: DerivedImageKey, image: DerivedImage) -> None:
        self.objects[str(key)] = image.data

    def holds(self, key: DerivedImageKey, image: DerivedImage) -> bool:
        return self.objects.get(str(key)) == image.data

    def delete_all(self, name: ImageName) -> int:
        doomed = [k for k in self.objects if DerivedImageKey.parse(k).name == name]
        for key in doomed:
            del self.objects[key]
        return len(doomed)


class InMemoryUrlSigner:
    def sign(self, key: DerivedImageKey, ttl_seconds: int, filename: str) -> TempUrl:
        return TempUrl(f"memory://{key.digest()}/{filename}", 1_000_000 + ttl_seconds)


class InMemoryBlobCache:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], bytes] = {}

    def get(self, name: ImageName, key: str) -> bytes | None:
        return self.entries.get((name.value, key))

    def put(self, name: ImageName, key: str, data: bytes) -> None:
        self.entries[(name.value, key)] = data

    def discard_all(self, name: ImageName) -> None:
        for entry in [e for e in self.entries if e[0] == name.value]:
            del self.entries[entry]


class QueuedWrites:
    """WriteBehind that holds writes until the test runs them (or runs them at once)."""

    def __init__(self, *, inline: bool = False) -> None:
        self.inline = inline
        self.queued: list[Callable[[], None]] = []

    def submit(self, write: Callable[[], None], size: int) -> None:
        assert size >= 0
        if self.inline:
            write()
        else:
            self.queued.append(write)

    def run_all(self) -> None:
        while self.queued:
            self.queued.pop(0)()


class InMemoryKnownEtags:
    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def get(self, name: ImageName) -> str | None:
        return self.known.get(name.value)

    def put(self, name: ImageName, etag: str) -> None:
        self.known[name.value] = etag

    def forget(self, name: ImageName) -> None:
        self.known.pop(name.value, None)


class InMemoryNameGenerations:
    """One instance stands for the table the workers of one server share."""

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}

    def current(self, name: ImageName) -> int:
        return self.counters.get(name.value, 0)

    def advance(self, name: ImageName) -> int:
        self.counters[name.value] = self.current(name) + 1
        return self.counters[name.value]


class ManualClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.time = now

    def now(self) -> float:
        return self.time


class RecordingMetrics:
    def __init__(self) -> None:
        self.lookups: list[tuple[str, bool]] = []
        self.derivations = 0
        self.eager_outcomes: list[str] = []

    def lookup(self, tier: str, *, hit: bool) -> None:
        self.lookups.append((tier, hit))

    def derivation(self) -> None:
        self.derivations += 1

    def eager(self, outcome: str) -> None:
        self.eager_outcomes.append(outcome)


def _whole(data: ImageSource) -> bytes:
    return data if isinstance(data, bytes) else data.whole()
