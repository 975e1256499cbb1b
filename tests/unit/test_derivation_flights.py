"""DerivationFlights: one derivation per key for callers at once, and claims for eager work."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from image_repo.application.derivation_flights import DerivationFlights
from image_repo.application.tiered_cache import FetchedImage
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.records import DerivedImage
from image_repo.domain.spec import Box, Spec

CAT = ImageName.parse("cat")
KEY = DerivedImageKey(CAT, "etag", Spec())


def made(key: DerivedImageKey = KEY) -> FetchedImage:
    return FetchedImage(key, DerivedImage(key.spec.kind, b"made"), "derived")


def test_a_caller_joining_a_flight_is_told_and_shares_its_answer() -> None:
    flights, started, release = DerivationFlights(), threading.Event(), threading.Event()
    joined: list[str] = []

    def slow() -> FetchedImage:
        started.set()
        assert release.wait(10)
        return made()

    answers: list[FetchedImage] = []
    leader = threading.Thread(
        target=lambda: answers.append(
            flights.run(KEY, False, slow, if_joined=lambda: joined.append("leader"))
        )
    )
    leader.start()
    assert started.wait(10)
    follower = threading.Thread(
        target=lambda: answers.append(
            flights.run(KEY, False, made, if_joined=lambda: joined.append("follower"))
        )
    )
    follower.start()
    release.set()
    leader.join(10)
    follower.join(10)
    assert joined == ["follower"]
    assert answers == [made(), made()]


def test_a_joined_failure_is_raised_to_every_caller_and_tells_the_joiner() -> None:
    flights, started, release = DerivationFlights(), threading.Event(), threading.Event()
    joined: list[bool] = []
    errors: list[BaseException] = []

    def failing() -> FetchedImage:
        started.set()
        assert release.wait(10)
        raise RuntimeError("decoder crashed")

    def call(work: Callable[[], FetchedImage]) -> None:
        try:
            flights.run(KEY, False, work, if_joined=lambda: joined.append(True))
        except RuntimeError as error:
            errors.append(error)

    leader = threading.Thread(target=call, args=(failing,))
    leader.start()
    assert started.wait(10)
    follower = threading.Thread(target=call, args=(made,))
    follower.start()
    release.set()
    leader.join(10)
    follower.join(10)
    assert (len(errors), joined) == (2, [True])


def test_a_durable_request_does_not_join_an_ordinary_one() -> None:
    flights, started, release = DerivationFlights(), threading.Event(), threading.Event()

    def slow() -> FetchedImage:
        started.set()
        assert release.wait(10)
        return made()

    ordinary = threading.Thread(target=lambda: flights.run(KEY, False, slow))
    ordinary.start()
    assert started.wait(10)
    durable: list[FetchedImage] = []
    request = threading.Thread(target=lambda: durable.append(flights.run(KEY, True, made)))
    request.start()
    request.join(10)  # its own flight: answered while `slow` still runs
    release.set()
    ordinary.join(10)
    assert durable == [made()]


def test_claims_leave_out_keys_in_flight_and_requests_wait_for_them() -> None:
    flights = DerivationFlights(patience_seconds=10)
    specs = (Spec(box=Box(100, 100)), Spec(box=Box(300, 300)))
    claimed = flights.claim(CAT, "etag", specs)
    assert [each.key.spec for each in claimed] == list(specs)
    assert flights.claim(CAT, "etag", specs) == []  # in flight already
    answers: list[FetchedImage] = []
    first = claimed[0].key
    request = threading.Thread(
        target=lambda: answers.append(flights.run(first, False, lambda: pytest.fail("waited")))
    )
    request.start()
    time.sleep(0.1)  # waiting on the claim
    claimed[0].claim.fulfil(lambda: made(first))
    claimed[1].claim.release()
    request.join(10)
    assert answers == [made(first)]
