"""SwiftOriginalVersions: the OriginalVersions port on Swift's own object versioning.

Swift (>= 2.24, `versioned_writes` with `allow_object_versioning` and `symlink` in the proxy)
keeps every version of an object written to a container with `X-Versions-Enabled: true` in a
hidden container; the object itself becomes a symlink to its current version. Version ids are
Swift timestamps (`1796377558.21448`), or `null` for an object written before versioning was
on. A DELETE of the object writes a zero-byte delete marker version and leaves the others.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from datetime import UTC, datetime

from image_repo.adapters.swift.connection import SwiftConnectionPool
from image_repo.adapters.swift.container import MAX_PAGE_SIZE, Entry, SwiftContainer
from image_repo.adapters.swift.original_store import stored_original
from image_repo.application.ports import ArrivingOriginal
from image_repo.domain.errors import ImageNotFoundError
from image_repo.domain.names import ImageName
from image_repo.domain.records import StoredOriginal, StoredVersion

# The media type of the version Swift writes when a versioned object is deleted.
DELETE_MARKER_TYPE = "application/x-deleted"

# A version id as Swift makes them: a timestamp's internal form (10.5 digits, an offset
# `_<16 hex>` after it when Swift had to order two writes of one instant), or `null`.
_VERSION_ID = re.compile(r"\d{10}\.\d{5}(?:_[0-9a-f]{16})?|null")


def is_version_id(text: str) -> bool:
    """Whether `text` can be a Swift version id. Anything else is known absent without asking:
    Swift answers a malformed one with a 400, which would count as a failure of the store."""
    return _VERSION_ID.fullmatch(text) is not None


def iso_utc(last_modified: str) -> str:
    """A listing's `last_modified` (`2026-12-04T09:45:58.277580`, UTC without a zone) as ISO
    8601 UTC to the second, `2026-12-04T09:45:58Z`: the form the API gives every time in."""
    if not last_modified:
        return ""
    moment = datetime.fromisoformat(last_modified.removesuffix("Z"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def is_delete_marker(entry: Entry) -> bool:
    """Swift marks a deletion with a version of type
    `application/x-deleted;swift_versions_deleted=1`."""
    media_type = str(entry.get("content_type", "")).partition(";")[0].strip().lower()
    return media_type == DELETE_MARKER_TYPE


def stored_version(entry: Entry) -> StoredVersion:
    """One entry of the versions listing (not a delete marker) as a StoredVersion."""
    return StoredVersion(
        version_id=str(entry["version_id"]),
        etag=str(entry.get("hash", "")).strip('"'),
        bytes=int(entry.get("bytes", 0)),
        last_modified=iso_utc(str(entry.get("last_modified", ""))),
        is_current=bool(entry.get("is_latest", False)),
    )


def versions_of(name: str, entries: Iterable[Entry]) -> list[StoredVersion]:
    """The versions of exactly `name` among listing entries (a prefix listing also holds
    `name2`, `name.jpg`, `name/x`), in the listing's order (newest first), delete markers left
    out, each version once. At most one is current: Swift flags the version its symlink points
    to, and on a later page (listed after a marker) it never flags a real version."""
    versions: list[StoredVersion] = []
    seen: set[str] = set()
    has_current = False
    for entry in entries:
        if entry.get("name") != name or is_delete_marker(entry):
            continue
        version = stored_version(entry)
        if version.version_id in seen:
            continue
        seen.add(version.version_id)
        if version.is_current:
            if has_current:
                version = StoredVersion(
                    version.version_id, version.etag, version.bytes, version.last_modified, False
                )
            has_current = True
        versions.append(version)
    return versions


class SwiftOriginalVersions:
    """The kept versions of the originals, on the originals container. Every read asks every
    replica (`X-Newest`), as SwiftOriginalStore does: a replica that missed a delete must not
    serve a version that is gone."""

    def __init__(
        self, pool: SwiftConnectionPool, container: str, *, page_size: int = MAX_PAGE_SIZE
    ) -> None:
        self._objects = SwiftContainer(pool, container, page_size=page_size)
        self._page_size = page_size

    def enable(self) -> None:
        """`PUT container` with `X-Versions-Enabled: true`: creates the container when missing,
        else only sets the flag (and Swift makes its hidden versions container the first
        time). Idempotent."""
        self._objects.create({"X-Versions-Enabled": "true"})

    def list(self, name: ImageName) -> list[StoredVersion]:
        """`GET container?versions&prefix=<name>`, page after page while a full page ends with
        a version of `name` (the next starts after it: `marker=<name>&version_marker=<id>`).
        Swift lists names in order, so the versions of `name` come before those of any longer
        name it prefixes."""
        entries: list[Entry] = []
        marker = version_marker = ""
        while True:
            page = self._objects.versions_page(
                str(name), marker=marker, version_marker=version_marker, limit=self._page_size
            )
            entries.extend(page)
            if len(page) < self._page_size or page[-1].get("name") != str(name):
                return versions_of(str(name), entries)
            marker, version_marker = str(name), str(page[-1]["version_id"])

    def stream(self, name: ImageName, version_id: str) -> ArrivingOriginal:
        """`GET <name>?version-id=<id>` (X-Newest): a delete marker's id is a 404 too."""
        if not is_version_id(version_id):
            raise ImageNotFoundError(f"no version {version_id} of {name}")
        headers, body = self._objects.stream(
            str(name), newest=True, query_string=_version_query(version_id)
        )
        return ArrivingOriginal(stored_original(str(name), str(name), headers), body)

    def restore(self, name: ImageName, version_id: str) -> StoredOriginal:
        """`PUT <name>?version-id=<id>` with `X-Copy-From: <container>/<name>` and no body:
        Swift's copy reads that version and writes it as a new current version (the copy
        keeps its content type and metadata: format, width, height); then `HEAD <name>`
        (X-Newest) for the new current original."""
        if not is_version_id(version_id):
            raise ImageNotFoundError(f"no version {version_id} of {name}")
        self._objects.copy(str(name), str(name), query_string=_version_query(version_id))
        return stored_original(str(name), str(name), self._objects.head(str(name), newest=True))

    def delete(self, name: ImageName, version_id: str) -> bool:
        """`DELETE <name>?version-id=<id>`. Deleting the current version this way also removes
        the name (no delete marker; the older versions stay, none current). The `null` version
        is first checked for (`HEAD ?version-id=null`, a 404 when the name is a versioned
        symlink): Swift passes a `null` DELETE on to the name itself, which would otherwise
        drop whatever current version the name links to."""
        if not is_version_id(version_id):
            return False
        query = _version_query(version_id)
        if version_id == "null":
            try:
                self._objects.head(str(name), newest=True, query_string=query)
            except ImageNotFoundError:
                return False
        return self._objects.delete(str(name), query_string=query)


def _version_query(version_id: str) -> str:
    return f"version-id={urllib.parse.quote(version_id)}"
