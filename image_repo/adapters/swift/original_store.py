"""SwiftOriginalStore: the OriginalStore port on the Swift data container."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from typing import Any

from image_repo.adapters.swift.connection import SwiftConnectionPool, translated_errors
from image_repo.domain.errors import AlreadyExistsError, ImageNotFoundError, StoreUnavailableError
from image_repo.domain.formats import FORMAT_EXTENSIONS
from image_repo.domain.names import ImageName
from image_repo.domain.records import ImageInfo, Original, StoredOriginal

logger = logging.getLogger(__name__)

LISTING_PAGE = 10_000  # Swift's maximum page size


class SwiftOriginalStore:
    """Originals are stored under their name without extension. Objects named `<name>.<ext>`
    (put there with other tools) are found when `<name>` itself is absent, so both forms serve."""

    def __init__(self, pool: SwiftConnectionPool, container: str) -> None:
        self._pool = pool
        self._container = container

    def ensure_container(self) -> None:
        with translated_errors(f"container {self._container}"), self._pool.connection() as conn:
            conn.put_container(self._container)

    def put(
        self, name: ImageName, data: bytes, info: ImageInfo, *, if_absent: bool = False
    ) -> StoredOriginal:
        if if_absent and self._variants(name):
            raise AlreadyExistsError(f"{name} exists")
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        headers = {
            "X-Object-Meta-Format": info.format.value,
            "X-Object-Meta-Width": str(info.width),
            "X-Object-Meta-Height": str(info.height),
            "X-Object-Meta-Frames": str(info.frames),
            "X-Object-Meta-Bytes": str(len(data)),
        }
        if if_absent:
            headers["If-None-Match"] = "*"
        etag = self._put_object(str(name), data, md5, info.format.media_type, headers)
        for legacy in self._variants(name, include_exact=False):
            self._delete_object(legacy)
        return StoredOriginal(str(name), str(name), etag, len(data), info.format.media_type)

    def _put_object(
        self, object_name: str, data: bytes, md5: str, content_type: str, headers: dict[str, str]
    ) -> str:
        """Swift compares the MD5 sent as ETag with what it wrote and refuses a mismatch, so a
        2xx here means the bytes are durably stored as sent."""
        for attempt in (1, 2):
            try:
                with translated_errors(object_name), self._pool.connection() as conn:
                    etag = conn.put_object(
                        self._container, object_name, data, content_length=len(data),
                        etag=md5, content_type=content_type, headers=headers,
                    )  # fmt: skip
                return str(etag).strip('"')
            except ImageNotFoundError:
                if attempt == 2:
                    raise StoreUnavailableError(f"container {self._container} vanished") from None
                self.ensure_container()
        raise StoreUnavailableError(f"could not store {object_name}")

    def head(self, name: ImageName) -> StoredOriginal:
        for object_name in self._candidates(name):
            try:
                with translated_errors(object_name), self._pool.connection() as conn:
                    headers = conn.head_object(self._container, object_name)
                return _stored(str(name), object_name, headers)
            except ImageNotFoundError:
                continue
        raise ImageNotFoundError(f"no image named {name}")

    def get(self, name: ImageName) -> Original:
        for object_name in self._candidates(name):
            try:
                with translated_errors(object_name), self._pool.connection() as conn:
                    headers, body = conn.get_object(self._container, object_name)
                return Original(_stored(str(name), object_name, headers), bytes(body))
            except ImageNotFoundError:
                continue
        raise ImageNotFoundError(f"no image named {name}")

    def readiness_problem(self) -> str | None:
        """None when Swift answers (a missing container is fine: it is made on first write)."""
        try:
            self._list(limit=1)
        except StoreUnavailableError as error:
            return str(error)
        return None

    def delete(self, name: ImageName) -> bool:
        return sum(self._delete_object(o) for o in self._variants(name)) > 0

    def iter_object_names(self, prefix: str = "") -> Iterator[str]:
        marker = ""
        while True:
            page = self._list(prefix=prefix, marker=marker, limit=LISTING_PAGE)
            if not page:
                return
            for entry in page:
                yield entry["name"]
            marker = page[-1]["name"]

    def _candidates(self, name: ImageName) -> Iterator[str]:
        """The exact name first (one request in the common case), then extension variants."""
        yield str(name)
        yield from self._variants(name, include_exact=False)

    def _variants(self, name: ImageName, *, include_exact: bool = True) -> list[str]:
        """Existing objects that hold `name`: itself and `<name>.<format extension>`."""
        stem = f"{name}."
        found = [
            entry["name"]
            for entry in self._list(prefix=stem, delimiter="/", limit=LISTING_PAGE)
            if "name" in entry and entry["name"][len(stem) :].lower() in FORMAT_EXTENSIONS
        ]
        if include_exact:
            exact = self._list(prefix=str(name), delimiter="/", limit=1)
            if exact and exact[0].get("name") == str(name):
                found.insert(0, str(name))
        return found

    def _list(self, **query: Any) -> list[dict[str, Any]]:
        try:
            with translated_errors(f"listing {self._container}"), self._pool.connection() as conn:
                _headers, page = conn.get_container(self._container, **query)
            return list(page)
        except ImageNotFoundError:
            return []  # no container yet: nothing stored

    def _delete_object(self, object_name: str) -> bool:
        try:
            with translated_errors(object_name), self._pool.connection() as conn:
                conn.delete_object(self._container, object_name)
            return True
        except ImageNotFoundError:
            return False


def _stored(name: str, object_name: str, headers: dict[str, str]) -> StoredOriginal:
    return StoredOriginal(
        name=name,
        object_name=object_name,
        etag=headers.get("etag", "").strip('"'),
        bytes=int(headers.get("content-length", "0")),
        content_type=headers.get("content-type", "application/octet-stream"),
        last_modified=headers.get("last-modified", ""),
    )
