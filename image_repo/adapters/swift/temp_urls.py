"""SwiftTempUrlSigner: temporary URLs to derived images in the cache container."""

from __future__ import annotations

import time
from urllib.parse import quote, urlsplit

from swiftclient.utils import generate_temp_url

from image_repo.adapters.swift.connection import SwiftConnectionPool
from image_repo.adapters.swift.container import SwiftContainer
from image_repo.adapters.swift.derived_store import object_name
from image_repo.domain.errors import ImageNotFoundError, StoreUnavailableError
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.records import TempUrl

_KEY_HEADER = "X-Container-Meta-Temp-Url-Key"


class SwiftTempUrlSigner:
    """Signing needs no request to Swift beyond learning the storage URL once (at login)."""

    def __init__(
        self,
        pool: SwiftConnectionPool,
        container: str,
        url_key: str,
        url_digest: str,
        public_url: str = "",
    ) -> None:
        self._objects = SwiftContainer(pool, container)
        self._url_key = url_key
        self._url_digest = url_digest
        self._public = urlsplit(public_url) if public_url else None

    def install_key(self) -> None:
        """Set the TempURL key on the cache container (creating it), then read it back."""
        self._objects.create(headers={_KEY_HEADER: self._url_key})
        if self._objects.metadata().get(_KEY_HEADER.lower()) != self._url_key:
            raise StoreUnavailableError(
                f"object store did not keep the TempURL key on container {self._objects.name}"
            )

    def key_problem(self) -> str | None:
        """What is wrong with the cache container's TempURL key, or None: a key other than
        swift.url_key makes every temporary URL answer 401, which nobody would notice until a
        user does. None too when Swift cannot be asked (readiness reports that)."""
        try:
            installed = self._objects.metadata().get(_KEY_HEADER.lower())
        except ImageNotFoundError:
            installed = None
        except StoreUnavailableError:
            return None
        if installed == self._url_key:
            return None
        return (
            f"the cache container {self._objects.name} does not carry swift.url_key as its "
            "TempURL key, so temporary URLs (url=true) answer 401: run "
            "`image_repo -c CONFIG set-url-key`"
        )

    def sign(self, key: DerivedImageKey, ttl_seconds: int, filename: str) -> TempUrl:
        """Signed for GET on the object's path as Swift will see it (unquoted); the URL itself
        carries the quoted path, so a `?` in a name stays part of the path. `inline` and
        `filename` are not signed, per Swift's tempurl. With `public_url`, the URL names that
        scheme and host instead of the storage URL's (the path, which is signed, is kept)."""
        parts = urlsplit(self._objects.url())
        path = f"{parts.path}/{object_name(key)}"
        expires = int(time.time()) + ttl_seconds
        signed = generate_temp_url(
            path, expires, self._url_key, "GET", absolute=True, digest=self._url_digest
        )
        query = signed[signed.rindex("?temp_url_sig=") + 1 :]
        base = self._public or parts
        url = (
            f"{base.scheme}://{base.netloc}{quote(path)}?{query}"
            f"&inline&filename={quote(filename, safe='')}"
        )
        return TempUrl(url, expires)
