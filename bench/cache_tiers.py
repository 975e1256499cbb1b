"""Hit latency of each cache tier over real HTTP: median and p99, sequential requests.

Run: .venv/bin/python bench/cache_tiers.py [--requests N]
Each tier is isolated by configuration: the tiers above it are sized 0 bytes, so every request
is answered by that tier (checked with the X-Cache header).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import image_repo_server, local_swift, percentile, wait_for_cache_writes
from tests.images import jpeg_with_gps

NO_CACHES: dict[str, object] = {
    "memory_cache_bytes": 0,
    "disk_cache_bytes": 0,
    "swift_cache": False,
}
# label: (the X-Cache every request must show, cache settings)
TIERS: dict[str, tuple[str, dict[str, object]]] = {
    "memory": ("memory", {}),
    "disk": ("disk", {"memory_cache_bytes": 0}),
    "swift": ("swift", {"memory_cache_bytes": 0, "disk_cache_bytes": 0}),
    "derived": ("derived", NO_CACHES),
    "derived, decoding": ("derived", {**NO_CACHES, "prepared_cache_bytes": 0}),
}


def measure(base: str, path: str, tier: str, requests: int) -> list[float]:
    params = {"xsize": "800"}
    with httpx.Client(base_url=base, timeout=60) as client:
        client.get(path, params=params).raise_for_status()  # fill the tiers
        wait_for_cache_writes(base)
        timings = []
        for _ in range(requests):
            start = time.perf_counter()
            answer = client.get(path, params=params)
            timings.append((time.perf_counter() - start) * 1000)
            if answer.headers.get("x-cache") != tier:
                raise SystemExit(f"expected X-Cache {tier}, got {answer.headers.get('x-cache')}")
    return timings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    original = jpeg_with_gps(4000, 3000)  # 12 MP, served fitted into 800 px
    workload = f"{args.requests} sequential GETs, 12 MP JPEG -> 800 px"
    print(f"{'tier':18} {'median ms':>10} {'p99 ms':>8}  ({workload})")
    with local_swift() as endpoint, tempfile.TemporaryDirectory() as scratch:
        for number, (label, (tier, cache)) in enumerate(TIERS.items()):
            with image_repo_server(endpoint, Path(scratch), cache=cache) as server:
                base = server.base_url
                path = f"/images/bench/tier{number}"
                httpx.put(base + path, content=original, timeout=60).raise_for_status()
                count = args.requests if tier != "derived" else max(20, args.requests // 10)
                timings = measure(base, path, tier, count)
                median, p99 = percentile(timings, 0.5), percentile(timings, 0.99)
                print(f"{label:18} {median:10.2f} {p99:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
