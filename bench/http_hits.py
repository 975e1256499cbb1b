"""Memory-cache hits over HTTP with wrk, beside nginx serving the same bytes as a static file.

Run: .venv/bin/python bench/http_hits.py [--seconds 10] [--connections 32] [--rounds 1]
    [--unsigned] [--access-log]
image_repo runs under gunicorn with 2 uvicorn workers (deploy/gunicorn.conf.py); both workers
are warmed so every measured request is a memory hit. wrk (Debian's package) drives both.
As SPEC 12 measures it: coherence as the defaults have it (the name generations shared by the
workers in cache_dir) and signed URLs on (`server.url_signing_keys`; the URL wrk asks for
carries its `sig`); `--unsigned` leaves signing off. `log_level: warning` (no access lines)
unless `--access-log`. With `--rounds N` the two servers take turns N times, and the ratio
printed last is the median of the rounds' ratios: on a shared 2-core machine one round tells
little.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import local_swift
from image_repo.domain.url_signatures import UrlSignatures
from image_repo.localswift.cluster import free_port
from tests.cluster import nginx_binary
from tests.debian import ensure_debian_package
from tests.images import jpeg_with_gps
from tests.integration.test_production import start_gunicorn

SIGNING_KEYS = ["bench-hits-key-1", "bench-hits-key-2"]  # the first signs, either verifies
PATH = "/images/bench/hit?xsize=800"


def wrk(url: str, seconds: int, connections: int) -> tuple[float, str]:
    """Requests per second and wrk's latency line; any answer but a 2xx/3xx fails the run."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failed requests at {url}:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    latency = re.search(r"99%\s+(\S+)", output)
    return rate, latency[1] if latency else "?"


def static_nginx(root: Path, content: bytes) -> tuple[subprocess.Popen[bytes], str]:
    (root / "www").mkdir()
    (root / "www" / "image.jpg").write_bytes(content)
    port = free_port()
    (root / "nginx.conf").write_text(
        f"user root;\nworker_processes 2;\npid {root / 'nginx.pid'};\n"
        f"error_log {root / 'error.log'};\n"
        "daemon off;\nevents { worker_connections 1024; }\n"
        f"http {{ access_log off; server {{ listen 127.0.0.1:{port}; root {root / 'www'}; }} }}\n"
    )
    process = subprocess.Popen(
        [nginx_binary(), "-p", str(root), "-c", str(root / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/image.jpg"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError((root / "error.log").read_text()[-2000:])


def warm(base: str, path: str, signed: bool) -> bytes:
    """Every worker's memory tier holds the image (new connections go to both workers), and
    the URL measured is refused without its signature when signing is on."""
    httpx.put(f"{base}/images/bench/hit", content=jpeg_with_gps(4000, 3000), timeout=60)
    for _ in range(50):
        answer = httpx.get(f"{base}{path}", timeout=60)
        answer.raise_for_status()
    if answer.headers["x-cache"] != "memory":
        raise RuntimeError(f"the warmed URL is not a memory hit: X-Cache {answer.headers}")
    unsigned = httpx.get(f"{base}{PATH}", timeout=60).status_code
    if unsigned != (403 if signed else 200):
        raise RuntimeError(f"the unsigned URL answered {unsigned}")
    return answer.content


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--unsigned", action="store_true", help="server.url_signing_keys: []")
    parser.add_argument("--access-log", action="store_true", help="log_level: info")
    args = parser.parse_args()
    ensure_debian_package("wrk", "wrk")
    suffix = uuid.uuid4().hex[:6]
    keys = [] if args.unsigned else SIGNING_KEYS
    server: dict[str, object] = {"url_signing_keys": keys}
    if args.access_log:
        server["log_level"] = "info"
    path = UrlSignatures(tuple(keys)).sign(PATH) if keys else PATH
    rounds: list[tuple[float, str, float, str]] = []
    with local_swift() as endpoint, tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        containers = (f"d_{suffix}", f"c_{suffix}")
        gunicorn, base, _ = start_gunicorn(root, endpoint, containers, server=server)
        try:
            content = warm(base, path, signed=bool(keys))
            (root / "static").mkdir()
            nginx, static_url = static_nginx(root / "static", content)
            try:
                for _ in range(args.rounds):
                    ours_run = wrk(f"{base}{path}", args.seconds, args.connections)
                    static_run = wrk(static_url, args.seconds, args.connections)
                    rounds.append((*ours_run, *static_run))
            finally:
                nginx.terminate()
                nginx.wait(timeout=10)
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=40)
    signing = "off" if args.unsigned else f"on ({len(keys)} keys)"
    print(
        f"{len(content)} bytes per response, {args.connections} connections, {args.seconds} s "
        f"each, signed URLs {signing}, access log {'on' if args.access_log else 'off'}"
    )
    for ours, ours_p99, static, static_p99 in rounds:
        print(f"image_repo memory hits (2 workers): {ours:9.0f} req/s   p99 {ours_p99}")
        print(f"nginx static file (2 workers):      {static:9.0f} req/s   p99 {static_p99}")
        if len(rounds) > 1:
            print(f"  round ratio: {ours / static:.1%}")
    ratio = statistics.median(ours / static for ours, _, static, _ in rounds)
    of_rounds = f", median of {len(rounds)} rounds" if len(rounds) > 1 else ""
    print(f"ratio: {ratio:.1%} (target >= 50%{of_rounds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
