"""JSON shapes of `meta=true` and `url=true` answers (SPEC §3)."""

from __future__ import annotations

import base64
from email.utils import parsedate_to_datetime
from typing import Any

from image_repo.application.issue_temp_url import IssuedUrl
from image_repo.application.read_meta import OriginalMeta
from image_repo.domain.listing import ListedEntry, ListedImage
from image_repo.domain.looks import Looks, Region
from image_repo.domain.names import ImageName
from image_repo.domain.pins import pinned_path, version_path
from image_repo.domain.records import StoredOriginal, StoredVersion


def _iso8601(http_date: str) -> str | None:
    """Swift's Last-Modified as ISO 8601 UTC, the form JSON clients parse without guessing."""
    try:
        return parsedate_to_datetime(http_date).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return None


def _listed_time(listed: str) -> str | None:
    """Swift's listing time (`2026-12-04T09:00:00.123450`, UTC without a zone) as the
    ISO 8601 every answer uses."""
    return f"{listed[:19]}Z" if len(listed) >= 19 else None


def listing_entry(entry: ListedEntry) -> dict[str, Any]:
    """One entry of `details=true`: what the store's listing says of it, and its versioned
    URL (SPEC 13), so a page needs no request per image to show it or keep it cached."""
    if not isinstance(entry, ListedImage):
        return {"name": str(entry), "folder": True}
    return {
        "name": str(entry.name),
        "url": pinned_path(entry.name, entry.etag),
        "etag": entry.etag,
        "bytes": entry.bytes,
        "modified": _listed_time(entry.last_modified),
        **looks_fields(entry.looks, with_size=True),
    }


def looks_fields(looks: Looks, *, with_size: bool = False) -> dict[str, Any]:
    """SPEC 15's `placeholder`, `focus` and `faces` (null when not recorded); with
    `with_size`, the recorded `width` and `height` too, when recorded."""
    size = {"width": looks.size[0], "height": looks.size[1]} if with_size and looks.size else {}
    placeholder = looks.placeholder
    return {
        **size,
        "placeholder": None
        if placeholder is None
        else {
            "color": f"#{placeholder.color}",
            "thumbhash": base64.b64encode(placeholder.thumbhash).decode(),
            "blurhash": placeholder.blurhash,
        },
        "focus": None if (focus := looks.subject.focus) is None else _point(focus),
        "faces": None if (faces := looks.subject.faces) is None else _box(faces),
    }


def _point(region: Region) -> dict[str, float]:
    x, y = region.centre
    return {"x": x, "y": y}


def _box(region: Region) -> dict[str, float]:
    return {
        "left": region.left,
        "top": region.top,
        "right": region.right,
        "bottom": region.bottom,
    }


def focus_body(name: ImageName, stored: StoredOriginal) -> dict[str, Any]:
    """What `POST ?focus=` answers: the focus now recorded (null: cleared)."""
    focus = stored.looks.subject.focus
    return {
        "name": str(name),
        "focus": None if focus is None else _point(focus),
        "url": pinned_path(name, stored.etag),
    }


def versions_body(name: ImageName, versions: list[StoredVersion]) -> dict[str, Any]:
    return {
        "name": str(name),
        "versions": [
            {
                "id": v.version_id,
                "etag": v.etag,
                "bytes": v.bytes,
                "time": v.last_modified,
                "current": v.is_current,
                "url": version_path(name, v.version_id),
            }
            for v in versions
        ],
    }


def restored_body(name: ImageName, version_id: str, restored: StoredOriginal) -> dict[str, Any]:
    return {
        "name": str(name),
        "restored": version_id,
        "etag": restored.etag,
        "bytes": restored.bytes,
        "url": pinned_path(name, restored.etag),
    }


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
        "url": pinned_path(original.name, original.stored.etag),
        "uploaded": _iso8601(original.stored.last_modified),
        "exif": meta.exif,
        **looks_fields(original.stored.looks),
    }


def url_body(issued: IssuedUrl) -> dict[str, Any]:
    """`versioned_url`: this server's URL of the same image pinned to its version (SPEC 13)."""
    return {
        "url": issued.url.url,
        "expires": issued.url.expires,
        "versioned_url": pinned_path(issued.name, issued.original_etag),
    }
