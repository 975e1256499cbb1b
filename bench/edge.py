"""Stale answers through a Varnish edge after replaces and deletes, without and with purging, and
Varnish's hit ratio on a repeated workload (SPEC 13).

Run: .venv/bin/python bench/edge.py [--names 30] [--changed 10] [--seconds 10]
Three image_repo nodes (gunicorn, 2 workers each) on one local Swift behind Debian's nginx
running deploy/nginx/image_repo_cluster.conf (tests/cluster.py), behind Debian's Varnish running
deploy/varnish/image_repo.vcl (tests/edge.py); everything on loopback. Twice, with fresh
containers, nodes and Varnish: once with `edge.purge_urls` empty (no purging), once pointing at
Varnish. Each time `--names` images are warmed in Varnish at three sizes, then `--changed` of
them are replaced and as many deleted through Varnish, and every changed name is asked at every
size, over and over for `--seconds`; an answer is stale when it is the old image (decoded
pixels) or a 200 for a deleted name. Answers are cached for cache.original_ttl_seconds (60 s)
by default, so without purging everything is expected stale for the whole window.
The purging run then replays a repeated workload: `--requests` GETs over `--workload-names`
names x 3 sizes, names drawn zipf-like (weight 1/rank), and reports Varnish's hit ratio over
it from varnishstat (MAIN.cache_hit / (hit + miss)).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import attrs
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import local_swift
from image_repo.adapters.edge.purger import SECOND_PURGE_SECONDS
from image_repo.localswift import SwiftEndpoint
from image_repo.localswift.cluster import free_port
from tests.cluster import Cluster, solid_png, version_of
from tests.edge import Varnish

SIZES = (None, 64, 160)
NEW = 63  # white; originals are put at other palette indexes


@attrs.frozen
class Staleness:
    purging: bool
    answers: int
    stale: int
    last_stale_seconds: float  # after the writes, when the last stale answer was seen (0: none)
    write_ms: float  # mean time of a PUT or DELETE through Varnish


@attrs.frozen
class Workload:
    requests: int
    hits: int
    misses: int
    header_hits: int  # answers with X-Cache-Edge: HIT, a cross-check of the counters
    seconds: float

    @property
    def ratio(self) -> float:
        return self.hits / max(1, self.hits + self.misses)


def get(client: httpx.Client, name: str, size: int | None) -> httpx.Response:
    params = {"kind": "png"} | ({"xsize": str(size)} if size else {})
    return client.get(f"/images/{name}", params=params)


def put(client: httpx.Client, name: str, version: int) -> None:
    client.put(f"/images/{name}", content=solid_png(version, 120, 80)).raise_for_status()


def staleness(edge: Varnish, prefix: str, args: argparse.Namespace, purging: bool) -> Staleness:
    names = [f"{prefix}/n{index}" for index in range(args.names)]
    replaced = names[: args.changed]
    deleted = names[args.changed : 2 * args.changed]
    with httpx.Client(base_url=edge.url, timeout=30) as client:
        for index, name in enumerate(names):
            put(client, name, index % NEW)
        for _round in range(2):  # the second round is answered by Varnish
            for name in names:
                for size in SIZES:
                    get(client, name, size).raise_for_status()
        started = time.monotonic()
        for name in replaced:
            put(client, name, NEW)
        for name in deleted:
            client.delete(f"/images/{name}").raise_for_status()
        writes_done = time.monotonic()
        write_ms = (writes_done - started) * 1000 / max(1, len(replaced) + len(deleted))
        answers = stale = 0
        last_stale = 0.0
        for _round in range(10_000):  # bounded in count as well as time
            if time.monotonic() - writes_done > args.seconds:
                break
            for name in replaced + deleted:
                for size in SIZES:
                    answer = get(client, name, size)
                    answers += 1
                    if name in deleted:
                        is_stale = answer.status_code != 404
                    else:
                        is_stale = answer.status_code != 200 or version_of(answer.content) != NEW
                    if is_stale:
                        stale += 1
                        last_stale = time.monotonic() - writes_done
            time.sleep(0.05)
    return Staleness(purging, answers, stale, last_stale, write_ms)


def zipf_workload(edge: Varnish, prefix: str, args: argparse.Namespace) -> Workload:
    names = [f"{prefix}/w{index}" for index in range(args.workload_names)]
    weights = [1 / rank for rank in range(1, len(names) + 1)]
    chooser = random.Random(23)
    with httpx.Client(base_url=edge.url, timeout=30) as client:
        for index, name in enumerate(names):
            put(client, name, index % NEW)
    # Each upload's purge is sent again SECOND_PURGE_SECONDS later: the workload is measured
    # after that, as a repeated workload meets a steady edge.
    time.sleep(SECOND_PURGE_SECONDS + 1)
    # Varnish adds a worker's counts to its shared counters when the worker is done with a
    # connection: read them with no connection open.
    before = edge.counters()
    with httpx.Client(base_url=edge.url, timeout=30) as client:
        started = time.monotonic()
        header_hits = 0
        for _request in range(args.requests):
            name = chooser.choices(names, weights)[0]
            answer = get(client, name, chooser.choice(SIZES))
            answer.raise_for_status()
            header_hits += answer.headers.get("x-cache-edge") == "HIT"
        seconds = time.monotonic() - started
    deadline = time.monotonic() + 5
    while True:  # until the closed connection's counts are in
        after = edge.counters()
        hits = after.get("MAIN.cache_hit", 0) - before.get("MAIN.cache_hit", 0)
        misses = after.get("MAIN.cache_miss", 0) - before.get("MAIN.cache_miss", 0)
        if hits + misses >= args.requests or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    return Workload(args.requests, hits, misses, header_hits, seconds)


def run(
    endpoint: SwiftEndpoint, root: Path, args: argparse.Namespace, purging: bool
) -> tuple[Staleness, Workload | None]:
    suffix = uuid.uuid4().hex[:6]
    containers = (f"e_{suffix}", f"ec_{suffix}")
    port = free_port()
    edge_section: dict[str, Any] = {
        "purge_urls": [f"http://127.0.0.1:{port}/"] if purging else [],
    }
    run_root = root / ("purging" if purging else "plain")
    with (
        Cluster(run_root / "cluster", endpoint, containers, nodes=3, edge=edge_section) as cluster,
        Varnish(run_root / "varnish", cluster.nginx.port, port=port) as varnish,
    ):
        stale = staleness(varnish, f"b{suffix}", args, purging)
        workload = zipf_workload(varnish, f"b{suffix}", args) if purging else None
    return stale, workload


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=30, help="names warmed in Varnish")
    parser.add_argument("--changed", type=int, default=10, help="names replaced, and deleted")
    parser.add_argument("--seconds", type=float, default=10, help="window of reads after writes")
    parser.add_argument("--workload-names", type=int, default=100)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    if 2 * args.changed > args.names:
        parser.error("--changed names are replaced and as many deleted: at most --names / 2")
    with local_swift() as endpoint, tempfile.TemporaryDirectory(prefix="bench-edge-") as scratch:
        plain, _ = run(endpoint, Path(scratch), args, purging=False)
        purged, workload = run(endpoint, Path(scratch), args, purging=True)
    print(
        f"\n3 nodes x 2 workers behind nginx behind Varnish 7 (xkey); {args.names} names x "
        f"{len(SIZES)} sizes warmed; {args.changed} replaced and {args.changed} deleted through "
        f"Varnish; every changed name at every size read for {args.seconds:g} s after\n"
    )
    print("| edge.purge_urls | answers | stale | stale share | last stale after | write mean |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in (plain, purged):
        label = "Varnish (purging)" if row.purging else "empty (no purging)"
        print(
            f"| {label} | {row.answers} | {row.stale} | {row.stale / max(1, row.answers):.1%} "
            f"| {row.last_stale_seconds:.1f} s | {row.write_ms:.0f} ms |"
        )
    assert workload is not None
    print(
        f"\nRepeated workload through Varnish: {workload.requests} GETs over "
        f"{args.workload_names} names x {len(SIZES)} sizes (zipf-like, weight 1/rank), "
        f"{workload.requests / workload.seconds:.0f} req/s on one connection\n"
    )
    print("| cache_hit | cache_miss | hit ratio | X-Cache-Edge: HIT |")
    print("| ---: | ---: | ---: | ---: |")
    print(
        f"| {workload.hits} | {workload.misses} | {workload.ratio:.1%} | {workload.header_hits} |"
    )
    print(
        f"\nstale with purging: {purged.stale} of {purged.answers}; "
        f"without: {plain.stale} of {plain.answers}; hit ratio: {workload.ratio:.1%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
