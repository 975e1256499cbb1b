"""Stale reads after a re-upload or a DELETE: one node with 4 gunicorn workers, and two nodes.

Run: .venv/bin/python bench/stale_reads.py
What issue 10 saw, measured the same way: an image is uploaded and fetched at three sizes on
many new connections (every worker learns it, memory and disk hold it), then replaced (or
deleted) and fetched again, each GET on a new connection; an answer that is not the new image
(or not a 404) is stale. The same is counted on a second node that was warmed directly and is
asked directly after the write went through the first: a request that bypasses the cluster
site's routing, which SPEC 7 allows to be stale for cache.original_ttl_seconds.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import local_swift
from tests.cluster import GunicornNode, solid_png, version_of

SIZES = (None, 40, 120)
OLD, NEW = 0, 63


def get(base_url: str, name: str, size: int | None) -> httpx.Response:
    """A new connection per call, so the kernel spreads the requests over the workers."""
    params = {"kind": "png"} | ({"xsize": str(size)} if size else {})
    return httpx.get(f"{base_url}/images/{name}", params=params, timeout=30)


def warm(base_url: str, name: str) -> None:
    for _round in range(12):
        for size in SIZES:
            get(base_url, name, size).raise_for_status()


def stale_after_replace(writer: str, reader: str, name: str, node: GunicornNode) -> int:
    httpx.put(f"{writer}/images/{name}", content=solid_png(OLD), timeout=30).raise_for_status()
    warm(reader, name)
    node.wait_for_cache_writes()
    httpx.put(f"{writer}/images/{name}", content=solid_png(NEW), timeout=30).raise_for_status()
    answers = [get(reader, name, SIZES[i % 3]) for i in range(40)]
    return sum(a.status_code != 200 or version_of(a.content) != NEW for a in answers)


def stale_after_delete(writer: str, reader: str, name: str, node: GunicornNode) -> int:
    httpx.put(f"{writer}/images/{name}", content=solid_png(OLD), timeout=30).raise_for_status()
    warm(reader, name)
    node.wait_for_cache_writes()
    httpx.delete(f"{writer}/images/{name}", timeout=30).raise_for_status()
    return sum(get(reader, name, SIZES[i % 3]).status_code != 404 for i in range(20))


def main() -> int:
    suffix = uuid.uuid4().hex[:6]
    containers = (f"d_{suffix}", f"c_{suffix}")
    with local_swift() as endpoint, tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        first = GunicornNode(root / "a", endpoint, containers, workers=4).start()
        second = GunicornNode(root / "b", endpoint, containers, workers=2).start()
        try:
            rows = [
                ("one node, 4 workers: GETs after a re-upload", 40, stale_after_replace(
                    first.url, first.url, f"s{suffix}/replaced", first)),
                ("one node, 4 workers: GETs after a DELETE", 20, stale_after_delete(
                    first.url, first.url, f"s{suffix}/deleted", first)),
                ("second node asked directly, after a re-upload", 40, stale_after_replace(
                    first.url, second.url, f"s{suffix}/other-replaced", second)),
                ("second node asked directly, after a DELETE", 20, stale_after_delete(
                    first.url, second.url, f"s{suffix}/other-deleted", second)),
            ]  # fmt: skip
        finally:
            first.stop(seconds=15)
            second.stop(seconds=15)
    for label, total, stale in rows:
        print(f"{label:50} {stale:3d} of {total} stale")
    return 0


if __name__ == "__main__":
    sys.exit(main())
