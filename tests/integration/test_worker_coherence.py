"""One gunicorn node, 4 workers: a re-upload or a DELETE is seen at once by every worker (SPEC 7).

Every request opens a new connection, so the kernel hands them to all four workers in turn; the
warm-up fills every worker's memory tier and the node's disk tier with the old image first.
Versions are solid colours far apart (tests.cluster.PALETTE), compared on decoded pixels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from image_repo.localswift import SwiftEndpoint
from tests.cluster import GunicornNode, solid_png, version_of

pytestmark = pytest.mark.integration

SIZES = (None, 40, 120)  # the original's size and two boxes: three derived entries
OLD, NEW = 0, 63  # black and white


@pytest.fixture(scope="module")
def node(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[GunicornNode]:
    node = GunicornNode(
        tmp_path_factory.mktemp("coherence"), swift_endpoint, containers, workers=4
    ).start()
    yield node
    node.stop(seconds=15)


def get(base_url: str, name: str, size: int | None, method: str = "GET") -> httpx.Response:
    """One request on a new connection (module-level httpx opens one per call)."""
    params = {"kind": "png"} | ({"xsize": str(size)} if size else {})
    return httpx.request(method, f"{base_url}/images/{name}", params=params, timeout=30)


def upload_and_warm(base_url: str, name: str, version: int, node: GunicornNode) -> None:
    answer = httpx.put(f"{base_url}/images/{name}", content=solid_png(version), timeout=30)
    assert answer.status_code == 201, answer.text
    for _round in range(12):  # 36 connections over 4 workers
        for size in SIZES:
            answer = get(base_url, name, size)
            assert answer.status_code == 200, answer.text
            assert version_of(answer.content) == version
    node.wait_for_cache_writes()
    last = get(base_url, name, SIZES[1])
    assert last.headers["x-cache"] in ("memory", "disk")  # the tiers hold it


def test_a_reupload_is_seen_at_once_by_every_worker(node: GunicornNode, unique: str) -> None:
    name = f"{unique}/replaced"
    upload_and_warm(node.url, name, OLD, node)
    answer = httpx.put(f"{node.url}/images/{name}", content=solid_png(NEW), timeout=30)
    assert answer.status_code == 201, answer.text
    seen = []
    for attempt in range(40):
        answer = get(node.url, name, SIZES[attempt % len(SIZES)])
        seen.append((answer.status_code, version_of(answer.content), answer.headers.get("x-cache")))
    stale = [entry for entry in seen if entry[:2] != (200, NEW)]
    assert not stale, (
        f"{len(stale)} of 40 GETs after the 201 were not the new image "
        f"(status, version, X-Cache: count): {dict(Counter(stale))}"
    )


def test_a_delete_is_seen_at_once_by_every_worker(node: GunicornNode, unique: str) -> None:
    name = f"{unique}/deleted"
    upload_and_warm(node.url, name, OLD, node)
    answer = httpx.delete(f"{node.url}/images/{name}", timeout=30)
    assert answer.status_code == 204, answer.text
    gets = [get(node.url, name, SIZES[attempt % len(SIZES)]) for attempt in range(20)]
    heads = [get(node.url, name, SIZES[attempt % len(SIZES)], "HEAD") for attempt in range(10)]
    served = [(a.status_code, a.headers.get("x-cache")) for a in gets if a.status_code != 404]
    headed = [(a.status_code, a.headers.get("x-cache")) for a in heads if a.status_code != 404]
    assert not served and not headed, (
        f"after the 204, {len(served)} of 20 GETs and {len(headed)} of 10 HEADs were not 404 "
        f"(status, X-Cache: count): {dict(Counter(served + headed))}"
    )
