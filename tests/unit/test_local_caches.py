"""The memory and disk tiers, and the bounded pool, on their own (real files in tmp_path)."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from image_repo.adapters.cache.disk_cache import DiskCache
from image_repo.adapters.cache.disk_files import HEADER_BYTES
from image_repo.adapters.cache.known_etags import DiskKnownEtags
from image_repo.adapters.cache.memory_cache import MemoryCache
from image_repo.adapters.cache.name_generations import SharedNameGenerations
from image_repo.adapters.cache.write_behind import WriteBehindQueue
from image_repo.adapters.http.blocking import BlockingPool
from image_repo.domain.errors import SaturatedError
from image_repo.domain.names import ImageName

CAT, DOG = ImageName.parse("cat"), ImageName.parse("dog")


def test_memory_cache_evicts_least_recently_used_within_its_bytes() -> None:
    cache = MemoryCache(max_bytes=30)
    cache.put(CAT, "a", b"x" * 10)
    cache.put(CAT, "b", b"x" * 10)
    cache.put(DOG, "c", b"x" * 10)
    assert cache.get(CAT, "a") is not None  # a is now the most recent
    cache.put(DOG, "d", b"x" * 10)
    assert cache.get(CAT, "b") is None
    stats = cache.stats()
    assert (stats.bytes, stats.evictions, stats.entries) == (30, 1, 3)


def test_memory_cache_skips_entries_bigger_than_itself_and_discards_by_name() -> None:
    cache = MemoryCache(max_bytes=10)
    cache.put(CAT, "big", b"x" * 11)
    assert cache.get(CAT, "big") is None
    cache.put(CAT, "a", b"1")
    cache.put(DOG, "a", b"2")
    cache.discard_all(CAT)
    assert (cache.get(CAT, "a"), cache.get(DOG, "a")) == (None, b"2")


def test_disk_cache_round_trips_and_survives_a_new_instance(tmp_path: Path) -> None:
    DiskCache(tmp_path, max_bytes=10_000).put(CAT, "k", b"image bytes")
    reopened = DiskCache(tmp_path, max_bytes=10_000)
    assert reopened.get(CAT, "k") == b"image bytes"
    assert reopened.stats().bytes == len(b"image bytes") + HEADER_BYTES


def test_disk_cache_evicts_oldest_to_stay_under_its_limit(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=1000)
    for index in range(20):
        cache.put(CAT, f"k{index}", bytes(100))
    assert cache.stats().bytes <= 1000
    assert cache.get(CAT, "k19") is not None
    assert cache.get(CAT, "k0") is None
    assert cache.stats().evictions > 0


def test_a_file_where_the_cache_folder_should_be_turns_the_tier_off(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    cache = DiskCache(blocker, max_bytes=1000)
    cache.put(CAT, "k", b"data")
    assert cache.get(CAT, "k") is None
    assert cache.problem is not None


def test_discarding_a_name_survives_files_that_vanish_while_it_counts(tmp_path: Path) -> None:
    """A temp file renamed by another worker between listing and stat (here: a dangling link,
    which lists but cannot be measured) must not turn a DELETE into a 500."""
    cache = DiskCache(tmp_path, max_bytes=10_000)
    cache.put(CAT, "k", b"data")
    folder = next(p for p in (tmp_path / "v1").rglob("k")).parent
    (folder / ".tmp-123-gone").symlink_to(folder / "renamed-meanwhile")
    cache.discard_all(CAT)
    assert cache.get(CAT, "k") is None and not folder.exists()
    cache.discard_all(DOG)  # nothing cached: nothing to do


def test_disk_known_etags_survive_and_ignore_garbage(tmp_path: Path) -> None:
    DiskKnownEtags(tmp_path).put(CAT, "abc")
    assert DiskKnownEtags(tmp_path).get(CAT) == "abc"
    assert DiskKnownEtags(tmp_path).get(DOG) is None
    DiskKnownEtags(tmp_path).forget(CAT)
    assert DiskKnownEtags(tmp_path).get(CAT) is None


def test_name_generations_are_shared_by_every_mapping_of_the_file(tmp_path: Path) -> None:
    """Two instances stand for two worker processes: each sees the other's advances."""
    first, second = SharedNameGenerations(tmp_path), SharedNameGenerations(tmp_path)
    assert first.current(CAT) == second.current(CAT) == 0
    assert first.advance(CAT) == 1
    assert second.current(CAT) == 1
    assert second.advance(CAT) == 2
    assert (first.current(CAT), first.current(DOG)) == (2, 0)
    assert SharedNameGenerations(tmp_path).current(CAT) == 2


def test_name_generations_advance_exactly_once_per_call_across_processes(
    tmp_path: Path,
) -> None:
    def advance_many() -> None:
        table = SharedNameGenerations(tmp_path)
        for _ in range(200):
            table.advance(CAT)

    children = [multiprocessing.get_context("fork").Process(target=advance_many) for _ in range(3)]
    for child in children:
        child.start()
    advance_many()
    for child in children:
        child.join(timeout=30)
    assert SharedNameGenerations(tmp_path).current(CAT) == 800


def test_name_generations_without_a_usable_folder_still_work_in_the_process(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    table = SharedNameGenerations(blocker)
    assert table.problem is not None
    assert table.advance(CAT) == 1 and table.current(CAT) == 1


def test_blocking_pool_refuses_work_beyond_threads_plus_queue() -> None:
    release = threading.Event()

    async def scenario() -> None:
        pool = BlockingPool("t", threads=1, max_queue=1)
        first = asyncio.ensure_future(pool.run(release.wait, 5))
        second = asyncio.ensure_future(pool.run(release.wait, 5))
        await asyncio.sleep(0.05)
        with pytest.raises(SaturatedError):
            await pool.run(release.wait, 5)
        release.set()
        await asyncio.gather(first, second)
        pool.shutdown()

    asyncio.run(scenario())


def recorder(
    done: list[str], label: str, after: threading.Event | None = None
) -> Callable[[], None]:
    def write() -> None:
        if after is not None:
            after.wait(5)
        done.append(label)

    return write


def test_write_behind_runs_writes_after_the_caller_and_drains_on_close() -> None:
    queue = WriteBehindQueue(threads=1, max_bytes=1000)
    release, done = threading.Event(), list[str]()
    queue.submit(recorder(done, "first", after=release), size=600)
    queue.submit(recorder(done, "second"), size=300)
    assert done == [] and queue.queued_bytes == 900
    release.set()
    queue.close()
    assert done == ["first", "second"] and queue.queued_bytes == 0


def test_write_behind_writes_in_the_caller_when_full_and_survives_failures() -> None:
    queue = WriteBehindQueue(threads=1, max_bytes=100)
    release, done = threading.Event(), list[str]()
    queue.submit(recorder(done, "queued", after=release), size=100)
    queue.submit(recorder(done, "inline"), size=1)  # no room: runs now, in this thread
    assert done == ["inline"]

    def broken() -> None:
        raise OSError("disk full")

    queue.submit(broken, size=0)  # logged, not raised
    release.set()
    queue.close()
    queue.submit(recorder(done, "after close"), size=1)
    assert done == ["inline", "queued", "after close"]
