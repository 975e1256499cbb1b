"""IssueTempUrl: store a derived image in the cache container and sign a URL to it."""

from __future__ import annotations

import attrs

from image_repo.application.fetch_image import FetchImage
from image_repo.application.ports import UrlSigner
from image_repo.application.tiered_cache import TieredCache
from image_repo.domain.names import ImageName
from image_repo.domain.records import TempUrl
from image_repo.domain.spec import Spec


@attrs.frozen
class IssuedUrl:
    name: ImageName
    url: TempUrl
    original_etag: str  # of the original the URL's image was made from


class IssueTempUrl:
    """A URL must point at bytes that exist, so the derivative is in the cache container (Swift
    has confirmed it) before the URL is signed; one found there is not written again."""

    def __init__(
        self, fetch: FetchImage, cache: TieredCache, signer: UrlSigner, ttl_seconds: int
    ) -> None:
        self._fetch = fetch
        self._cache = cache
        self._signer = signer
        self._ttl_seconds = ttl_seconds

    def execute(
        self, name: ImageName, spec: Spec, etag: str | None = None, *, ttl: int | None = None
    ) -> IssuedUrl:
        """`ttl`: the URL's lifetime in seconds, if shorter than the configured one."""
        fetched = self._fetch.execute(name, spec, etag=etag, durable=True)
        if fetched.tier in ("memory", "disk"):
            self._cache.ensure_shared(fetched.key, fetched.image)
        filename = f"{str(name).rsplit('/', 1)[-1]}.{spec.kind.extension}"
        signed = self._signer.sign(fetched.key, ttl or self._ttl_seconds, filename)
        return IssuedUrl(name, signed, fetched.key.original_etag)
