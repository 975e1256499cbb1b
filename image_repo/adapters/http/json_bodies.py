"""JSON shapes of `meta=true` and `url=true` answers (SPEC §3)."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

from image_repo.application.issue_temp_url import IssuedUrl
from image_repo.application.read_meta import OriginalMeta


def _iso8601(http_date: str) -> str | None:
    """Swift's Last-Modified as ISO 8601 UTC, the form JSON clients parse without guessing."""
    try:
        return parsedate_to_datetime(http_date).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return None


def meta_body(original: OriginalMeta) -> dict[str, Any]:
    meta = original.meta
    return {
        "name": str(original.name),
        "format": meta.format.value,
        "width": meta.width,
        "height": meta.height,
        "mode": meta.mode,
        "bytes": original.stored.bytes,
        "etag": original.stored.etag,
        "uploaded": _iso8601(original.stored.last_modified),
        "exif": meta.exif,
    }


def url_body(issued: IssuedUrl) -> dict[str, Any]:
    return {"url": issued.url.url, "expires": issued.url.expires}
