"""A worker out of memory or threads falls sick for good; a stalled work queue is not ready."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from starlette.requests import Request

from image_repo.adapters.http.blocking import BlockingPool
from image_repo.adapters.http.errors import unexpected_handler
from image_repo.adapters.http.worker_health import WorkerHealth, sickness


class IdlePool(BlockingPool):
    """A pool whose oldest waiting call has waited `waited` seconds."""

    def __init__(self, waited: float = 0.0) -> None:
        super().__init__("t", threads=1, max_queue=0)
        self.waited = waited

    def oldest_wait_seconds(self) -> float:
        return self.waited


class Stops:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def answer(health: WorkerHealth, error: Exception) -> tuple[int, dict[str, str], dict[str, str]]:
    request = Request({"type": "http", "method": "GET", "path": "/x", "headers": []})
    response = asyncio.run(unexpected_handler(health)(request, error))
    return response.status_code, dict(response.headers), json.loads(bytes(response.body))


def test_a_healthy_worker_with_a_moving_queue_has_no_problem() -> None:
    assert WorkerHealth(IdlePool(waited=29.0), max_wait_seconds=30).problem() is None


def test_a_queue_waited_on_longer_than_the_limit_is_a_stall() -> None:
    health = WorkerHealth(IdlePool(waited=42.4), max_wait_seconds=30)
    assert health.problem() == "work queue stalled: oldest request has waited 42 s"


@pytest.mark.parametrize(
    "error", [MemoryError(), RuntimeError("can't start new thread")], ids=["memory", "threads"]
)
def test_exhaustion_answers_503_and_makes_the_worker_sick(error: Exception) -> None:
    stops = Stops()
    health = WorkerHealth(IdlePool(), max_wait_seconds=30, on_sick=stops)
    status, headers, body = answer(health, error)
    assert (status, body["error"]) == (503, "worker_exhausted")
    assert int(headers["retry-after"]) >= 1
    assert (health.problem() or "").startswith("worker is sick: ")
    assert stops.count == 1


def test_sickness_is_logged_and_acted_on_once(caplog: pytest.LogCaptureFixture) -> None:
    stops = Stops()
    health = WorkerHealth(IdlePool(), max_wait_seconds=30, on_sick=stops)
    with caplog.at_level(logging.CRITICAL, logger="image_repo.adapters.http.worker_health"):
        health.fall_sick("out of memory")
        health.fall_sick("cannot start threads")
    assert [r.levelno for r in caplog.records] == [logging.CRITICAL]
    assert stops.count == 1
    assert health.problem() == "worker is sick: out of memory"


def test_a_bug_stays_a_500_and_the_worker_healthy() -> None:
    stops = Stops()
    health = WorkerHealth(IdlePool(), max_wait_seconds=30, on_sick=stops)
    status, _headers, body = answer(health, ValueError("oops"))
    assert (status, body) == (500, {"error": "internal_error", "detail": "internal error"})
    assert health.problem() is None and stops.count == 0


def test_other_runtime_errors_are_no_sickness() -> None:
    assert sickness(RuntimeError("dictionary changed size during iteration")) is None
