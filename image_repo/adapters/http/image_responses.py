"""Headers of a served image: ETag, caching, Content-Disposition with a safe file name.

`image_head` builds the status and headers of every image answer, so a memory hit
(`memory_hits.py`, which keeps them for each hot image) and the full route send byte-identical
responses."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from urllib.parse import quote

import attrs
from starlette.requests import Request
from starlette.responses import Response

from image_repo.domain.edge_keys import image_keys
from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName

RawHeaders = tuple[tuple[bytes, bytes], ...]

# A pinned answer (`v=`, `version=`) never changes: a year, and no revalidation (RFC 8246).
PINNED_CACHE_CONTROL = "public, max-age=31536000, immutable"


def key_headers(keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Surrogate keys (domain/edge_keys.py) in the three headers the edges read: Fastly's
    `Surrogate-Key`, Varnish xkey's `xkey` (both space-separated) and Cloudflare's `Cache-Tag`
    (comma-separated)."""
    spaced = " ".join(keys)
    return (("surrogate-key", spaced), ("xkey", spaced), ("cache-tag", ",".join(keys)))


def cache_control(max_age_seconds: int, *, is_pinned: bool = False, is_shared: bool = True) -> str:
    """`is_shared` False: for this client only (an answer that overlapped a write of its name:
    FetchedImage.is_settled)."""
    if not is_shared:
        return "private, no-store"
    return PINNED_CACHE_CONTROL if is_pinned else f"public, max-age={max_age_seconds}"


def content_disposition(
    name: ImageName, image_format: ImageFormat | None, disposition: str = "inline"
) -> str:
    """`inline` (or `attachment`) with the last segment as file name, and the format's
    extension when known; non-ASCII names also as RFC 6266 `filename*`, with an ASCII fallback
    for old clients."""
    extension = f".{image_format.extension}" if image_format is not None else ""
    filename = f"{str(name).rsplit('/', 1)[-1]}{extension}"
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    header = f'{disposition}; filename="{ascii_name}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match with weak comparison, as RFC 9110 asks for GET and HEAD."""
    if if_none_match is None:
        return False
    candidates = {c.strip().removeprefix("W/") for c in if_none_match.split(",")}
    return "*" in candidates or f'"{etag}"' in candidates


@attrs.frozen
class ImageHead:
    """The status and headers of an image answer."""

    status: int
    headers: RawHeaders

    @functools.cached_property
    def lines(self) -> bytes:
        """The headers as HTTP/1.1 writes them, each line ending in CRLF (hit_protocol.py)."""
        return b"".join(name + b": " + value + b"\r\n" for name, value in self.headers)


# An answer's head and body (empty for a 304). A plain tuple: a memory hit makes one per
# request, and a tuple is far cheaper to make than a frozen attrs instance.
ImageAnswer = tuple[ImageHead, bytes]


def image_head(
    *,
    is_not_modified: bool,
    etag: str,
    max_age_seconds: int,
    cache_tier: str,
    disposition: str,
    image_format: ImageFormat,
    length: int,
    surrogate_keys: tuple[str, ...],
    varies_by_accept: bool = False,
    is_pinned: bool = False,
    is_shared: bool = True,
    is_over_budget: bool = False,
) -> ImageHead:
    """A 304 carries validators, caching, surrogate keys and Vary, no body headers (RFC 9110
    §15.4.5): an edge revalidating its copy keeps the keys it is filed under.
    `varies_by_accept`: the format was negotiated (SPEC 9), so shared caches must keep the
    variants apart (`Vary: Accept`, on 304s too). `is_pinned`: the request named the original's
    version (`v=`, `version=`), so the answer never changes."""
    caching = cache_control(max_age_seconds, is_pinned=is_pinned, is_shared=is_shared)
    validators: RawHeaders = (
        (b"etag", f'"{etag}"'.encode("latin-1")),
        (b"cache-control", caching.encode("latin-1")),
        (b"x-cache", cache_tier.encode("latin-1")),
        *((k.encode("latin-1"), v.encode("latin-1")) for k, v in key_headers(surrogate_keys)),
        *(((b"vary", b"Accept"),) if varies_by_accept else ()),
    )
    if is_not_modified:
        return ImageHead(304, validators)
    body_headers: RawHeaders = (
        # content_disposition() keeps the header ASCII (non-ASCII goes percent-encoded).
        (b"content-disposition", disposition.encode("latin-1")),
        (b"content-type", image_format.media_type.encode("latin-1")),
        (b"content-length", str(length).encode("latin-1")),
        # SPEC 14: `max_bytes` could not be met; the smallest encode made is the answer
        *(((b"x-max-bytes", b"exceeded"),) if is_over_budget else ()),
    )
    return ImageHead(200, validators + body_headers)


class AnswerResponse(Response):
    """A Starlette Response that sends an ImageAnswer's headers exactly as built."""

    def __init__(self, answer: ImageAnswer) -> None:
        head, body = answer
        self._answer_headers = head.headers
        super().__init__(body, head.status)

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        self.raw_headers = list(self._answer_headers)


def image_response(
    request: Request,
    *,
    name: ImageName,
    image_format: ImageFormat,
    data: bytes,
    etag: str,
    max_age_seconds: int,
    cache_tier: str,
    varies_by_accept: bool = False,
    is_pinned: bool = False,
    also_keys: tuple[str, ...] = (),
    is_shared: bool = True,
    max_bytes: int | None = None,
) -> Response:
    """`also_keys`: surrogate keys beyond the image's own (a regex selection's listing).
    `is_shared` False: no shared cache may keep the answer (see cache_control). `max_bytes`:
    the budget asked for (SPEC 14)."""
    head = image_head(
        is_not_modified=etag_matches(request.headers.get("if-none-match"), etag),
        etag=etag,
        max_age_seconds=max_age_seconds,
        cache_tier=cache_tier,
        disposition=content_disposition(name, image_format),
        image_format=image_format,
        length=len(data),
        surrogate_keys=(*image_keys(name), *also_keys),
        varies_by_accept=varies_by_accept,
        is_pinned=is_pinned,
        is_shared=is_shared,
        is_over_budget=max_bytes is not None and len(data) > max_bytes,
    )
    return AnswerResponse((head, b"" if head.status == 304 else data))
