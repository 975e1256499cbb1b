"""Cache locality of the cluster site: routing by image name against round-robin.

Run: .venv/bin/python bench/cluster_locality.py [--names 60] [--rounds 5] [--clients 8]
Three image_repo nodes (gunicorn, 2 uvicorn workers each, default cache settings) on one local
Swift, behind Debian's nginx running deploy/nginx/image_repo_cluster.conf (tests/cluster.py):
once as shipped (`hash $image_repo_key consistent;`), once with the hash line removed, so nginx
spreads requests round-robin. Each run has fresh containers and fresh nodes; the workload is
the same: every name at every size, `--rounds` times, in a shuffled order, from `--clients`
threads on keep-alive connections to nginx. Reported: the share of answers each tier gave
(X-Cache): a node's own memory or disk, against the Swift cache container or a new derivation,
and the request rate of the whole run.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import attrs
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import local_swift, percentile
from bench.inputs import photo_like
from image_repo.localswift import SwiftEndpoint
from tests.cluster import Cluster, Routing

SIZES = (64, 160, 320, 640)
TIERS = ("memory", "disk", "swift", "derived")


@attrs.frozen
class Result:
    routing: Routing
    tiers: Counter[str]
    seconds: float
    latencies_ms: list[float]

    @property
    def requests(self) -> int:
        return sum(self.tiers.values())

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def share(self, *tiers: str) -> float:
        return sum(self.tiers[tier] for tier in tiers) / max(1, self.requests)


def originals(count: int) -> list[bytes]:
    """Photo-like 1200x900 JPEGs, a few distinct ones reused under many names."""
    made = []
    for seed in range(min(count, 6)):
        buffer = io.BytesIO()
        photo_like(1200, 900, seed=seed).save(buffer, "JPEG", quality=88)
        made.append(buffer.getvalue())
    return [made[i % len(made)] for i in range(count)]


def run(endpoint: SwiftEndpoint, root: Path, routing: Routing, args: argparse.Namespace) -> Result:
    suffix = uuid.uuid4().hex[:6]
    containers = (f"loc_{suffix}", f"loc_cache_{suffix}")
    with Cluster(
        root / routing, endpoint, containers, nodes=3, workers=2, routing=routing
    ) as cluster:
        names = [f"bench/n{i}" for i in range(args.names)]
        with httpx.Client(base_url=cluster.nginx_url, timeout=120) as client:
            for name, body in zip(names, originals(args.names), strict=True):
                client.put(f"/images/{name}", content=body).raise_for_status()
        work = [(name, size) for _round in range(args.rounds) for name in names for size in SIZES]
        shuffler = random.Random(7)
        rounds = len(names) * len(SIZES)
        for start in range(0, len(work), rounds):  # each round in its own shuffled order
            chunk = work[start : start + rounds]
            shuffler.shuffle(chunk)
            work[start : start + rounds] = chunk
        tiers: Counter[str] = Counter()
        latencies: list[float] = []
        lock = threading.Lock()
        cursor = iter(work)
        deadline = time.monotonic() + args.max_seconds

        def client_loop() -> None:
            with httpx.Client(base_url=cluster.nginx_url, timeout=120) as http:
                while time.monotonic() < deadline:
                    with lock:
                        item = next(cursor, None)
                    if item is None:
                        return
                    name, size = item
                    started = time.perf_counter()
                    answer = http.get(f"/images/{name}", params={"xsize": str(size)})
                    elapsed = (time.perf_counter() - started) * 1000
                    answer.raise_for_status()
                    with lock:
                        tiers[answer.headers.get("x-cache", "?")] += 1
                        latencies.append(elapsed)

        threads = [threading.Thread(target=client_loop) for _ in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.max_seconds + 120)
        seconds = time.monotonic() - started
    return Result(routing, tiers, seconds, latencies)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=120, help="bound of each run")
    args = parser.parse_args()
    results = []
    with local_swift() as endpoint, tempfile.TemporaryDirectory(prefix="bench-loc-") as scratch:
        for routing in ("name", "round_robin"):
            results.append(run(endpoint, Path(scratch), routing, args))
    print(
        f"3 nodes x 2 workers behind nginx; {args.names} names x {len(SIZES)} sizes x "
        f"{args.rounds} rounds, {args.clients} clients; 1200x900 JPEG originals"
    )
    header = f"{'routing':12} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
    print(f"{header} {'memory':>7} {'disk':>6} {'swift':>6} {'derived':>7} {'local':>6}")
    for result in results:
        shares = " ".join(
            f"{result.share(tier):{width}.1%}"
            for tier, width in zip(TIERS, (7, 6, 6, 7), strict=True)
        )
        print(
            f"{result.routing:12} {result.requests:8d} {result.rate:7.1f} "
            f"{percentile(result.latencies_ms, 0.5):7.1f} "
            f"{percentile(result.latencies_ms, 0.99):7.1f} {shares} "
            f"{result.share('memory', 'disk'):6.1%}"
        )
    by_name, round_robin = results
    print(
        f"local answers (memory or disk): {by_name.share('memory', 'disk'):.1%} by name, "
        f"{round_robin.share('memory', 'disk'):.1%} round-robin; "
        f"rate ratio: {by_name.rate / round_robin.rate:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
