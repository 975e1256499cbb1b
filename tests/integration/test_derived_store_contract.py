"""One contract for the DerivedStore port, run against the fake and the real Swift adapter."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from image_repo.adapters.swift.derived_store import SwiftDerivedStore
from image_repo.application.ports import DerivedStore
from image_repo.domain.formats import ImageFormat
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.records import DerivedImage
from image_repo.domain.spec import Box, Spec
from image_repo.localswift import SwiftEndpoint
from tests.fakes import InMemoryDerivedStore
from tests.integration.conftest import swift_pool

IMAGE = DerivedImage(ImageFormat.PNG, b"png bytes")
SECRET = b"integrity secret of the test"


@pytest.fixture(params=["fake", "swift"])
def store(request: pytest.FixtureRequest) -> Iterator[DerivedStore]:
    if request.param == "fake":
        yield InMemoryDerivedStore()
        return
    endpoint: SwiftEndpoint = request.getfixturevalue("swift_endpoint")
    pool = swift_pool(endpoint)
    # 2 entries a page, so removing a few derivatives spans pages.
    container = f"derived_{uuid.uuid4().hex[:8]}"
    yield SwiftDerivedStore(pool, container, integrity_secret=SECRET, ttl_seconds=60, page_size=2)
    pool.close()


def key(name: str, etag: str = "e1", width: int = 10) -> DerivedImageKey:
    return DerivedImageKey(ImageName.parse(name), etag, Spec(box=Box.of(width, width)))


def test_put_then_get(store: DerivedStore) -> None:
    assert store.get(key("a/b")) is None
    assert store.holds(key("a/b"), IMAGE) is False
    store.put(key("a/b"), IMAGE)  # the container is made on the first write
    assert store.get(key("a/b")) == IMAGE.data
    assert store.holds(key("a/b"), IMAGE) is True


def test_delete_all_removes_every_derivative_of_a_name_only(store: DerivedStore) -> None:
    doomed = [key("x/pic", etag, width) for etag in ("e1", "e2") for width in (10, 20, 30)]
    kept = [key("x/pic2"), key("x/pi"), key("x/pic/inner")]
    for each in doomed + kept:
        store.put(each, IMAGE)
    assert store.delete_all(ImageName.parse("x/pic")) == len(doomed)
    assert not any(store.holds(each, IMAGE) for each in doomed)
    assert all(store.holds(each, IMAGE) for each in kept)
    assert store.delete_all(ImageName.parse("x/pic")) == 0


def test_delete_all_of_an_unknown_name_or_container_removes_nothing(store: DerivedStore) -> None:
    assert store.delete_all(ImageName.parse("never")) == 0


def test_a_long_name_and_the_name_of_the_long_names_prefix_stay_apart(
    store: DerivedStore,
) -> None:
    long_name, tilde = "l/" + "x" * 900, "~long~"
    store.put(key(long_name), IMAGE)
    store.put(key(tilde), IMAGE)
    assert store.delete_all(ImageName.parse(tilde)) == 1
    assert store.holds(key(long_name), IMAGE)
