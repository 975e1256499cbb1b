"""MemoryHits: answers memory-cache hits before Starlette's routing and middleware stack.

Repeated GETs of one derived image are most of an image server's traffic, and for them the
framework's layers (routing regexes, Request objects, exception middleware, Response objects)
cost more than the lookup itself. This front answers such a request with two ASGI messages,
on the event loop, and hands everything else, unchanged, to the application behind it: a
miss, a regex, meta or url, or anything to refuse (the full route gives the 4xx, and the 403
of a URL without its signature)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import attrs
from starlette.types import ASGIApp, Receive, Scope, Send

from image_repo.adapters.http.image_endpoints import HttpSettings
from image_repo.adapters.http.image_responses import ImageAnswer, content_disposition, image_answer
from image_repo.adapters.http.request_parsing import IMAGES_PREFIX, image_name_of, raw_path_of
from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.tiered_cache import TieredCache
from image_repo.domain.derivation import spec_for
from image_repo.domain.errors import ImageRepoError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.request import parse_query
from image_repo.domain.spec import Spec

_READS = frozenset({"GET", "HEAD"})
# Parsed (path, query) pairs and built keys remembered for hot images. Only requests up to
# MEMO_REQUEST_BYTES are remembered, so the memo holds at most ~4096 x 2.5 KiB whatever junk
# queries arrive; longer ones are parsed each time (a real image URL is far shorter).
TARGETS_REMEMBERED = 4096
MEMO_REQUEST_BYTES = 2048


@attrs.frozen
class ImageTarget:
    """A request for one image as such (no regex, meta or url), parsed once."""

    name: ImageName
    spec: Spec
    disposition: str
    varies_by_accept: bool = False


class MemoryHits:
    """Only an ETag that `etags` trusts without I/O (CoherentEtags.trusted) reaches the memory
    tier, so a hit here obeys the same coherence rule as every other answer. Building a key
    and hashing it costs more than the lookup, so the key last built for each target is kept
    with the ETag it was built for."""

    def __init__(
        self, app: ASGIApp, etags: CoherentEtags, cache: TieredCache, settings: HttpSettings
    ) -> None:
        self._app = app
        self._etags = etags
        self._cache = cache
        self._settings = settings
        # Keyed by the negotiated format too (not the Accept header: a few values, not many),
        # since with images.auto_formats the Accept header is part of what selects the spec.
        self._target: Callable[[bytes, bytes, ImageFormat | None], ImageTarget | None] = (
            functools.lru_cache(maxsize=TARGETS_REMEMBERED)(self._parse_target)
        )
        self._keys: dict[ImageTarget, DerivedImageKey] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _READS:
            raw_path = raw_path_of(scope)
            if raw_path.startswith(IMAGES_PREFIX):
                if_none_match, accept = _headers(scope)
                answer = self.answer(raw_path, scope["query_string"], if_none_match, accept)
                if answer is not None:
                    start = {"type": "http.response.start", "status": answer.status}
                    await send({**start, "headers": answer.headers})
                    await send({"type": "http.response.body", "body": answer.body})
                    return
        await self._app(scope, receive, send)

    def answer(
        self, raw_path: bytes, query: bytes, if_none_match: str | None, accept: str | None = None
    ) -> ImageAnswer | None:
        negotiated = self._settings.negotiated(accept)
        if len(raw_path) + len(query) > MEMO_REQUEST_BYTES:
            target = self._parse_target(raw_path, query, negotiated)
        else:
            target = self._target(raw_path, query, negotiated)
        if target is None:
            return None
        etag = self._etags.trusted(target.name)
        if etag is None:
            return None
        key = self._key_for(target, etag)
        data = self._cache.in_memory(key)
        if data is None:
            return None
        return image_answer(
            if_none_match,
            disposition=target.disposition,
            image_format=target.spec.kind,
            data=data,
            etag=key.digest(),
            max_age_seconds=self._settings.cache_max_age_seconds,
            cache_tier="memory",
            varies_by_accept=target.varies_by_accept,
        )

    def _key_for(self, target: ImageTarget, etag: str) -> DerivedImageKey:
        remembered = self._keys.get(target)
        if remembered is not None and remembered.original_etag == etag:
            return remembered
        key = DerivedImageKey(target.name, etag, target.spec)
        if len(self._keys) >= TARGETS_REMEMBERED:
            self._keys.clear()
        self._keys[target] = key
        return key

    def _parse_target(
        self, raw_path: bytes, query: bytes, negotiated: ImageFormat | None
    ) -> ImageTarget | None:
        """None for what the full route must answer, an unsigned request included (it gives
        the 403, or serves a write token's holder). Being memoised with the parse, a hot
        signed URL costs its HMAC once, not per hit: the answer is a function of the bytes."""
        signatures = self._settings.signatures
        if signatures.is_required and not signatures.verify(raw_path, query):
            return None
        try:
            name, path_format = image_name_of(raw_path)
            wanted = self._settings.image_request(parse_query(query))
        except ImageRepoError:
            return None
        if wanted.regex is not None or wanted.wants_meta or wanted.wants_url:
            return None
        spec = spec_for(wanted, path_format, self._settings.defaults, negotiated)
        varies = self._settings.varies_by_accept(wanted, path_format)
        return ImageTarget(name, spec, content_disposition(name, spec.kind), varies)


def _headers(scope: Scope) -> tuple[str | None, str | None]:
    """If-None-Match and Accept, in one pass over the headers."""
    if_none_match = accept = None
    for key, value in scope["headers"]:
        if key == b"if-none-match":
            if_none_match = value.decode("latin-1")
        elif key == b"accept":
            accept = value.decode("latin-1")
    return if_none_match, accept
