"""SwiftOriginalVersions against the real local Swift (object versioning in its proxy): the
versions SwiftOriginalStore's writes leave behind, listed, streamed, restored and deleted."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator

import attrs
import pytest
from swiftclient.client import Connection

from image_repo.adapters.swift.original_store import SwiftOriginalStore
from image_repo.adapters.swift.original_versions import SwiftOriginalVersions, is_version_id
from image_repo.domain.errors import ImageNotFoundError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName
from image_repo.domain.records import ImageInfo, StoredVersion
from image_repo.localswift import SwiftEndpoint
from tests.integration.conftest import swift_pool

# Two entries a page, so any listing of more than one version spans pages.
PAGE_SIZE = 2
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
NAME = ImageName.parse("a/b")


@attrs.frozen
class Versioned:
    store: SwiftOriginalStore
    versions: SwiftOriginalVersions
    raw: Connection
    container: str


@pytest.fixture
def versioned(swift_endpoint: SwiftEndpoint) -> Iterator[Versioned]:
    """A new container, versioning enabled before anything is written to it."""
    pool = swift_pool(swift_endpoint)
    container = f"versions_{uuid.uuid4().hex[:8]}"
    raw = Connection(swift_endpoint.auth_url, swift_endpoint.user, swift_endpoint.key)
    versions = SwiftOriginalVersions(pool, container, page_size=PAGE_SIZE)
    versions.enable()
    yield Versioned(
        SwiftOriginalStore(pool, container, page_size=PAGE_SIZE), versions, raw, container
    )
    raw.close()
    pool.close()


def info(width: int) -> ImageInfo:
    return ImageInfo(ImageFormat.PNG, width, 10)


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def put_three(v: Versioned, name: ImageName = NAME) -> list[bytes]:
    datas = [b"version one", b"version two!", b"version three"]
    for width, data in enumerate(datas, start=1):
        v.store.put(name, data, info(width))
    return datas


def current(versions: list[StoredVersion]) -> list[StoredVersion]:
    return [version for version in versions if version.is_current]


def test_enable_sets_the_flag_on_a_new_container_and_is_idempotent(versioned: Versioned) -> None:
    versioned.versions.enable()
    assert versioned.raw.head_container(versioned.container)["x-versions-enabled"] == "True"


def test_a_name_never_written_has_no_versions(versioned: Versioned) -> None:
    assert versioned.versions.list(NAME) == []


def test_every_write_is_listed_newest_first_with_exactly_one_current(
    versioned: Versioned,
) -> None:
    datas = put_three(versioned)
    listed = versioned.versions.list(NAME)
    assert [(v.etag, v.bytes) for v in listed] == [(md5(d), len(d)) for d in reversed(datas)]
    assert current(listed) == [listed[0]]
    assert all(is_version_id(v.version_id) for v in listed)
    assert len({v.version_id for v in listed}) == 3
    assert all(ISO_UTC.fullmatch(v.last_modified) for v in listed)
    assert [v.version_id for v in listed] == sorted((v.version_id for v in listed), reverse=True)


def test_an_old_version_streams_its_own_bytes_and_etag(versioned: Versioned) -> None:
    datas = put_three(versioned)
    oldest = versioned.versions.list(NAME)[-1]
    arriving = versioned.versions.stream(NAME, oldest.version_id)
    assert arriving.body.whole() == datas[0]
    assert (arriving.stored.etag, arriving.stored.bytes) == (md5(datas[0]), len(datas[0]))
    assert arriving.stored.content_type == ImageFormat.PNG.media_type
    assert versioned.store.get(NAME).data == datas[2]  # the current one is untouched


def test_deleting_the_name_keeps_its_versions_none_current(versioned: Versioned) -> None:
    datas = put_three(versioned)
    assert versioned.store.delete(NAME)
    with pytest.raises(ImageNotFoundError):
        versioned.store.head(NAME)
    listed = versioned.versions.list(NAME)  # the delete marker is left out
    assert [v.etag for v in listed] == [md5(d) for d in reversed(datas)]
    assert current(listed) == []
    assert versioned.store.delete(NAME) is False


def test_restore_makes_an_old_version_current_again_as_a_new_version(
    versioned: Versioned,
) -> None:
    datas = put_three(versioned)
    versioned.store.delete(NAME)
    oldest = versioned.versions.list(NAME)[-1]
    restored = versioned.versions.restore(NAME, oldest.version_id)
    assert (restored.name, restored.etag, restored.bytes) == ("a/b", md5(datas[0]), len(datas[0]))
    assert restored.content_type == ImageFormat.PNG.media_type
    assert versioned.store.head(NAME).etag == md5(datas[0])
    assert versioned.store.get(NAME).data == datas[0]
    # The copy keeps the version's metadata (what the service reads back as the image's size).
    headers = versioned.raw.head_object(versioned.container, "a/b")
    assert (headers["x-object-meta-width"], headers["x-object-meta-format"]) == ("1", "png")
    listed = versioned.versions.list(NAME)
    assert [v.etag for v in listed] == [md5(datas[0])] + [md5(d) for d in reversed(datas)]
    assert current(listed) == [listed[0]]
    assert listed[0].version_id not in {v.version_id for v in listed[1:]}


def test_restore_over_a_current_version_keeps_that_one_too(versioned: Versioned) -> None:
    datas = put_three(versioned)
    middle = versioned.versions.list(NAME)[1]
    assert versioned.versions.restore(NAME, middle.version_id).etag == md5(datas[1])
    listed = versioned.versions.list(NAME)
    assert [v.etag for v in listed] == [md5(datas[1])] + [md5(d) for d in reversed(datas)]
    assert current(listed) == [listed[0]]


def test_deleting_one_old_version_leaves_the_others(versioned: Versioned) -> None:
    datas = put_three(versioned)
    before = versioned.versions.list(NAME)
    assert versioned.versions.delete(NAME, before[1].version_id)
    after = versioned.versions.list(NAME)
    assert after == [before[0], before[2]]
    assert versioned.store.get(NAME).data == datas[2]
    assert versioned.versions.delete(NAME, before[1].version_id) is False
    with pytest.raises(ImageNotFoundError):
        versioned.versions.stream(NAME, before[1].version_id)


def test_deleting_the_current_version_removes_the_name_and_keeps_the_older(
    versioned: Versioned,
) -> None:
    datas = put_three(versioned)
    before = versioned.versions.list(NAME)
    assert versioned.versions.delete(NAME, before[0].version_id)
    with pytest.raises(ImageNotFoundError):
        versioned.store.head(NAME)
    after = versioned.versions.list(NAME)
    assert [v.etag for v in after] == [md5(d) for d in reversed(datas[:2])]
    assert current(after) == []


@pytest.mark.parametrize("version_id", ["1234567890.12345", "null", "bogus", "", "../x"])
def test_a_version_not_held_is_not_found(versioned: Versioned, version_id: str) -> None:
    put_three(versioned)
    with pytest.raises(ImageNotFoundError):
        versioned.versions.stream(NAME, version_id)
    with pytest.raises(ImageNotFoundError):
        versioned.versions.restore(NAME, version_id)
    assert versioned.versions.delete(NAME, version_id) is False
    assert len(versioned.versions.list(NAME)) == 3
    assert versioned.store.head(NAME).etag == md5(b"version three")


def test_the_id_of_a_delete_marker_is_not_a_version(versioned: Versioned) -> None:
    put_three(versioned)
    versioned.store.delete(NAME)
    _headers, entries = versioned.raw.get_container(
        versioned.container, prefix="a/b", query_string="versions"
    )
    marker = entries[0]["version_id"]
    assert entries[0]["content_type"].startswith("application/x-deleted")
    with pytest.raises(ImageNotFoundError):
        versioned.versions.stream(NAME, marker)
    with pytest.raises(ImageNotFoundError):
        versioned.versions.restore(NAME, marker)


def test_a_name_that_prefixes_others_lists_only_its_own_versions(versioned: Versioned) -> None:
    longer = [ImageName.parse(n) for n in ("a/b2", "a/b/c", "a/b c", "a/ba")]
    for other in longer:
        put_three(versioned, other)
    versioned.raw.put_object(versioned.container, "a/b.jpg", b"other tool")
    mine = [b"mine one", b"mine two"]
    for data in mine:
        versioned.store.put(NAME, data, info(1))
    assert [v.etag for v in versioned.versions.list(NAME)] == [md5(d) for d in reversed(mine)]
    assert len(versioned.versions.list(longer[0])) == 3
    other_id = versioned.versions.list(longer[0])[-1].version_id
    with pytest.raises(ImageNotFoundError):
        versioned.versions.stream(NAME, other_id)


def test_many_versions_span_pages_in_order_with_markers_between(versioned: Versioned) -> None:
    """Page size 2: the listing asks page after page (marker + version_marker)."""
    written = []
    for index in range(7):
        data = f"data {index}".encode()
        versioned.store.put(NAME, data, info(index + 1))
        written.append(data)
        if index in (2, 4):
            versioned.store.delete(NAME)  # a delete marker among the versions
    versioned.store.put(ImageName.parse("a/b2"), b"next name", info(1))
    listed = versioned.versions.list(NAME)
    assert [v.etag for v in listed] == [md5(d) for d in reversed(written)]
    assert current(listed) == [listed[0]]
    assert len({v.version_id for v in listed}) == 7


def test_an_object_written_before_versioning_is_the_null_version(
    swift_endpoint: SwiftEndpoint,
) -> None:
    pool = swift_pool(swift_endpoint)
    container = f"versions_{uuid.uuid4().hex[:8]}"
    store = SwiftOriginalStore(pool, container)
    versions = SwiftOriginalVersions(pool, container)
    try:
        store.put(NAME, b"before versioning", info(1))
        versions.enable()
        (null,) = versions.list(NAME)
        assert (null.version_id, null.is_current, null.etag) == (
            "null",
            True,
            md5(b"before versioning"),
        )
        assert versions.stream(NAME, "null").body.whole() == b"before versioning"
        store.put(NAME, b"after", info(1))
        listed = versions.list(NAME)
        assert [v.etag for v in listed] == [md5(b"after"), md5(b"before versioning")]
        assert listed[1].version_id != "null"  # Swift moved it into the versions on overwrite
        assert versions.delete(NAME, "null") is False  # the name links a real version now
        assert store.get(NAME).data == b"after"
        assert versions.restore(NAME, listed[1].version_id).etag == md5(b"before versioning")
    finally:
        pool.close()


def test_enable_makes_a_missing_container(swift_endpoint: SwiftEndpoint) -> None:
    pool = swift_pool(swift_endpoint)
    container = f"versions_{uuid.uuid4().hex[:8]}"
    try:
        versions = SwiftOriginalVersions(pool, container)
        assert versions.list(NAME) == []  # no container yet: nothing kept
        versions.enable()
        versions.enable()
        SwiftOriginalStore(pool, container).put(NAME, b"x", info(1))
        SwiftOriginalStore(pool, container).put(NAME, b"y", info(1))
        assert len(versions.list(NAME)) == 2
    finally:
        pool.close()
