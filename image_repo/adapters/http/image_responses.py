"""Headers of a served image: ETag, caching, Content-Disposition with a safe file name."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName


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


def etag_matches(request: Request, etag: str) -> bool:
    """If-None-Match with weak comparison, as RFC 9110 asks for GET and HEAD."""
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    return "*" in candidates or f'"{etag}"' in candidates


def image_response(
    request: Request,
    *,
    name: ImageName,
    image_format: ImageFormat,
    data: bytes,
    etag: str,
    max_age_seconds: int,
    cache_tier: str,
) -> Response:
    headers = {
        "ETag": f'"{etag}"',
        "Cache-Control": f"public, max-age={max_age_seconds}",
        "X-Cache": cache_tier,
    }
    if etag_matches(request, etag):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = content_disposition(name, image_format)
    return Response(data, headers=headers, media_type=image_format.media_type)
