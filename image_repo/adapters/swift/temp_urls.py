"""SwiftTempUrlSigner: temporary URLs to derived images in the cache container."""

from __future__ import annotations

import time
from urllib.parse import quote, urlsplit

from swiftclient.utils import generate_temp_url

from image_repo.adapters.swift.connection import SwiftConnectionPool, translated_errors
from image_repo.adapters.swift.derived_store import object_name
from image_repo.domain.errors import StoreUnavailableError
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.records import TempUrl


class SwiftTempUrlSigner:
    """Signing needs no request to Swift beyond learning the storage URL once (at login)."""

    def __init__(
        self, pool: SwiftConnectionPool, container: str, url_key: str, url_digest: str
    ) -> None:
        self._pool = pool
        self._container = container
        self._url_key = url_key
        self._url_digest = url_digest

    def install_key(self) -> None:
        """Set the TempURL key on the cache container (creating it), then read it back."""
        header = "X-Container-Meta-Temp-Url-Key"
        with translated_errors(self._container), self._pool.connection() as conn:
            conn.put_container(self._container)
            conn.post_container(self._container, {header: self._url_key})
            stored = conn.head_container(self._container).get(header.lower())
        if stored != self._url_key:
            raise StoreUnavailableError(f"Swift did not keep the TempURL key on {self._container}")

    def sign(self, key: DerivedImageKey, ttl_seconds: int, filename: str) -> TempUrl:
        """Signed for GET on the object's path as Swift will see it (unquoted); the URL itself
        carries the quoted path. `inline` and `filename` are not signed, per Swift's tempurl."""
        with translated_errors("storage URL"), self._pool.connection() as conn:
            storage_url, _token = conn.get_auth()
        parts = urlsplit(storage_url)
        path = f"{parts.path}/{self._container}/{object_name(key)}"
        expires = int(time.time()) + ttl_seconds
        signed = generate_temp_url(
            path, expires, self._url_key, "GET", absolute=True, digest=self._url_digest
        )
        query = signed.split("?", 1)[1]
        url = (
            f"{parts.scheme}://{parts.netloc}{quote(path)}?{query}"
            f"&inline&filename={quote(filename, safe='')}"
        )
        return TempUrl(url, expires)
