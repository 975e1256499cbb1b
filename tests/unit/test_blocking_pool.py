"""BlockingPool knows how long the call waiting longest for a thread has waited."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from image_repo.adapters.http.blocking import BlockingPool


class SteppedClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def until(condition: Callable[[], bool], timeout_seconds: float = 5.0) -> None:
    for _ in range(int(timeout_seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


def test_nothing_waiting_is_no_wait() -> None:
    pool = BlockingPool("t", threads=1, max_queue=4)
    assert pool.oldest_wait_seconds() == 0.0
    assert asyncio.run(pool.run(lambda: 7)) == 7
    assert pool.oldest_wait_seconds() == 0.0
    pool.shutdown()


def test_a_call_queued_behind_a_busy_thread_ages_until_a_thread_takes_it() -> None:
    clock = SteppedClock()
    pool = BlockingPool("t", threads=1, max_queue=4, clock=clock)
    release, holding = threading.Event(), threading.Event()

    def hold() -> str:
        holding.set()
        release.wait(5)
        return "held"

    async def scenario() -> None:
        first = asyncio.ensure_future(pool.run(hold))
        await until(holding.is_set)
        assert pool.oldest_wait_seconds() == 0.0  # running is not waiting
        second = asyncio.ensure_future(pool.run(lambda: "queued"))
        third = asyncio.ensure_future(pool.run(lambda: "queued too"))
        await asyncio.sleep(0)
        clock.now += 12
        assert pool.oldest_wait_seconds() == 12.0
        release.set()
        assert list(await asyncio.gather(first, second, third)) == ["held", "queued", "queued too"]
        assert pool.oldest_wait_seconds() == 0.0

    asyncio.run(scenario())
    pool.shutdown()


def test_the_oldest_wait_is_the_first_submitted_still_waiting() -> None:
    clock = SteppedClock()
    pool = BlockingPool("t", threads=1, max_queue=4, clock=clock)
    release, holding = threading.Event(), threading.Event()

    def hold() -> None:
        holding.set()
        release.wait(5)

    async def scenario() -> None:
        first = asyncio.ensure_future(pool.run(hold))
        await until(holding.is_set)
        older = asyncio.ensure_future(pool.run(lambda: None))
        await asyncio.sleep(0)
        clock.now += 5
        newer = asyncio.ensure_future(pool.run(lambda: None))
        await asyncio.sleep(0)
        clock.now += 1
        assert pool.oldest_wait_seconds() == 6.0
        older.cancel()  # a client gone before a thread took its call
        await asyncio.gather(older, return_exceptions=True)
        assert pool.oldest_wait_seconds() == 1.0
        release.set()
        await asyncio.gather(first, newer)

    asyncio.run(scenario())
    pool.shutdown()
