"""The worker's last lines: a memory ceiling that fails one request, not the process, and a
/readyz that sees a stalled work queue while /healthz still answers (issue 21)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import attrs
import httpx
import pytest
from swiftclient.client import Connection

from image_repo.localswift import SwiftEndpoint
from tests.images import encoded, jpeg_with_gps, picture
from tests.integration.conftest import ServerProcess
from tests.swift_relay import SwiftRelay

pytestmark = pytest.mark.integration

MIB = 1 << 20
HEADROOM = 192 * MIB  # far less than the 280 MB Pillow needs for 70 MP of RGB


def poll_readyz(base_url: str, wanted: int, timeout_seconds: float = 15) -> httpx.Response:
    deadline = time.monotonic() + timeout_seconds
    while True:
        answer = httpx.get(f"{base_url}/readyz", timeout=10)
        if answer.status_code == wanted or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def test_a_decode_past_the_memory_ceiling_fails_alone_and_the_worker_serves_on(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    cache = {"prepared_cache_bytes": 0}
    big = encoded(picture(10240, 6836), "PNG")  # 70 MP, small on the wire
    with ServerProcess(tmp_path / "free", swift_endpoint, containers, cache=cache) as free:
        small = f"{free.base_url}/images/{unique}/small"
        assert httpx.put(small, content=jpeg_with_gps(800, 600), timeout=60).status_code == 201
        assert httpx.get(small, params={"xsize": "50"}, timeout=60).status_code == 200
        baseline = free.status_bytes("VmData")
        # without a ceiling it is a valid upload: what the capped server refuses is the memory
        accepted = httpx.put(f"{free.base_url}/images/{unique}/big", content=big, timeout=60)
        assert accepted.status_code == 201, accepted.text
    workers = {"max_memory_bytes": baseline + HEADROOM}
    with ServerProcess(
        tmp_path / "capped", swift_endpoint, containers, workers=workers, cache=cache
    ) as capped:
        base = capped.base_url
        refused = httpx.put(f"{base}/images/{unique}/big2", content=big, timeout=60)
        assert refused.status_code in (413, 503), refused.text
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        normal = f"{base}/images/{unique}/after"
        assert httpx.put(normal, content=jpeg_with_gps(800, 600), timeout=60).status_code == 201
        served = httpx.get(normal, params={"xsize": "40"}, timeout=60)
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        assert capped.status_bytes("VmData") <= baseline + HEADROOM


@attrs.frozen
class Relayed:
    relay: SwiftRelay
    server: ServerProcess


@pytest.fixture
def one_thread_behind_a_relay(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str]
) -> Iterator[Relayed]:
    relay = SwiftRelay(swift_endpoint.proxy_port)
    auth = urlsplit(swift_endpoint.auth_url)
    relayed = attrs.evolve(swift_endpoint, auth_url=f"http://127.0.0.1:{relay.port}{auth.path}")
    with ServerProcess(
        tmp_path,
        relayed,
        containers,
        workers={"swift_threads": 1, "max_wait_seconds": 1},
        swift={"timeout_seconds": 60},
        cache={"originals_memory_bytes": 0},
    ) as server:
        yield Relayed(relay, server)
    relay.close()


def test_readyz_says_not_ready_while_the_work_queue_stalls(
    one_thread_behind_a_relay: Relayed, swift: Connection, containers: tuple[str, str], unique: str
) -> None:
    relay, server = one_thread_behind_a_relay.relay, one_thread_behind_a_relay.server
    for name in ("slow", "queued"):  # put by another tool: the server must ask Swift
        swift.put_object(containers[0], f"{unique}/{name}", jpeg_with_gps(320, 240))
    assert poll_readyz(server.base_url, 200).status_code == 200
    release = relay.hold(f"{unique}/slow")
    try:
        with ThreadPoolExecutor(2) as clients:
            get = lambda name: httpx.get(f"{server.base_url}/images/{unique}/{name}", timeout=90)  # noqa: E731
            slow = clients.submit(get, "slow")  # holds the only Swift thread
            time.sleep(0.3)
            queued = clients.submit(get, "queued")  # waits for that thread
            stalled = poll_readyz(server.base_url, 503)
            alive = httpx.get(f"{server.base_url}/healthz", timeout=10)
            release.set()
            assert slow.result().status_code == 200
            assert queued.result().status_code == 200
    finally:
        release.set()
    assert stalled.status_code == 503, stalled.text
    assert stalled.json()["reason"].startswith("work queue stalled: oldest request has waited")
    assert stalled.headers["retry-after"]
    assert alive.status_code == 200
    assert poll_readyz(server.base_url, 200).status_code == 200
