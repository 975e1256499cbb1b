"""A Swift that hangs, listings that lag, and what reaches the log (issue 12's Swift defects)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from image_repo.localswift import LocalSwift, SwiftEndpoint
from tests.images import jpeg_with_gps
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration

TIMEOUT_SECONDS = 1.0  # per Swift request; with one retry a hung call costs ~2.2 s


@pytest.fixture
def frozen_swift(local_swift: LocalSwift) -> Iterator[LocalSwift]:
    """The session's Swift; whatever the test does, its proxy answers again afterwards."""
    yield local_swift
    local_swift.thaw_proxy()


def timed_get(url: str, **params: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = httpx.get(url, params=params, timeout=60)
    return answer, time.monotonic() - started


def test_a_hanging_swift_costs_one_timeout_then_fails_fast_and_recovers(
    tmp_path: Path,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    frozen_swift: LocalSwift,
    unique: str,
) -> None:
    swift = {"timeout_seconds": TIMEOUT_SECONDS, "retries": 1, "circuit_open_seconds": 3}
    # No original kept in memory, no disk tier: a new size must read the original from Swift.
    original = jpeg_with_gps(2000, 1500)
    cache = {"originals_memory_bytes": 0, "disk_cache_bytes": 0}
    with ServerProcess(tmp_path, swift_endpoint, containers, swift=swift, cache=cache) as one:
        url = f"{one.base_url}/images/{unique}/hung"
        assert httpx.put(url, content=original).status_code == 201
        cached = httpx.get(url, params={"xsize": "50"}).content
        frozen_swift.freeze_proxy()
        # A new size asks the cache container, then the original: without the circuit
        # breaker each would wait out its timeout and retry (~4.4 s in all).
        first, first_seconds = timed_get(url, xsize="77")
        second, second_seconds = timed_get(url, xsize="78")
        hit, _ = timed_get(url, xsize="50")
        ready, ready_seconds = timed_get(f"{one.base_url}/readyz")
        frozen_swift.thaw_proxy()
        time.sleep(3.2)  # the circuit stays open this long after the last failure
        recovered = httpx.get(url, params={"xsize": "77"}, timeout=30)
    assert first.status_code == 503 and "retry-after" in first.headers
    assert first_seconds < 2 * TIMEOUT_SECONDS + 1.3, first_seconds
    assert second.status_code == 503 and second_seconds < 0.5, second_seconds
    assert (hit.status_code, hit.content) == (200, cached)
    assert ready.status_code == 503 and ready_seconds < 0.5
    assert recovered.status_code == 200


def test_cache_misses_log_no_request_lines_and_no_token(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    server = {"log_level": "info"}
    with ServerProcess(tmp_path, swift_endpoint, containers, server=server) as one:
        url = f"{one.base_url}/images/{unique}/quiet"
        assert httpx.put(url, content=jpeg_with_gps(200, 100)).status_code == 201
        for width in (20, 30, 40):  # each misses the cache container (a 404 in Swift)
            assert httpx.get(url, params={"xsize": str(width)}).status_code == 200
        assert httpx.get(f"{one.base_url}/images/{unique}/absent").status_code == 404
    log = one.log_path.read_text()
    assert "GET /images" in log  # the access lines are there: the level is info
    for leak in ("curl", "X-Auth-Token", "AUTH_tk", "RESP STATUS"):
        assert leak not in log
