"""Versioned URLs (SPEC 13): a request that names one version of the original never changes,
so an edge and a browser may keep its answer for a year."""

from __future__ import annotations

from urllib.parse import quote

from image_repo.domain.names import ImageName
from image_repo.domain.request import PIN_LENGTH


def pin_of(etag: str) -> str:
    """What `v=` holds for an original: the start of its ETag (an MD5, so 48 bits: enough to
    tell one image's versions apart, short enough for a URL)."""
    return etag[:PIN_LENGTH].lower()


def image_path(name: ImageName) -> str:
    return "/images/" + quote(str(name), safe="/")


def pinned_path(name: ImageName, etag: str) -> str:
    """`/images/<name>?v=<pin>`: the current original's versioned URL, unsigned."""
    return f"{image_path(name)}?v={pin_of(etag)}"


def version_path(name: ImageName, version_id: str) -> str:
    """`/images/<name>?version=<id>`: a kept version's URL, unsigned."""
    return f"{image_path(name)}?version={quote(version_id, safe='')}"
