"""CircuitBreaker on a manual clock."""

from __future__ import annotations

import pytest

from image_repo.adapters.swift.circuit_breaker import CircuitBreaker
from image_repo.domain.errors import StoreUnavailableError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def hung_call(clock: Clock, breaker: CircuitBreaker, seconds: float = 10.0) -> None:
    started = breaker.now()
    clock.now += seconds
    breaker.failed(started)


def test_calls_fail_at_once_for_a_while_after_a_call_that_hung() -> None:
    clock = Clock()
    breaker = CircuitBreaker(open_seconds=5, clock=clock)
    breaker.check("reading a")  # closed: no error
    hung_call(clock, breaker)
    with pytest.raises(StoreUnavailableError, match=r"reading a .*trying again in 5\.0 s"):
        breaker.check("reading a")
    clock.now += 5.01
    breaker.check("reading a")  # half open: calls go through again
    hung_call(clock, breaker)  # ... and a new hung call opens it again
    with pytest.raises(StoreUnavailableError):
        breaker.check("reading a")
    breaker.answered()
    breaker.check("reading a")


def test_a_failure_that_came_fast_opens_nothing() -> None:
    """A refused connection costs nothing to retry: a restarted Swift is used at once."""
    clock = Clock()
    breaker = CircuitBreaker(open_seconds=5, clock=clock)
    hung_call(clock, breaker, seconds=0.01)
    breaker.check("reading a")


def test_zero_seconds_never_opens() -> None:
    clock = Clock()
    breaker = CircuitBreaker(open_seconds=0, clock=clock)
    hung_call(clock, breaker)
    breaker.check("anything")
