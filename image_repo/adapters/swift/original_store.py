"""SwiftOriginalStore: the OriginalStore port on the Swift data container."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from image_repo.adapters.swift.connection import SwiftConnectionPool
from image_repo.adapters.swift.container import MAX_PAGE_SIZE, SwiftContainer
from image_repo.adapters.swift.looks_params import looks_of, split_media_type, with_looks
from image_repo.application.ports import ArrivingOriginal
from image_repo.domain.errors import (
    AlreadyExistsError,
    ImageNotFoundError,
    NameTakenError,
    StoreUnavailableError,
)
from image_repo.domain.formats import FORMAT_EXTENSIONS
from image_repo.domain.looks import NO_LOOKS, Looks
from image_repo.domain.names import ImageName
from image_repo.domain.records import ImageInfo, ListedObject, Original, StoredOriginal

# The extension of the objects other tools put in the data container most often.
LIKELIEST_EXTENSION = "jpg"
# What a metadata POST must send again to keep it (Swift drops what a POST leaves out).
_KEPT_BY_POST = (
    "content-disposition", "content-encoding", "content-language", "cache-control", "expires",
    "x-delete-at", "x-robots-tag",
)  # fmt: skip


class SwiftOriginalStore:
    """Originals are stored under their name without extension. Objects named `<name>.<ext>`
    (put there with other tools) are found when `<name>` itself is absent, so both forms serve
    (`<name>.jpg` first where there are several).
    Reads of an original ask every replica for the newest version (`X-Newest`)."""

    def __init__(
        self, pool: SwiftConnectionPool, container: str, *, page_size: int = MAX_PAGE_SIZE
    ) -> None:
        self._objects = SwiftContainer(pool, container, page_size=page_size)

    def ensure_container(self) -> None:
        self._objects.create()

    def put(
        self,
        name: ImageName,
        data: bytes,
        info: ImageInfo,
        *,
        looks: Looks = NO_LOOKS,
        if_absent: bool = False,
    ) -> StoredOriginal:
        """With `if_absent`, an extension variant is looked for in the listing and the exact
        name is asked first, and left to Swift too (`If-None-Match: *`, answered 412 when it
        was written meanwhile). `looks` ride
        in the content type's parameters (looks_params.py), listed with the object."""
        if if_absent and self._holds(name):
            # asked first, not left to Swift's 412 alone: with object versioning on, a refused
            # conditional PUT still left a kept version of the bytes it refused
            raise AlreadyExistsError(f"{name} exists")
        headers = {
            "X-Object-Meta-Format": info.format.value,
            "X-Object-Meta-Width": str(info.width),
            "X-Object-Meta-Height": str(info.height),
            "X-Object-Meta-Frames": str(info.frames),
            "X-Object-Meta-Bytes": str(len(data)),
        }
        if if_absent:
            headers["If-None-Match"] = "*"
        media_type = info.format.media_type
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        content_type = with_looks(media_type, md5, looks) if looks != NO_LOOKS else media_type
        etag = self._objects.put(str(name), data, content_type=content_type, headers=headers)
        for legacy in self._extension_variants(name):
            self._objects.delete(legacy)
        return StoredOriginal(str(name), str(name), etag, len(data), media_type, looks=looks)

    def copy(self, name: ImageName, new_name: ImageName, *, if_absent: bool) -> StoredOriginal:
        """A server-side copy (the bytes stay in Swift); `<new_name>.<ext>` objects other tools
        put are deleted after it, as after a PUT. With `if_absent`, `new_name` is looked up
        first: a copy cannot be made conditional (Swift's copy middleware applies
        `If-None-Match: *` to its read of the source, which answers 304), so a write of
        `new_name` between the lookup and the copy is replaced."""
        source = self.head(name)
        if if_absent and self._holds(new_name):
            raise NameTakenError(f"{new_name} exists")
        self._objects.copy(source.object_name, str(new_name))
        for legacy in self._extension_variants(new_name):
            self._objects.delete(legacy)
        return self.head(new_name)

    def _holds(self, name: ImageName) -> bool:
        try:
            self.head(name)
        except ImageNotFoundError:
            return False
        return True

    def record_looks(
        self, name: ImageName, change: Callable[[Looks], Looks], *, etag: str | None = None
    ) -> StoredOriginal | None:
        """Record `change(current looks)` with the current original (one HEAD of every
        replica, one POST), keeping its bytes, ETag and every other metadata. With `etag`,
        only if the current original is still those bytes: None otherwise."""
        for object_name in self._candidates(name):
            try:
                headers = self._objects.head(object_name, newest=True)
            except ImageNotFoundError:
                continue
            stored = stored_original(str(name), object_name, headers)
            if etag is not None and stored.etag != etag:
                return None
            looks = change(stored.looks)
            content_type = with_looks(headers.get("content-type", ""), stored.etag, looks)
            kept = {
                k: v
                for k, v in headers.items()
                if k.startswith("x-object-meta-") or k in _KEPT_BY_POST
            }
            self._objects.post(object_name, {**kept, "Content-Type": content_type})
            return StoredOriginal(
                stored.name, object_name, stored.etag, stored.bytes, stored.content_type,
                stored.last_modified, looks,
            )  # fmt: skip
        raise ImageNotFoundError(f"no image named {name}")

    def head(self, name: ImageName) -> StoredOriginal:
        for object_name in self._candidates(name):
            try:
                return stored_original(
                    str(name), object_name, self._objects.head(object_name, newest=True)
                )
            except ImageNotFoundError:
                continue
        raise ImageNotFoundError(f"no image named {name}")

    def get(self, name: ImageName) -> Original:
        original = self.stream(name)
        return Original(original.stored, original.body.whole())

    def stream(self, name: ImageName) -> ArrivingOriginal:
        """One GET, no HEAD before it: the ETag comes with the body (see `_candidates` for an
        absent exact name)."""
        for object_name in self._candidates(name):
            try:
                headers, body = self._objects.stream(object_name, newest=True)
            except ImageNotFoundError:
                continue
            return ArrivingOriginal(stored_original(str(name), object_name, headers), body)
        raise ImageNotFoundError(f"no image named {name}")

    def readiness_problem(self) -> str | None:
        """None when Swift answers (a missing container is fine: it is made on first write)."""
        try:
            self._objects.page(limit=1)
        except StoreUnavailableError as error:
            return str(error)
        return None

    def delete(self, name: ImageName) -> bool:
        """The exact name is deleted without asking the listing first, which may lag."""
        deleted = self._objects.delete(str(name))
        for variant in self._extension_variants(name):
            deleted = self._objects.delete(variant) or deleted
        return deleted

    def iter_objects(
        self,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        marker: str = "",
        page_size: int | None = None,
    ) -> Iterator[ListedObject]:
        entries = self._objects.listing(
            prefix, delimiter=delimiter, marker=marker, page_size=page_size
        )
        for entry in entries:
            if "subdir" in entry:
                yield ListedObject(entry["subdir"], "", is_folder=True)
            else:
                etag = entry.get("hash", "")
                yield ListedObject(
                    entry["name"],
                    etag,
                    bytes=int(entry.get("bytes", 0)),
                    last_modified=str(entry.get("last_modified", "")),
                    looks=looks_of(str(entry.get("content_type", "")), etag),
                )

    def _candidates(self, name: ImageName) -> Iterator[str]:
        """The exact name first (one request in the common case), then `<name>.jpg`, the
        variant other tools write most (asked for without a listing: a listing costs more
        than a GET that misses), then the other extension variants in the listing's order."""
        yield str(name)
        likeliest = f"{name}.{LIKELIEST_EXTENSION}"
        yield likeliest
        yield from (v for v in self._extension_variants(name) if v != likeliest)

    def _extension_variants(self, name: ImageName) -> list[str]:
        """Existing objects named `<name>.<format extension>`."""
        stem = f"{name}."
        return [
            entry["name"]
            for entry in self._objects.listing(stem, delimiter="/")
            if "name" in entry and entry["name"][len(stem) :].lower() in FORMAT_EXTENSIONS
        ]

    def get_start(self, name: ImageName, max_bytes: int) -> Original:
        """As `get`, with one Range GET of the first `max_bytes` per candidate object."""
        for object_name in self._candidates(name):
            try:
                headers, start = self._objects.get_start(object_name, max_bytes, newest=True)
            except ImageNotFoundError:
                continue
            return Original(stored_original(str(name), object_name, headers), start)
        raise ImageNotFoundError(f"no image named {name}")


def stored_original(name: str, object_name: str, headers: dict[str, str]) -> StoredOriginal:
    """An original as the headers of its GET or HEAD describe it (a kept version's too)."""
    etag = headers.get("etag", "").strip('"')
    content_type = headers.get("content-type", "application/octet-stream")
    return StoredOriginal(
        name=name,
        object_name=object_name,
        etag=etag,
        bytes=int(headers.get("content-length", "0")),
        content_type=split_media_type(content_type)[0],
        last_modified=headers.get("last-modified", ""),
        looks=looks_of(content_type, etag),
    )
