"""Originals: one download per ETag, kept in memory, and the first view's race of decoding
against the cache container's answer."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from image_repo.application.originals import Originals
from image_repo.application.ports import ArrivingOriginal
from image_repo.domain.errors import CorruptImageError
from image_repo.domain.names import ImageName
from tests.fakes import ArrivedBytes, InMemoryBlobCache, InMemoryOriginalStore

CAT = ImageName.parse("cat")


class SlowStore(InMemoryOriginalStore):
    """Answers a GET's headers only after `seconds`: callers arrive while it is in flight."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def stream(self, name: ImageName) -> ArrivingOriginal:
        time.sleep(self.seconds)
        return super().stream(name)


def test_callers_at_once_share_one_download_of_an_etag() -> None:
    store = SlowStore(0.1)
    store.objects["cat"] = b"photo"
    etag = store.head(CAT).etag
    originals = Originals(store, InMemoryBlobCache())
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: originals.of(CAT, etag), range(8)))
    assert store.gets == 1
    assert {original.etag for original in got} == {etag}


def test_a_whole_download_is_kept_and_the_next_needs_none() -> None:
    store = InMemoryOriginalStore()
    store.objects["cat"] = b"photo"
    originals = Originals(store, InMemoryBlobCache())
    downloaded = originals.download(CAT)
    kept = originals.of(CAT, downloaded.stored.etag)
    assert (kept.source.data, store.gets) == (b"photo", 1)
    assert kept.source.identity == f"{downloaded.stored.etag}/cat"  # names exactly these bytes


def test_a_replaced_original_comes_with_its_new_etag() -> None:
    store = InMemoryOriginalStore()
    store.objects["cat"] = b"new photo"
    original = Originals(store, InMemoryBlobCache()).of(CAT, "the-etag-learnt-before")
    assert original.etag == store.head(CAT).etag


def test_discard_drops_every_original_kept_for_a_name() -> None:
    store, kept = InMemoryOriginalStore(), InMemoryBlobCache()
    originals = Originals(store, kept)
    originals.keep(CAT, "a", b"one")
    originals.keep(CAT, "b", b"two")
    originals.keep(ImageName.parse("dog"), "c", b"three")
    originals.discard(CAT)
    assert {entry[0] for entry in kept.entries} == {"dog"}


def wait_until_abandoned(body: ArrivedBytes) -> str:
    """A decoder that reads until its body is abandoned, as ArrivingBody's readers fail then."""
    deadline = time.monotonic() + 10
    while not body.abandoned:
        assert time.monotonic() < deadline, "never abandoned"
        time.sleep(0.005)
    raise CorruptImageError("read past an abandoned body")


def test_a_lookup_hit_abandons_the_decoding_and_is_the_answer() -> None:
    originals, body = Originals(InMemoryOriginalStore(), InMemoryBlobCache()), ArrivedBytes(b"")
    try:
        assert originals.race(body, lambda: "cached", lambda: wait_until_abandoned(body)) == (
            "cached"
        )
    finally:
        originals.close()


def test_a_decoding_finished_first_is_dropped_for_a_late_hit() -> None:
    originals, body = Originals(InMemoryOriginalStore(), InMemoryBlobCache()), ArrivedBytes(b"")

    def late_hit() -> str:
        time.sleep(0.1)
        return "cached"

    try:
        assert originals.race(body, late_hit, lambda: "made") == "cached"
    finally:
        originals.close()


def damaged() -> str:
    raise CorruptImageError("damaged")


def test_without_a_hit_the_decoding_answers_and_its_failure_is_raised() -> None:
    originals, body = Originals(InMemoryOriginalStore(), InMemoryBlobCache()), ArrivedBytes(b"")
    try:
        assert originals.race(body, lambda: None, lambda: "made") == "made"
        assert not body.abandoned
        failing = ArrivedBytes(b"")
        with pytest.raises(CorruptImageError):
            originals.race(failing, lambda: None, damaged)
        assert failing.abandoned  # nobody reads the rest
        assert originals.race(ArrivedBytes(b""), lambda: "cached", damaged) == "cached"
    finally:
        originals.close()


def test_a_failing_lookup_found_nothing() -> None:
    originals, body = Originals(InMemoryOriginalStore(), InMemoryBlobCache()), ArrivedBytes(b"")

    def unreachable() -> str | None:
        raise OSError("the cache container is down")

    try:
        assert originals.race(body, unreachable, lambda: "made") == "made"
    finally:
        originals.close()


def test_close_ends_the_lookup_threads() -> None:
    originals = Originals(InMemoryOriginalStore(), InMemoryBlobCache())
    assert originals.race(ArrivedBytes(b""), lambda: None, lambda: "made") == "made"
    originals.close()
    with pytest.raises(RuntimeError):  # no thread left to ask on
        originals.race(ArrivedBytes(b""), lambda: None, lambda: "made")
