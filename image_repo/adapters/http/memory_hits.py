"""MemoryHits: the answer to a GET or HEAD of a derived image in this worker's memory, made from
the request's raw bytes on the event loop, with no I/O.

Repeated GETs of one derived image are most of an image server's traffic. Two lanes ask this
(see the route table in app.py): the HTTP protocol, as soon as a request's headers are parsed
(`hit_protocol.py`), and the GET route, for what reaches the application another way (another
HTTP server, a request behind one still being answered on its connection). Whatever it declines
goes to the full route unchanged: a miss, a regex, meta or url, anything to refuse (the full
route gives the 4xx), and a URL without its signature (the 403, or a write token's holder).

This is the one memo of the hot path: what each request's bytes mean (parsed, signature
checked), and for the original ETag last served under them, the derived image's key and the
answer's headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from image_repo.adapters.http.image_endpoints import HttpSettings
from image_repo.adapters.http.image_responses import (
    AnswerResponse,
    ImageAnswer,
    ImageHead,
    content_disposition,
    etag_matches,
    image_head,
)
from image_repo.adapters.http.request_parsing import image_name_of, raw_path_of
from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.tiered_cache import TieredCache
from image_repo.application.watermarks import Watermarks
from image_repo.domain.derivation import spec_for
from image_repo.domain.edge_keys import image_keys, name_key
from image_repo.domain.errors import ImageRepoError
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.request import parse_query
from image_repo.domain.spec import Spec

# Requests remembered, the oldest first out past this many. Only requests (path, query and,
# with images.auto_formats, Accept) up to MEMO_REQUEST_BYTES are remembered, so the memo holds
# at most ~4096 x 2.5 KiB whatever junk arrives; longer ones are parsed each time (a real image
# URL is far shorter).
TARGETS_REMEMBERED = 4096
MEMO_REQUEST_BYTES = 2048

Endpoint = Callable[[Request], Awaitable[Response]]


@attrs.frozen
class ImageTarget:
    """A request for one image as such (no regex, meta or url), parsed once."""

    name: ImageName
    spec: Spec
    disposition: str
    surrogate_keys: tuple[str, ...]
    varies_by_accept: bool = False
    pin: str | None = None  # `v=`: answered here only while it is the current original
    # A watermark's ETag is part of the key (SPEC 14): a field, read on every hit.
    is_marked: bool = attrs.field(init=False)
    # So is the original's subject, for gravity focus and auto (SPEC 15).
    is_aimed: bool = attrs.field(init=False)

    @is_marked.default
    def _has_watermark(self) -> bool:
        return self.spec.edits.watermark is not None

    @is_aimed.default
    def _needs_subject(self) -> bool:
        return self.spec.needs_subject


@attrs.frozen
class _Heads:
    """The answer's heads for one key and one length of its bytes."""

    length: int
    ok: ImageHead
    not_modified: ImageHead


@attrs.define
class _Remembered:
    """One request's meaning; `key` and `heads` are those of the original ETag last served."""

    target: ImageTarget | None  # None: the full route answers
    key: DerivedImageKey | None = None
    heads: _Heads | None = None


class MemoryHits:
    """Only an ETag that `etags` trusts without I/O (CoherentEtags.trusted, asked on every
    answer) reaches the memory tier, so a hit obeys the same coherence rule as every other
    answer. Lives on the event loop: the memo takes no lock."""

    def __init__(
        self,
        etags: CoherentEtags,
        cache: TieredCache,
        settings: HttpSettings,
        watermarks: Watermarks | None = None,
    ) -> None:
        self._watermarks = watermarks
        self._etags = etags
        self._cache = cache
        self._settings = settings
        # With images.auto_formats, Accept is part of what selects the spec.
        self._negotiates = bool(settings.offered_formats)
        self._memo: dict[tuple[bytes, bytes, bytes | None], _Remembered] = {}

    def answer(
        self,
        raw_path: bytes,
        query: bytes,
        if_none_match: bytes | None = None,
        accept: bytes | None = None,
    ) -> ImageAnswer | None:
        """The answer to a GET of these bytes if its image is in memory (HEAD: send no body)."""
        memo_key = (raw_path, query, accept if self._negotiates else None)
        remembered = self._memo.get(memo_key) or self._remember(memo_key)
        target = remembered.target
        if target is None:
            return None
        spec = target.spec
        etag: str | None
        if target.is_aimed:  # aimed at the original's subject (SPEC 15), learnt with its ETag
            known = self._etags.trusted_subject(target.name)
            if known is None:
                return None
            etag, subject = known
            spec = spec.aimed(subject)
        else:
            etag = self._etags.trusted(target.name)
        if etag is None:
            return None
        if target.pin is not None and not etag.startswith(target.pin):
            return None
        if target.is_marked:  # its watermark's ETag is part of the key (SPEC 14)
            marked = self._watermarks.trusted(spec) if self._watermarks else None
            if marked is None:
                return None
            spec = marked
        key = remembered.key
        resolved = target.is_marked or target.is_aimed
        if key is None or key.original_etag != etag or (resolved and key.spec != spec):
            key = remembered.key = DerivedImageKey(target.name, etag, spec)
            remembered.heads = None
        data = self._cache.in_memory(key)
        if data is None:
            return None
        heads = remembered.heads
        if heads is None or heads.length != len(data):
            heads = remembered.heads = self._heads(target, key, len(data))
        validator = if_none_match.decode("latin-1") if if_none_match is not None else None
        if etag_matches(validator, key.digest()):
            return heads.not_modified, b""
        return heads.ok, data

    def answer_scope(self, scope: Scope) -> ImageAnswer | None:
        if_none_match = accept = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value
            elif name == b"accept":
                accept = value
        return self.answer(raw_path_of(scope), scope["query_string"], if_none_match, accept)

    def before(self, endpoint: Endpoint) -> Endpoint:
        """`endpoint`, unless the image is in memory: the GET route's lane (app.py)."""

        async def from_memory_first(request: Request) -> Response:
            answer = self.answer_scope(request.scope)
            return await endpoint(request) if answer is None else AnswerResponse(answer)

        return from_memory_first

    @property
    def remembered(self) -> int:
        return len(self._memo)

    def _remember(self, memo_key: tuple[bytes, bytes, bytes | None]) -> _Remembered:
        raw_path, query, accept = memo_key
        remembered = _Remembered(self._parse_target(raw_path, query, accept))
        if len(raw_path) + len(query) + len(accept or b"") <= MEMO_REQUEST_BYTES:
            if len(self._memo) >= TARGETS_REMEMBERED:
                del self._memo[next(iter(self._memo))]
            self._memo[memo_key] = remembered
        return remembered

    def _parse_target(
        self, raw_path: bytes, query: bytes, accept: bytes | None
    ) -> ImageTarget | None:
        """None for what the full route must answer, an unsigned request included. Being
        remembered with the parse, a hot signed URL costs its HMAC once, not per hit: the
        answer is a function of the bytes."""
        signatures = self._settings.signatures
        if signatures.is_required and not signatures.verify(raw_path, query):
            return None
        try:
            name, path_format = image_name_of(raw_path)
            wanted = self._settings.image_request(parse_query(query))
        except ImageRepoError:
            return None
        if (
            wanted.regex is not None
            or wanted.wants_meta
            or wanted.wants_url
            or wanted.wants_versions
            or wanted.wants_original
            or wanted.version is not None
        ):
            return None
        negotiated = self._settings.negotiated(accept.decode("latin-1") if accept else None)
        spec = spec_for(wanted, path_format, self._settings.defaults, negotiated)
        varies = self._settings.varies_by_accept(wanted, path_format)
        disposition = content_disposition(name, spec.kind)
        keys = image_keys(name)
        if spec.edits.watermark is not None:
            if self._watermarks is None:
                return None
            logo = self._watermarks.image_name(spec)
            keys = (*keys, name_key(logo)) if logo is not None else keys
        return ImageTarget(name, spec, disposition, keys, varies, wanted.pin)

    def _heads(self, target: ImageTarget, key: DerivedImageKey, length: int) -> _Heads:
        max_bytes = target.spec.edits.max_bytes

        def head(is_not_modified: bool) -> ImageHead:
            return image_head(
                is_not_modified=is_not_modified,
                etag=key.digest(),
                max_age_seconds=self._settings.cache_max_age_seconds,
                cache_tier="memory",
                disposition=target.disposition,
                image_format=target.spec.kind,
                length=length,
                surrogate_keys=target.surrogate_keys,
                varies_by_accept=target.varies_by_accept,
                # a pinned crop around the subject still moves with a new focus
                is_pinned=target.pin is not None and not target.is_aimed,
                is_over_budget=max_bytes is not None and length > max_bytes,
            )

        return _Heads(length, head(False), head(True))
