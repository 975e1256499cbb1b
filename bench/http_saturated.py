"""Cache-hit latency while derivations keep the imaging pool saturated.

Run: .venv/bin/python bench/http_saturated.py [--seconds 15] [--derivers 8]
One image_repo process (uvicorn); `--derivers` clients ask for new sizes of a 24 MP JPEG without
pause (every request a derivation), while one client repeats a memory-cache hit and records its
latency. Target: hit p99 < 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import image_repo_server, local_swift, percentile
from bench.inputs import make_inputs


async def run(base: str, seconds: float, derivers: int) -> tuple[list[float], int, int]:
    sizes = itertools.count()
    deadline = time.monotonic() + seconds
    hits: list[float] = []
    derived = 0
    saturated = 0
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:

        async def derive() -> None:
            nonlocal derived, saturated
            while time.monotonic() < deadline:
                side = 300 + next(sizes) % 1500
                answer = await client.get("/images/bench/big", params={"xsize": str(side)})
                if answer.status_code == 503:
                    saturated += 1
                else:
                    derived += 1

        async def hit() -> None:
            await asyncio.sleep(1)  # let the derivers fill the pool first
            while time.monotonic() < deadline:
                start = time.perf_counter()
                answer = await client.get("/images/bench/big", params={"xsize": "200"})
                hits.append((time.perf_counter() - start) * 1000)
                assert answer.headers["x-cache"] == "memory", answer.headers["x-cache"]
                await asyncio.sleep(0.005)

        await asyncio.gather(hit(), *(derive() for _ in range(derivers)))
    return hits, derived, saturated


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--derivers", type=int, default=8)
    parser.add_argument("--imaging-threads", type=int, default=2)
    args = parser.parse_args()
    original = make_inputs(Path("/var/tmp/image_repo-bench-inputs"))["jpeg24"].read_bytes()
    with (
        local_swift() as endpoint,
        tempfile.TemporaryDirectory() as scratch,
        image_repo_server(
            endpoint,
            Path(scratch),
            workers={"imaging_threads": args.imaging_threads},
            # every derivation decodes the 24 MP original in full: the heaviest load on the pool
            cache={"prepared_cache_bytes": 0},
        ) as server,
    ):
        httpx.put(f"{server.base_url}/images/bench/big", content=original, timeout=60)
        httpx.get(f"{server.base_url}/images/bench/big", params={"xsize": "200"}, timeout=60)
        hits, derived, saturated = asyncio.run(run(server.base_url, args.seconds, args.derivers))
    p50, p99 = percentile(hits, 0.5), percentile(hits, 0.99)
    print(f"{args.derivers} deriving clients: {derived} derivations, {saturated} answered 503")
    print(f"memory hits: {len(hits)}, p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {max(hits):.2f} ms")
    print(f"target p99 < 20 ms: {'ok' if p99 < 20 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
