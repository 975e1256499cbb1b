"""SwiftDerivedStore: derived images in the Swift cache container, and TempURLs to them."""

from __future__ import annotations

import hashlib

from image_repo.adapters.swift.connection import SwiftConnectionPool, translated_errors
from image_repo.domain.errors import ImageNotFoundError, StoreUnavailableError
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
    def __init__(self, pool: SwiftConnectionPool, container: str) -> None:
        self._pool = pool
        self._container = container

    def ensure_container(self) -> None:
        with translated_errors(f"container {self._container}"), self._pool.connection() as conn:
            conn.put_container(self._container)

    def get(self, key: DerivedImageKey) -> bytes | None:
        try:
            with translated_errors(object_name(key)), self._pool.connection() as conn:
                _headers, body = conn.get_object(self._container, object_name(key))
            return bytes(body)
        except ImageNotFoundError:
            return None

    def contains(self, key: DerivedImageKey) -> bool:
        try:
            with translated_errors(object_name(key)), self._pool.connection() as conn:
                conn.head_object(self._container, object_name(key))
            return True
        except ImageNotFoundError:
            return False

    def put(self, key: DerivedImageKey, image: DerivedImage) -> None:
        md5 = hashlib.md5(image.data, usedforsecurity=False).hexdigest()
        for attempt in (1, 2):
            try:
                with translated_errors(object_name(key)), self._pool.connection() as conn:
                    conn.put_object(
                        self._container, object_name(key), image.data,
                        content_length=len(image.data), etag=md5,
                        content_type=image.format.media_type,
                    )  # fmt: skip
                return
            except ImageNotFoundError:
                if attempt == 2:
                    raise StoreUnavailableError(f"container {self._container} vanished") from None
                self.ensure_container()

    def delete_all(self, name: ImageName) -> int:
        """Remove every derivative of `name`; returns how many were removed."""
        removed = 0
        prefix = name_prefix(name)
        while True:
            try:
                with translated_errors(prefix), self._pool.connection() as conn:
                    _headers, page = conn.get_container(self._container, prefix=prefix, limit=1000)
            except ImageNotFoundError:
                return removed
            if not page:
                return removed
            for entry in page:
                try:
                    with translated_errors(entry["name"]), self._pool.connection() as conn:
                        conn.delete_object(self._container, entry["name"])
                    removed += 1
                except ImageNotFoundError:
                    pass
