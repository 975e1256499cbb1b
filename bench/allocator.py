"""Resident memory after a burst of large cold decodes, with glibc's malloc arenas bounded or not.

Run: .venv/bin/python bench/allocator.py
One image_repo process (uvicorn) per setting of `workers.malloc_arenas`; six large originals
(24 MP JPEGs and 12 MP PNGs) are each asked for at several sizes by 12 clients at once, with
decoded originals not kept (`cache.prepared_cache_bytes: 0`), so every request decodes. VmRSS
is read after the burst and after 3 s idle; the cache budgets are the defaults (memory tier
256 MiB, though these derivatives take a few MiB).
"""

from __future__ import annotations

import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import image_repo_server, local_swift
from tests.images import encoded, jpeg_with_gps, picture

ORIGINALS = 6
SIZES = (200, 400, 800, 1200)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def burst(base: str, arenas: int) -> None:
    originals = [
        jpeg_with_gps(6000, 4000) if i % 2 else encoded(picture(4000, 3000), "PNG")
        for i in range(ORIGINALS)
    ]
    for number, data in enumerate(originals):
        httpx.put(f"{base}/images/bench/big{arenas}_{number}", content=data, timeout=120)
    urls = [
        (f"{base}/images/bench/big{arenas}_{n}", size) for n in range(ORIGINALS) for size in SIZES
    ]
    with ThreadPoolExecutor(12) as clients:
        list(clients.map(lambda u: httpx.get(u[0], params={"xsize": str(u[1])}, timeout=300), urls))


def main() -> int:
    rows = []
    with local_swift() as endpoint, tempfile.TemporaryDirectory() as scratch:
        for arenas in (0, 2):
            with image_repo_server(
                endpoint,
                Path(scratch),
                workers={"malloc_arenas": arenas, "imaging_threads": 4},
                cache={"prepared_cache_bytes": 0},
            ) as server:
                start = rss_mib(server.pid)
                burst(server.base_url, arenas)
                after = rss_mib(server.pid)
                time.sleep(3)
                rows.append((arenas, start, after, rss_mib(server.pid), server.peak_rss_mib()))
    print("malloc_arenas  start MiB  after burst  after 3 s idle  peak")
    for arenas, start, after, idle, peak in rows:
        label = "glibc default" if arenas == 0 else str(arenas)
        print(f"{label:>13}  {start:9.0f}  {after:11.0f}  {idle:14.0f}  {peak:5.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
