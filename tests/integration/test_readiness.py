"""/readyz answers within a second while the work pool is full of cold derivations."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from image_repo.localswift import SwiftEndpoint
from tests.images import encoded, picture
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration


def test_readiness_does_not_wait_behind_derivations(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    workers = {"swift_threads": 2, "imaging_threads": 2, "max_queue": 64}
    cache = {"prepared_cache_bytes": 0}  # every size decodes the original again
    with ServerProcess(tmp_path, swift_endpoint, containers, workers=workers, cache=cache) as one:
        url = f"{one.base_url}/images/{unique}/busy"
        assert httpx.put(url, content=encoded(picture(4000, 3000), "PNG"), timeout=60).is_success
        with ThreadPoolExecutor(24) as flood:
            cold = [
                flood.submit(httpx.get, url, params={"xsize": str(100 + i)}, timeout=120)
                for i in range(24)
            ]
            time.sleep(0.3)  # the pool is busy now
            started = time.monotonic()
            ready = httpx.get(f"{one.base_url}/readyz", timeout=30)
            seconds = time.monotonic() - started
            busy = sum(not future.done() for future in cold)
            assert all(future.result().status_code == 200 for future in cold)
    assert busy > 4, "the flood ended before /readyz was asked: the test proves nothing"
    assert ready.status_code == 200
    assert seconds < 1.0, seconds
