"""The pure parts of SwiftOriginalVersions: reading Swift's versions listing and version ids."""

from __future__ import annotations

from typing import Any

import pytest

from image_repo.adapters.swift.original_versions import (
    is_delete_marker,
    is_version_id,
    iso_utc,
    versions_of,
)
from image_repo.domain.records import StoredVersion

MARKER_TYPE = "application/x-deleted;swift_versions_deleted=1"


def entry(name: str, version_id: str, *, latest: bool = False, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "version_id": version_id,
        "is_latest": latest,
        "hash": fields.get("hash", f"md5-{version_id}"),
        "bytes": fields.get("bytes", 3),
        "content_type": fields.get("content_type", "image/png"),
        "last_modified": fields.get("last_modified", "2026-12-04T09:45:58.277580"),
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1796377558.21448", True),
        ("0000000001.00000", True),
        ("1796377558.21448_0000000000000001", True),
        ("null", True),
        ("1796377558.2144", False),
        ("1796377558", False),
        ("1796377558.21448_1", False),
        ("NULL", False),
        ("", False),
        ("1796377558.21448&x=1", False),
        ("1796377558.21448\n", False),
    ],
)
def test_version_ids_are_swift_timestamps_or_null(text: str, expected: bool) -> None:
    assert is_version_id(text) is expected


@pytest.mark.parametrize(
    ("listed", "iso"),
    [
        ("2026-12-04T09:45:58.277580", "2026-12-04T09:45:58Z"),
        ("2026-12-04T09:45:58.999999", "2026-12-04T09:45:58Z"),
        ("2026-12-04T09:45:58", "2026-12-04T09:45:58Z"),
        ("2026-12-04T09:45:58Z", "2026-12-04T09:45:58Z"),
        ("2026-12-04T10:45:58+01:00", "2026-12-04T09:45:58Z"),
        ("", ""),
    ],
)
def test_listing_times_become_iso_utc_to_the_second(listed: str, iso: str) -> None:
    assert iso_utc(listed) == iso


def test_delete_markers_are_told_by_their_content_type() -> None:
    assert is_delete_marker({"content_type": MARKER_TYPE})
    assert is_delete_marker({"content_type": "Application/X-Deleted; swift_versions_deleted=1"})
    assert not is_delete_marker({"content_type": "image/png"})
    assert not is_delete_marker({})


def test_only_the_exact_name_is_kept_in_order_without_markers() -> None:
    entries = [
        entry("a/b", "0000000003.00000", content_type=MARKER_TYPE, latest=True, bytes=0),
        entry("a/b", "0000000002.00000"),
        entry("a/b", "0000000001.00000", hash="abc", bytes=7),
        entry("a/b.jpg", "0000000005.00000", latest=True),
        entry("a/b/c", "0000000006.00000", latest=True),
        entry("a/b2", "0000000004.00000", latest=True),
        {"subdir": "a/b/"},
    ]
    assert versions_of("a/b", entries) == [
        StoredVersion("0000000002.00000", "md5-0000000002.00000", 3, "2026-12-04T09:45:58Z", False),
        StoredVersion("0000000001.00000", "abc", 7, "2026-12-04T09:45:58Z", False),
    ]


def test_the_version_swift_flags_latest_is_the_one_current() -> None:
    entries = [entry("a/b", "0000000002.00000", latest=True), entry("a/b", "0000000001.00000")]
    assert [v.is_current for v in versions_of("a/b", entries)] == [True, False]


def test_a_version_repeated_across_pages_is_listed_once_and_one_at_most_is_current() -> None:
    """Swift may list the version its symlink points to once more, flagged latest, when that
    version falls beyond the page (its "broken listing" entries)."""
    entries = [
        entry("a/b", "0000000002.00000", latest=True),
        entry("a/b", "0000000001.00000", latest=True),
        entry("a/b", "0000000002.00000", latest=True),
    ]
    listed = versions_of("a/b", entries)
    assert [v.version_id for v in listed] == ["0000000002.00000", "0000000001.00000"]
    assert [v.is_current for v in listed] == [True, False]


def test_quoted_etags_are_unquoted() -> None:
    (version,) = versions_of("a", [entry("a", "0000000001.00000", hash='"abc"')])
    assert version.etag == "abc"
