"""The three cache tiers (SPEC §4): memory, disk, Swift; restarts, outages, limits, workers."""

from __future__ import annotations

import hashlib
import io
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from PIL import Image

from image_repo.adapters.cache.disk_files import decode_entry
from image_repo.localswift import LocalSwift, SwiftEndpoint
from tests.images import encoded, jpeg_with_gps, picture
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path


def server_on(
    root: Path, endpoint: SwiftEndpoint, containers: tuple[str, str], **sections: object
) -> ServerProcess:
    return ServerProcess(root, endpoint, containers, **sections)


@pytest.fixture
def swift_outage(local_swift: LocalSwift) -> Iterator[LocalSwift]:
    """Yields the session's Swift; whatever the test does, Swift runs again afterwards."""
    yield local_swift
    if not local_swift.is_running:
        local_swift.start()


def entry_files(cache_dir: Path) -> list[Path]:
    return [p for p in cache_dir.rglob("*") if p.is_file() and len(p.name) == 64]


def test_memory_then_disk_after_restart_and_both_through_a_swift_outage(
    root: Path,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    swift_outage: LocalSwift,
    unique: str,
) -> None:
    path = f"/images/{unique}/tiers"
    with server_on(root, swift_endpoint, containers) as first:
        httpx.put(first.base_url + path, content=jpeg_with_gps(400, 300)).raise_for_status()
        made = httpx.get(first.base_url + path, params={"xsize": "120"})
        again = httpx.get(first.base_url + path, params={"xsize": "120"})
        assert (made.headers["x-cache"], again.headers["x-cache"]) == ("derived", "memory")
        swift_outage.stop()
        during = httpx.get(first.base_url + path, params={"xsize": "120"}, timeout=20)
        assert (during.status_code, during.headers["x-cache"]) == (200, "memory")
        assert during.content == made.content
    with server_on(root, swift_endpoint, containers) as restarted:
        from_disk = httpx.get(restarted.base_url + path, params={"xsize": "120"}, timeout=20)
        assert (from_disk.status_code, from_disk.headers["x-cache"]) == (200, "disk")
        assert from_disk.content == made.content
        # originals are kept in memory only: a new size needs Swift after a restart
        new_size = httpx.get(restarted.base_url + path, params={"xsize": "99"}, timeout=20)
        assert new_size.status_code == 503 and "retry-after" in new_size.headers
        unknown = httpx.get(f"{restarted.base_url}/images/{unique}/never-seen", timeout=20)
        assert unknown.status_code == 503 and "retry-after" in unknown.headers
    swift_outage.start()


def test_a_new_server_with_an_empty_cache_dir_reads_the_swift_cache_container(
    root: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    path = f"/images/{unique}/swiftcache"
    with server_on(root / "a", swift_endpoint, containers) as first:
        httpx.put(first.base_url + path, content=jpeg_with_gps(300, 200)).raise_for_status()
        made = httpx.get(first.base_url + path, params={"ysize": "50"})
    with server_on(root / "b", swift_endpoint, containers) as second:
        answer = httpx.get(second.base_url + path, params={"ysize": "50"})
        assert answer.headers["x-cache"] == "swift"
        assert answer.content == made.content


def test_twenty_concurrent_requests_derive_once(
    server: object,
    root: Path,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    unique: str,
) -> None:
    path = f"/images/{unique}/flight"
    with server_on(root, swift_endpoint, containers, workers={"swift_threads": 24}) as one:
        httpx.put(one.base_url + path, content=jpeg_with_gps(1600, 1200)).raise_for_status()
        before = one.metric("image_repo_derivations_total")
        with ThreadPoolExecutor(20) as pool:
            answers = list(
                pool.map(
                    lambda _: httpx.get(one.base_url + path, params={"xsize": "321"}, timeout=30),
                    range(20),
                )
            )
        assert {a.status_code for a in answers} == {200}
        assert len({a.content for a in answers}) == 1
        assert one.metric("image_repo_derivations_total") - before == 1


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_disk_entry_is_never_served_and_is_rebuilt(
    root: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str, damage: str
) -> None:
    path = f"/images/{unique}/damaged"
    no_memory = {"memory_cache_bytes": 0, "swift_cache": False}
    with server_on(root, swift_endpoint, containers, cache=no_memory) as one:
        httpx.put(one.base_url + path, content=jpeg_with_gps(500, 400)).raise_for_status()
        good = httpx.get(one.base_url + path, params={"xsize": "200"})
        one.wait_for_cache_writes()  # the disk tier is filled after the answer
        assert httpx.get(one.base_url + path, params={"xsize": "200"}).headers["x-cache"] == "disk"
        cache_dir = root / "cache"
        derived = [
            p for p in entry_files(cache_dir) if decode_entry(p.read_bytes()) == good.content
        ]
        assert len(derived) == 1
        raw = bytearray(derived[0].read_bytes())
        if damage == "truncate":
            del raw[len(raw) // 2 :]
        else:
            raw[len(raw) - 100] ^= 0x01
        derived[0].write_bytes(bytes(raw))
        answer = httpx.get(one.base_url + path, params={"xsize": "200"})
        assert answer.headers["x-cache"] == "derived"
        assert answer.content == good.content
        one.wait_for_cache_writes()
        assert decode_entry(derived[0].read_bytes()) == good.content
        assert one.metric("image_repo_cache_damaged_total", tier="disk") == 1


def test_memory_and_disk_tiers_stay_within_their_limits(
    root: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    memory_limit, disk_limit = 2_000_000, 3_000_000
    limits = {
        "memory_cache_bytes": memory_limit,
        "disk_cache_bytes": disk_limit,
        "swift_cache": False,
    }
    path = f"/images/{unique}/limits"
    noisy = Image.effect_noise((600, 600), 80).convert("RGB")
    with server_on(root, swift_endpoint, containers, cache=limits) as one:
        httpx.put(one.base_url + path, content=encoded(noisy, "PNG")).raise_for_status()
        for width in range(300, 360):
            answer = httpx.get(one.base_url + path, params={"xsize": str(width), "kind": "png"})
            assert answer.status_code == 200
            assert one.metric("image_repo_cache_bytes", tier="memory") <= memory_limit
            on_disk = sum(p.stat().st_size for p in entry_files(root / "cache"))
            assert on_disk <= disk_limit
            assert one.metric("image_repo_disk_cache_bytes") <= disk_limit
        assert one.metric("image_repo_cache_evictions_total", tier="memory") > 0
        assert one.metric("image_repo_cache_evictions_total", tier="disk") > 0


def test_two_servers_sharing_a_cache_dir_serve_only_correct_bytes(
    root: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    shared = {"memory_cache_bytes": 0, "disk_cache_bytes": 1_500_000, "swift_cache": False}
    images = {f"/images/{unique}/shared{i}": picture(400 + 10 * i, 300) for i in range(4)}
    with (
        server_on(root, swift_endpoint, containers, cache=shared) as one,
        server_on(root, swift_endpoint, containers, cache=shared) as two,
    ):
        for path, image in images.items():
            httpx.put(one.base_url + path, content=encoded(image, "PNG")).raise_for_status()
        requests = [
            (random.choice((one, two)).base_url, path, width)
            for path in images
            for width in range(40, 64, 2)
            for _ in range(3)
        ]
        random.Random(7).shuffle(requests)

        def fetch(request: tuple[str, str, int]) -> tuple[str, int, bytes]:
            base, path, width = request
            answer = httpx.get(base + path, params={"xsize": str(width), "kind": "png"}, timeout=30)
            assert answer.status_code == 200, answer.text
            return path, width, answer.content

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(fetch, requests))
    by_request: dict[tuple[str, int], set[str]] = {}
    for path, width, content in results:
        image = Image.open(io.BytesIO(content))
        image.load()
        assert image.width == width
        by_request.setdefault((path, width), set()).add(hashlib.sha256(content).hexdigest())
    assert all(len(digests) == 1 for digests in by_request.values())
