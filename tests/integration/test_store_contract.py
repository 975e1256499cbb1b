"""One contract for the OriginalStore port, run against the fake and the real Swift adapter,
so the fake the use-case tests rely on behaves like Swift."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator

import attrs
import pytest
from swiftclient.client import Connection

from image_repo.adapters.swift.connection import SwiftConnectionPool
from image_repo.adapters.swift.original_store import SwiftOriginalStore
from image_repo.application.ports import OriginalStore
from image_repo.domain.errors import (
    AlreadyExistsError,
    ImageNotFoundError,
    StoreUnavailableError,
)
from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName
from image_repo.domain.records import ImageInfo, ListedObject
from image_repo.localswift import SwiftEndpoint
from image_repo.localswift.cluster import free_port
from tests.fakes import InMemoryOriginalStore
from tests.integration.conftest import swift_pool

INFO = ImageInfo(ImageFormat.JPEG, 10, 10)

# The Swift store lists 2 entries a page, so every listing of more than one entry spans pages.
PAGE_SIZE = 2


@attrs.frozen
class Backend:
    store: OriginalStore
    # Writes an object under a name of its own, as other tools do (`<name>.<ext>`).
    put_raw: Callable[[str, bytes], None]


@pytest.fixture(params=["fake", "swift"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "fake":
        fake = InMemoryOriginalStore()
        yield Backend(fake, fake.objects.__setitem__)
        return
    endpoint: SwiftEndpoint = request.getfixturevalue("swift_endpoint")
    pool = swift_pool(endpoint)
    container = f"contract_{uuid.uuid4().hex[:8]}"
    raw = Connection(endpoint.auth_url, endpoint.user, endpoint.key)

    def put_raw(object_name: str, data: bytes) -> None:
        raw.put_container(container)
        raw.put_object(container, object_name, data)

    yield Backend(SwiftOriginalStore(pool, container, page_size=PAGE_SIZE), put_raw)
    raw.close()
    pool.close()


@pytest.fixture
def store(backend: Backend) -> OriginalStore:
    return backend.store


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
    assert [o.name for o in store.iter_objects()] == ["a/b", "a/z", "a/é", "b", "c"]
    assert [o.name for o in store.iter_objects("a/")] == ["a/b", "a/z", "a/é"]


def test_listing_carries_each_objects_etag(store: OriginalStore) -> None:
    stored = store.put(name("tagged"), b"bytes", INFO)
    assert [(o.name, o.etag) for o in store.iter_objects("tagged")] == [("tagged", stored.etag)]


def test_listing_by_delimiter_gives_each_folder_once(store: OriginalStore) -> None:
    for text in ("dl/a", "dl/b/1", "dl/b/2", "dl/b/3", "dl/c/d/3", "dl/e"):
        store.put(name(text), b"x", INFO)
    listed = [(o.name, o.is_folder) for o in store.iter_objects("dl/", delimiter="/")]
    assert listed == [("dl/a", False), ("dl/b/", True), ("dl/c/", True), ("dl/e", False)]
    after_folder = store.iter_objects("dl/", delimiter="/", marker="dl/b/")
    assert [o.name for o in after_folder] == ["dl/c/", "dl/e"]
    inside_folder = store.iter_objects("dl/", delimiter="/", marker="dl/b/1", page_size=1)
    assert [o.name for o in inside_folder] == ["dl/b/", "dl/c/", "dl/e"]
    assert [o.name for o in store.iter_objects("dl/", marker="dl/b/2")] == [
        "dl/b/3",
        "dl/c/d/3",
        "dl/e",
    ]


def test_delete_removes_it(store: OriginalStore) -> None:
    store.put(name("gone"), b"x", INFO)
    assert store.delete(name("gone")) is True
    with pytest.raises(ImageNotFoundError):
        store.get(name("gone"))


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_listing_spans_several_pages(store: OriginalStore) -> None:
    texts = [f"paged/{i}" for i in range(5)]
    for text in texts:
        store.put(name(text), text.encode(), INFO)
    listed = list(store.iter_objects("paged/"))
    assert [(o.name, o.etag, o.bytes) for o in listed] == [
        (t, md5(t.encode()), len(t)) for t in texts
    ]
    assert all(o.last_modified for o in listed)  # what details=true shows (SPEC 13)
    store.delete(name("paged/4"))  # a last page exactly full
    assert [o.name for o in store.iter_objects("paged/")] == texts[:4]


def test_listing_a_prefix_shows_extension_named_objects(backend: Backend) -> None:
    backend.put_raw("ext/photo.JPG", b"legacy")
    backend.put_raw("ext/notes.txt", b"text")
    stored = backend.store.put(name("ext/other"), b"new", INFO)
    assert [ListedObject(o.name, o.etag) for o in backend.store.iter_objects("ext/")] == [
        ListedObject("ext/notes.txt", md5(b"text")),
        ListedObject("ext/other", stored.etag),
        ListedObject("ext/photo.JPG", md5(b"legacy")),
    ]


def test_an_extension_named_object_serves_its_name(backend: Backend) -> None:
    backend.put_raw("old/pic.png", b"legacy")
    stored = backend.store.head(name("old/pic"))
    assert (stored.object_name, stored.etag) == ("old/pic.png", md5(b"legacy"))
    assert backend.store.get(name("old/pic")).data == b"legacy"
    with pytest.raises(AlreadyExistsError):
        backend.store.put(name("old/pic"), b"new", INFO, if_absent=True)


def test_put_replaces_every_extension_named_object(backend: Backend) -> None:
    for object_name in ("re/pic.gif", "re/pic.jpg", "re/pic.png", "re/pic.txt"):
        backend.put_raw(object_name, b"legacy")
    backend.store.put(name("re/pic"), b"new", INFO)
    assert [o.name for o in backend.store.iter_objects("re/")] == ["re/pic", "re/pic.txt"]
    assert backend.store.get(name("re/pic")).data == b"new"


def test_delete_removes_the_name_and_its_extension_named_objects(backend: Backend) -> None:
    backend.store.put(name("del/pic"), b"new", INFO)
    for object_name in ("del/pic.gif", "del/pic.jpeg", "del/pic.webp", "del/pic.txt"):
        backend.put_raw(object_name, b"legacy")
    assert backend.store.delete(name("del/pic")) is True
    assert [o.name for o in backend.store.iter_objects("del/")] == ["del/pic.txt"]
    with pytest.raises(ImageNotFoundError):
        backend.store.head(name("del/pic"))


def test_an_unreachable_store_says_what_failed_in_plain_words() -> None:
    """Not the fake's business: swiftclient's own messages carry a repr of the call (a PUT
    it cannot resend), the URL or the token, and none of it may reach a client."""
    url = f"http://127.0.0.1:{free_port()}/v1/AUTH_test"

    def connect() -> Connection:
        return Connection(
            preauthurl=url, preauthtoken="secret-token", retries=1, starting_backoff=0.01
        )

    store = SwiftOriginalStore(SwiftConnectionPool(connect, size=1), "originals")
    attempts: list[tuple[Callable[[], object], str]] = [
        (lambda: store.put(name("a/b"), b"x", INFO), "storing a/b"),
        (lambda: store.head(name("a/b")), "reading a/b"),
        (lambda: store.delete(name("a/b")), "deleting a/b"),
        (lambda: list(store.iter_objects("a/")), "listing originals"),
    ]
    for attempt, doing in attempts:
        with pytest.raises(StoreUnavailableError) as raised:
            attempt()
        assert raised.value.detail == f"object store unreachable while {doing}"
