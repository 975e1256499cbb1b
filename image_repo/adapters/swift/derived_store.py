"""SwiftDerivedStore: derived images in the Swift cache container, each with an integrity tag."""

from __future__ import annotations

import hashlib
import hmac

from image_repo.adapters.swift.connection import SwiftConnectionPool
from image_repo.adapters.swift.container import MAX_PAGE_SIZE, SwiftContainer
from image_repo.adapters.swift.metrics import REJECTED_ENTRIES
from image_repo.domain.errors import ImageNotFoundError
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.records import DerivedImage

# Longest name kept readable in an object name: with its prefix, "//", an ETag and a canonical
# spec the whole stays under Swift's 1024-byte object-name limit. Longer names are hashed.
_MAX_READABLE_NAME_BYTES = 700
TAG_HEADER = "X-Object-Meta-Integrity"


def name_prefix(name: ImageName) -> str:
    """Every derivative of `name`, and only those, have object names starting with this.
    Readable names go under `n/`, hashed long ones under `h/`, so neither can be the start of
    the other; image names never contain `//`, so no name's prefix starts another's."""
    if len(str(name).encode("utf-8")) <= _MAX_READABLE_NAME_BYTES:
        return f"n/{name}//"
    return f"h/{hashlib.sha256(str(name).encode('utf-8')).hexdigest()}//"


def object_name(key: DerivedImageKey) -> str:
    return f"{name_prefix(key.name)}{key.original_etag}/{key.spec.canonical()}"


class SwiftDerivedStore:
    """An object's name holds the original's ETag, so its bytes never change: a replica that
    missed the write answers 404, which is only a miss.

    Whoever holds the TempURL key can write into the cache container (a PUT TempURL), so bytes
    found there are served only with the integrity tag this service wrote beside them: an
    HMAC, under `integrity_secret` (the same on every node, not derivable from the TempURL
    key), of the object's name and the SHA-256 of its bytes. Anything else is a miss, counted.
    Objects expire `ttl_seconds` after they are written (`X-Delete-After`), so the container
    does not grow without bound."""

    def __init__(
        self,
        pool: SwiftConnectionPool,
        container: str,
        *,
        integrity_secret: bytes,
        ttl_seconds: int = 0,
        page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        self._objects = SwiftContainer(pool, container, page_size=page_size)
        self._secret = integrity_secret
        self._ttl_seconds = ttl_seconds

    def ensure_container(self) -> None:
        self._objects.create()

    def get(self, key: DerivedImageKey) -> bytes | None:
        name = object_name(key)
        try:
            headers, body = self._objects.get(name)
        except ImageNotFoundError:
            return None
        if not hmac.compare_digest(headers.get(TAG_HEADER.lower(), ""), self._tag(name, body)):
            REJECTED_ENTRIES.inc()
            return None
        return body

    def holds(self, key: DerivedImageKey, image: DerivedImage) -> bool:
        name = object_name(key)
        try:
            headers = self._objects.head(name)
        except ImageNotFoundError:
            return False
        md5 = hashlib.md5(image.data, usedforsecurity=False).hexdigest()
        return headers.get("etag", "").strip('"') == md5 and hmac.compare_digest(
            headers.get(TAG_HEADER.lower(), ""), self._tag(name, image.data)
        )

    def put(self, key: DerivedImageKey, image: DerivedImage) -> None:
        name = object_name(key)
        headers = {TAG_HEADER: self._tag(name, image.data)}
        if self._ttl_seconds:
            headers["X-Delete-After"] = str(self._ttl_seconds)
        self._objects.put(name, image.data, content_type=image.format.media_type, headers=headers)

    def delete_all(self, name: ImageName) -> int:
        """Remove every derivative of `name`; returns how many were removed."""
        return sum(
            self._objects.delete(entry["name"])
            for entry in self._objects.listing(name_prefix(name))
        )

    def _tag(self, object_name: str, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        message = f"{object_name}\n{digest}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
