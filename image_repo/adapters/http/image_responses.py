"""Headers of a served image: ETag, caching, Content-Disposition with a safe file name.

One function builds the status, raw headers and body of every image answer, so the memory-hit
front (`memory_hits.py`) and the full route send byte-identical responses."""

from __future__ import annotations

import functools
from urllib.parse import quote

import attrs
from starlette.requests import Request
from starlette.responses import Response

from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName

RawHeaders = tuple[tuple[bytes, bytes], ...]


def content_disposition(name: ImageName, image_format: ImageFormat) -> str:
    """`inline` with the last segment as file name; non-ASCII names also as RFC 6266
    `filename*`, with an ASCII fallback for old clients."""
    filename = f"{str(name).rsplit('/', 1)[-1]}.{image_format.extension}"
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    header = f'inline; filename="{ascii_name}"'
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
class ImageAnswer:
    status: int
    headers: RawHeaders
    body: bytes


def image_answer(
    if_none_match: str | None,
    *,
    disposition: str,
    image_format: ImageFormat,
    data: bytes,
    etag: str,
    max_age_seconds: int,
    cache_tier: str,
    varies_by_accept: bool = False,
) -> ImageAnswer:
    """`varies_by_accept`: the format was negotiated (SPEC 9), so shared caches must keep the
    variants apart (`Vary: Accept`, on 304s too)."""
    if etag_matches(if_none_match, etag):
        validators = _validator_headers(etag, max_age_seconds, cache_tier, varies_by_accept)
        return ImageAnswer(304, validators, b"")
    headers = _all_headers(
        etag,
        max_age_seconds,
        cache_tier,
        disposition,
        image_format.media_type,
        len(data),
        varies_by_accept,
    )
    return ImageAnswer(200, headers, data)


# Hot images get the same headers thousands of times a second: they are built once.
@functools.lru_cache(maxsize=4096)
def _validator_headers(
    etag: str, max_age_seconds: int, cache_tier: str, varies_by_accept: bool = False
) -> RawHeaders:
    """What a 304 carries: validators, caching and Vary, no body headers (RFC 9110 §15.4.5)."""
    return (
        (b"etag", f'"{etag}"'.encode("latin-1")),
        (b"cache-control", f"public, max-age={max_age_seconds}".encode("latin-1")),
        (b"x-cache", cache_tier.encode("latin-1")),
        *(((b"vary", b"Accept"),) if varies_by_accept else ()),
    )


@functools.lru_cache(maxsize=4096)
def _all_headers(
    etag: str,
    max_age_seconds: int,
    cache_tier: str,
    disposition: str,
    media_type: str,
    length: int,
    varies_by_accept: bool,
) -> RawHeaders:
    return (
        *_validator_headers(etag, max_age_seconds, cache_tier, varies_by_accept),
        # content_disposition() keeps the header ASCII (non-ASCII goes percent-encoded).
        (b"content-disposition", disposition.encode("latin-1")),
        (b"content-type", media_type.encode("latin-1")),
        (b"content-length", str(length).encode("latin-1")),
    )


class AnswerResponse(Response):
    """A Starlette Response that sends an ImageAnswer's headers exactly as built."""

    def __init__(self, answer: ImageAnswer) -> None:
        self.status_code = answer.status
        self.body = answer.body
        self.background = None
        self.raw_headers = list(answer.headers)


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
) -> Response:
    answer = image_answer(
        request.headers.get("if-none-match"),
        disposition=content_disposition(name, image_format),
        image_format=image_format,
        data=data,
        etag=etag,
        max_age_seconds=max_age_seconds,
        cache_tier=cache_tier,
        varies_by_accept=varies_by_accept,
    )
    return AnswerResponse(answer)
