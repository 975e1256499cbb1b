"""A bounded load test on loopback: uploads, derivations, cache hits and listings at once.

Run: .venv/bin/python bench/load_test.py [--seconds 60] [--clients 16] [--max-requests 100000]
Prints, per operation, the count, errors and latency percentiles, and the server's peak RSS.
An error is a transport failure, any 5xx, or a status the operation does not expect.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import image_repo_server, local_swift, percentile
from tests.images import encoded, jpeg_with_gps, picture

OPERATIONS = {"upload": 0.08, "derive": 0.17, "hit": 0.65, "list": 0.10}


class Load:
    def __init__(self, client: httpx.AsyncClient, seed: int) -> None:
        self.client = client
        self.rng = random.Random(seed)
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.uploads = [jpeg_with_gps(1600, 1200), encoded(picture(1200, 900), "PNG")]

    async def one(self, operation: str, serial: int) -> None:
        if operation == "upload":
            name, body = f"load/up/{serial % 50}", self.rng.choice(self.uploads)
            call, expected = self.client.put(f"/images/{name}", content=body), {201}
        elif operation == "derive":
            width = self.rng.randrange(40, 1200)
            call, expected = (
                self.client.get("/images/load/base/0", params={"xsize": str(width)}),
                {200},
            )
        elif operation == "hit":
            base = self.rng.randrange(4)
            call, expected = (
                self.client.get(f"/images/load/base/{base}", params={"xsize": "300"}),
                {200},
            )
        else:
            call, expected = self.client.get("/images", params={"regex": "^load/up/1"}), {200}
        start = time.perf_counter()
        try:
            answer = await call
            if answer.status_code not in expected:
                self.errors[operation].append(f"{answer.status_code} {answer.text[:120]}")
        except httpx.HTTPError as error:
            self.errors[operation].append(repr(error))
        self.timings[operation].append((time.perf_counter() - start) * 1000)


async def drive(base_url: str, seconds: float, clients: int, max_requests: int) -> Load:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        load = Load(client, seed=1)
        for index in range(4):
            await client.put(
                f"/images/load/base/{index}", content=jpeg_with_gps(2000 + index, 1500)
            )
            await client.get(f"/images/load/base/{index}", params={"xsize": "300"})
        deadline = time.monotonic() + seconds
        counter = iter(range(max_requests))

        async def client_loop() -> None:
            for serial in counter:
                if time.monotonic() > deadline:
                    return
                operation = load.rng.choices(list(OPERATIONS), weights=list(OPERATIONS.values()))[0]
                await load.one(operation, serial)

        await asyncio.gather(*(client_loop() for _ in range(clients)))
        return load


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=100_000)
    args = parser.parse_args()
    with (
        local_swift() as endpoint,
        tempfile.TemporaryDirectory() as scratch,
        image_repo_server(endpoint, Path(scratch)) as server,
    ):
        started = time.monotonic()
        load = asyncio.run(drive(server.base_url, args.seconds, args.clients, args.max_requests))
        elapsed = time.monotonic() - started
        peak = server.peak_rss_mib()
    total = sum(len(t) for t in load.timings.values())
    errors = sum(len(e) for e in load.errors.values())
    rate = total / elapsed
    print(
        f"{total} requests in {elapsed:.1f} s ({rate:.0f}/s),"
        f" {args.clients} clients, {errors} errors"
    )
    headings = ("count", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms")
    print(f"{'operation':10} " + " ".join(f"{h:>8}" for h in headings))
    for operation, timings in sorted(load.timings.items()):
        cells = [percentile(timings, q) for q in (0.5, 0.9, 0.99)] + [max(timings)]
        figures = " ".join(f"{value:8.1f}" for value in cells)
        print(f"{operation:10} {len(timings):8} {len(load.errors[operation]):8} {figures}")
    print(f"server peak RSS: {peak:.0f} MiB")
    for operation, messages in load.errors.items():
        for message in messages[:5]:
            print(f"error in {operation}: {message}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
