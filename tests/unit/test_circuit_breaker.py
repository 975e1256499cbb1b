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


def test_calls_fail_at_once_for_a_while_after_a_failure() -> None:
    clock = Clock()
    breaker = CircuitBreaker(open_seconds=5, clock=clock)
    breaker.check("reading a")  # closed: no error
    breaker.failed()
    with pytest.raises(StoreUnavailableError, match=r"reading a .*trying again in 5\.0 s"):
        breaker.check("reading a")
    clock.now += 5.01
    breaker.check("reading a")  # half open: calls go through again
    breaker.failed()  # ... and a new failure opens it again
    with pytest.raises(StoreUnavailableError):
        breaker.check("reading a")
    breaker.answered()
    breaker.check("reading a")


def test_zero_seconds_never_opens() -> None:
    breaker = CircuitBreaker(open_seconds=0)
    breaker.failed()
    breaker.check("anything")
