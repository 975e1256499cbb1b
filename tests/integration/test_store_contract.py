"""One contract for the OriginalStore port, run against the fake and the real Swift adapter,
so the fake the use-case tests rely on behaves like Swift."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from image_repo.adapters.swift.connection import SwiftConnectionPool, connection_factory
from image_repo.adapters.swift.original_store import SwiftOriginalStore
from image_repo.application.ports import OriginalStore
from image_repo.domain.errors import AlreadyExistsError, ImageNotFoundError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName
from image_repo.domain.records import ImageInfo
from image_repo.localswift import SwiftEndpoint
from tests.fakes import InMemoryOriginalStore

INFO = ImageInfo(ImageFormat.JPEG, 10, 10)


@pytest.fixture(params=["fake", "swift"])
def store(request: pytest.FixtureRequest) -> Iterator[OriginalStore]:
    if request.param == "fake":
        yield InMemoryOriginalStore()
        return
    endpoint: SwiftEndpoint = request.getfixturevalue("swift_endpoint")
    factory = connection_factory(
        auth_url=endpoint.auth_url, user=endpoint.user, key=endpoint.key, auth_version="1.0",
        os_options={}, timeout_seconds=5, retries=1,
    )  # fmt: skip
    pool = SwiftConnectionPool(factory, size=2)
    yield SwiftOriginalStore(pool, f"contract_{uuid.uuid4().hex[:8]}")
    pool.close()


def name(text: str) -> ImageName:
    return ImageName.parse(text)


def test_put_then_get_returns_the_bytes_and_md5_etag(store: OriginalStore) -> None:
    stored = store.put(name("a/b"), b"bytes", INFO)
    assert stored.etag == "4b3a6218bb3e3a7303e8a171a60fcf92"
    original = store.get(name("a/b"))
    assert (original.data, original.stored.etag) == (b"bytes", stored.etag)
    assert store.head(name("a/b")).bytes == 5


def test_missing_names_are_not_found(store: OriginalStore) -> None:
    with pytest.raises(ImageNotFoundError):
        store.get(name("nothing"))
    with pytest.raises(ImageNotFoundError):
        store.head(name("nothing"))
    assert store.delete(name("nothing")) is False


def test_if_absent_refuses_an_existing_name(store: OriginalStore) -> None:
    store.put(name("once"), b"1", INFO)
    with pytest.raises(AlreadyExistsError):
        store.put(name("once"), b"2", INFO, if_absent=True)
    assert store.get(name("once")).data == b"1"


def test_listing_is_byte_ordered_and_prefixed(store: OriginalStore) -> None:
    for text in ("b", "a/z", "a/é", "a/b", "c"):
        store.put(name(text), b"x", INFO)
    assert list(store.iter_object_names()) == ["a/b", "a/z", "a/é", "b", "c"]
    assert list(store.iter_object_names("a/")) == ["a/b", "a/z", "a/é"]


def test_delete_removes_it(store: OriginalStore) -> None:
    store.put(name("gone"), b"x", INFO)
    assert store.delete(name("gone")) is True
    with pytest.raises(ImageNotFoundError):
        store.get(name("gone"))
