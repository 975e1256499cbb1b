"""SwiftOriginalStore on three replicas: a storage server that missed the last PUT or DELETE
and came back must never make a read answer the old version (the adapter sends `X-Newest`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from image_repo.adapters.swift.original_store import SwiftOriginalStore
from image_repo.domain.errors import ImageNotFoundError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName
from image_repo.domain.records import ImageInfo
from image_repo.localswift import LocalSwift
from tests.integration.conftest import swift_pool

pytestmark = pytest.mark.integration

INFO = ImageInfo(ImageFormat.JPEG, 10, 10)
# The proxy reads from a random replica: without X-Newest, each read has a 1 in 3 chance of
# reaching the stale one, so 20 reads all miss it with odds of about 3 in 10,000.
READS = 20


@pytest.fixture(scope="module")
def swift(replicated_swift: LocalSwift) -> LocalSwift:
    return replicated_swift


@pytest.fixture(scope="module")
def store(swift: LocalSwift) -> Iterator[SwiftOriginalStore]:
    endpoint = swift.endpoint
    pool = swift_pool(endpoint)
    yield SwiftOriginalStore(pool, "originals")
    pool.close()


@pytest.fixture
def name() -> ImageName:
    return ImageName.parse(f"r/{uuid.uuid4().hex}")


def test_reads_find_an_overwrite_one_replica_missed(
    swift: LocalSwift, store: SwiftOriginalStore, name: ImageName
) -> None:
    store.put(name, b"old", INFO)
    swift.kill_storage_server("object", 1)
    try:
        new = store.put(name, b"new", INFO)
    finally:
        swift.start_storage_server("object", 1)
    assert {store.head(name).etag for _ in range(READS)} == {new.etag}
    assert {store.get(name).data for _ in range(READS)} == {b"new"}


def test_reads_find_a_delete_one_replica_missed(
    swift: LocalSwift, store: SwiftOriginalStore, name: ImageName
) -> None:
    store.put(name, b"doomed", INFO)
    swift.kill_storage_server("object", 2)
    try:
        assert store.delete(name) is True
    finally:
        swift.start_storage_server("object", 2)
    for _ in range(READS):
        with pytest.raises(ImageNotFoundError):
            store.head(name)
        with pytest.raises(ImageNotFoundError):
            store.get(name)
