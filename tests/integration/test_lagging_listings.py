"""Container listings lag behind writes on real clusters (a container replica that missed an
update, an updater that has not run): the Swift adapters must neither trust nor loop on them.
A lagging listing is made here by wrapping the real container's listing; every other request
goes to the real Swift."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from image_repo.adapters.swift.connection import SwiftConnectionPool
from image_repo.adapters.swift.container import SwiftContainer
from image_repo.adapters.swift.derived_store import SwiftDerivedStore, name_prefix
from image_repo.adapters.swift.original_store import SwiftOriginalStore
from image_repo.domain.formats import ImageFormat
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.records import DerivedImage, ImageInfo
from image_repo.domain.spec import Box, Spec
from image_repo.localswift import SwiftEndpoint
from tests.integration.conftest import swift_pool

pytestmark = pytest.mark.integration

NAME = ImageName.parse("lag/cat")


@pytest.fixture
def pool(swift_endpoint: SwiftEndpoint) -> Iterator[SwiftConnectionPool]:
    pool = swift_pool(swift_endpoint)
    yield pool
    pool.close()


def lagging(container: SwiftContainer, ghosts: list[str], hide: bool = False) -> None:
    """Make `container`'s listing show `ghosts` (objects already gone: a DELETE of them is a
    404) first, and with `hide` nothing real (objects written since are not listed yet)."""
    real = container.listing

    def listing(
        prefix: str = "",
        *,
        delimiter: str | None = None,
        marker: str = "",
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        yield from ({"name": g, "hash": "0" * 32} for g in ghosts if g.startswith(prefix))
        if not hide:
            yield from real(prefix, delimiter=delimiter, marker=marker, page_size=page_size)

    container.listing = listing  # type: ignore[method-assign]


@pytest.mark.timeout(30)
def test_removing_derivatives_ends_when_listed_ones_are_already_gone(
    pool: SwiftConnectionPool,
) -> None:
    container = f"lag_{uuid.uuid4().hex[:8]}"
    store = SwiftDerivedStore(pool, container, integrity_secret=b"s", page_size=2)
    keys = [DerivedImageKey(NAME, "e1", Spec(box=Box.of(w, w))) for w in (10, 20, 30)]
    for key in keys:
        store.put(key, DerivedImage(ImageFormat.PNG, b"png"))
    lagging(store._objects, [f"{name_prefix(NAME)}e0/gone-{i}" for i in range(3)])
    assert store.delete_all(NAME) == 3
    assert not any(store.holds(key, DerivedImage(ImageFormat.PNG, b"png")) for key in keys)


def test_delete_removes_an_object_the_listing_does_not_show_yet(
    pool: SwiftConnectionPool,
) -> None:
    store = SwiftOriginalStore(pool, f"lag_{uuid.uuid4().hex[:8]}")
    store.put(NAME, b"bytes", ImageInfo(ImageFormat.JPEG, 1, 1))
    lagging(store._objects, [], hide=True)
    assert store.delete(NAME) is True
    assert store.delete(NAME) is False
