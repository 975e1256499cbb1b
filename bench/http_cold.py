"""Cold derivations over HTTP: image_repo (gunicorn, 2 workers) beside thumbor 7.8, same run.

Run: .venv/bin/python bench/http_cold.py [--seconds 20] [--thumbor-venv .venv-thumbor]
imgproxy's published workload: a large JPEG (here 24 MP) fitted into a box near 500x500, four
concurrent clients. Every request asks for a box not asked before, so each one is a real
derivation in both servers. thumbor needs Pillow < 13, so it lives in its own virtual
environment (created on first use); it reads the JPEG with its file loader.

thumbor runs as two single-process instances with two clients pinned to each: its own
`--processes 2` lets the kernel hand all four keep-alive connections to one process, which
halves its rate on some runs. image_repo's rate counts the time its write-behind queue takes
to drain after the last answer, so no work is left out of the measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import local_swift, percentile, wait_for_cache_writes
from bench.inputs import make_inputs
from image_repo.localswift.cluster import free_port
from tests.integration.test_production import start_gunicorn

THUMBOR = "thumbor==7.8.0"


def ensure_thumbor(venv: Path) -> Path:
    thumbor = venv / "bin" / "thumbor"
    if not thumbor.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([venv / "bin" / "pip", "install", "--quiet", THUMBOR], check=True)
    return thumbor


def start_thumbor(thumbor: Path, root: Path, images: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = root / f"thumbor-{port}.conf"
    config.write_text(
        "LOADER = 'thumbor.loaders.file_loader'\n"
        f"FILE_LOADER_ROOT_PATH = '{images}'\n"
        "STORAGE = 'thumbor.storages.no_storage'\n"
        "RESULT_STORAGE = None\n"
        "ALLOW_UNSAFE_URL = True\n"
        "QUALITY = 85\n"
        "MAX_PIXELS = 75000000\n"
    )
    log_path = root / f"thumbor-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                thumbor,
                "--port",
                str(port),
                "--conf",
                str(config),
                "--processes",
                "1",
                "-l",
                "error",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    wait_until_alive_path(url + "/healthcheck", process, log_path)
    return process, url


def wait_until_alive_path(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text()[-2000:])
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("thumbor did not start")


async def drive(url_for: Callable[[int, int], str], seconds: float, clients: int) -> list[float]:
    """`clients` loops, each with its own connection; url_for(request number, client)."""
    sizes = itertools.count()
    timings: list[float] = []
    deadline = time.monotonic() + seconds

    async def loop(client_number: int) -> None:
        async with httpx.AsyncClient(timeout=120) as client:
            while time.monotonic() < deadline:
                start = time.perf_counter()
                answer = await client.get(url_for(next(sizes), client_number))
                answer.raise_for_status()
                timings.append(time.perf_counter() - start)

    await asyncio.gather(*(loop(n) for n in range(clients)))
    return timings


def report(label: str, timings: list[float], seconds: float) -> float:
    rate = len(timings) / seconds
    p50, p99 = percentile(timings, 0.5) * 1000, percentile(timings, 0.99) * 1000
    print(f"{label:34} {rate:7.2f} req/s   p50 {p50:6.0f} ms   p99 {p99:6.0f} ms")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--thumbor-venv", type=Path, default=Path(".venv-thumbor"))
    parser.add_argument(
        "--no-swift-cache", action="store_true", help="image_repo with cache.swift_cache: false"
    )
    parser.add_argument(
        "--cache-ttl",
        type=int,
        help="image_repo with this cache.swift_cache_ttl_seconds (0: no X-Delete-After)",
    )
    parser.add_argument(
        "--no-prepared-cache",
        action="store_true",
        help="image_repo with cache.prepared_cache_bytes: 0 (every request decodes in full)",
    )
    args = parser.parse_args()
    thumbor = ensure_thumbor(args.thumbor_venv.absolute())
    inputs = make_inputs(Path("/var/tmp/image_repo-bench-inputs"))
    original = inputs["jpeg24"].read_bytes()
    suffix = uuid.uuid4().hex[:6]
    with local_swift() as endpoint, tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        cache: dict[str, object] = {}
        if args.no_swift_cache:
            cache["swift_cache"] = False
        if args.no_prepared_cache:
            cache["prepared_cache_bytes"] = 0
        if args.cache_ttl is not None:
            cache["swift_cache_ttl_seconds"] = args.cache_ttl
        containers = (f"d_{suffix}", f"c_{suffix}")
        gunicorn, base, _ = start_gunicorn(root, endpoint, containers, cache)
        thumbors = [start_thumbor(thumbor, root, inputs["jpeg24"].parent) for _ in range(2)]
        try:
            httpx.put(f"{base}/images/bench/large", content=original, timeout=60).raise_for_status()
            for worker_warmup in range(4):  # original into both workers' memory
                httpx.get(f"{base}/images/bench/large?xsize={900 + worker_warmup}", timeout=60)
            name = inputs["jpeg24"].name

            def box(i: int) -> tuple[int, int]:
                """A box never asked before: 400 x 400 distinct boxes near 500x500."""
                return 500 - i % 400, 500 - (i // 400) % 400

            def ours_url(i: int, _client: int) -> str:
                width, height = box(i)
                return f"{base}/images/bench/large?xsize={width}&ysize={height}&kind=jpeg"

            def thumbor_path(i: int, client: int) -> str:
                width, height = box(i)
                instance = thumbors[client % len(thumbors)][1]
                return f"{instance}/unsafe/fit-in/{width}x{height}/{name}"

            ours = asyncio.run(drive(ours_url, args.seconds, args.clients))
            draining = wait_for_cache_writes(base)
            theirs = asyncio.run(drive(thumbor_path, args.seconds, args.clients))
        finally:
            for process, _ in thumbors:
                process.terminate()
            gunicorn.terminate()
            gunicorn.wait(timeout=40)
            for process, _ in thumbors:
                process.wait(timeout=20)
    print(f"24 MP JPEG -> fit ~500x500, {args.clients} clients, {args.seconds:.0f} s each")
    label = "image_repo (2 workers)" + "".join(f", {key}: {value}" for key, value in cache.items())
    mine = report(label, ours, args.seconds + draining)
    print(f"  (cache writes drained {draining:.1f} s after the last answer; counted in the rate)")
    peer = report("thumbor 7.8 (2 instances)", theirs, args.seconds)
    print(f"ratio: {mine / peer:.2f}x thumbor (target >= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
