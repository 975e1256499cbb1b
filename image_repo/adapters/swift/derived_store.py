"""SwiftDerivedStore: derived images in the Swift cache container, and TempURLs to them."""

from __future__ import annotations

import hashlib

from image_repo.adapters.swift.connection import SwiftConnectionPool
from image_repo.adapters.swift.container import MAX_PAGE_SIZE, SwiftContainer
from image_repo.domain.errors import ImageNotFoundError
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.records import DerivedImage

# Longest name kept readable in an object name: with "//", an ETag and a canonical spec the
# whole stays under Swift's 1024-byte object-name limit. Longer names are hashed.
_MAX_READABLE_NAME_BYTES = 700


def name_prefix(name: ImageName) -> str:
    """Every derivative of `name`, and only those, have object names starting with this.
    Image names never contain `//`, so no other name's prefix can start the same way."""
    if len(str(name).encode("utf-8")) <= _MAX_READABLE_NAME_BYTES:
        return f"{name}//"
    return f"~long~//{hashlib.sha256(str(name).encode('utf-8')).hexdigest()}//"


def object_name(key: DerivedImageKey) -> str:
    return f"{name_prefix(key.name)}{key.original_etag}/{key.spec.canonical()}"


class SwiftDerivedStore:
    """An object's name holds the original's ETag, so its bytes never change: a replica that
    missed the write answers 404, which is only a miss."""

    def __init__(
        self, pool: SwiftConnectionPool, container: str, *, page_size: int = MAX_PAGE_SIZE
    ) -> None:
        self._objects = SwiftContainer(pool, container, page_size=page_size)

    def ensure_container(self) -> None:
        self._objects.create()

    def get(self, key: DerivedImageKey) -> bytes | None:
        try:
            _headers, body = self._objects.get(object_name(key))
        except ImageNotFoundError:
            return None
        return body

    def contains(self, key: DerivedImageKey) -> bool:
        try:
            self._objects.head(object_name(key))
        except ImageNotFoundError:
            return False
        return True

    def put(self, key: DerivedImageKey, image: DerivedImage) -> None:
        self._objects.put(object_name(key), image.data, content_type=image.format.media_type)

    def delete_all(self, name: ImageName) -> int:
        """Remove every derivative of `name`; returns how many were removed."""
        return sum(
            self._objects.delete(entry["name"])
            for entry in self._objects.listing(name_prefix(name))
        )
