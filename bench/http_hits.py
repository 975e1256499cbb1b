"""Memory-cache hits over HTTP with wrk, beside nginx serving the same bytes as a static file.

Run: .venv/bin/python bench/http_hits.py [--seconds 10] [--connections 32]
image_repo runs under gunicorn with 2 uvicorn workers (deploy/gunicorn.conf.py); both workers
are warmed so every measured request is a memory hit. wrk (Debian's package) drives both.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import local_swift
from image_repo.localswift.cluster import free_port
from tests.cluster import nginx_binary
from tests.debian import ensure_debian_package
from tests.images import jpeg_with_gps
from tests.integration.test_production import start_gunicorn


def wrk(url: str, seconds: int, connections: int) -> tuple[float, str]:
    """Requests per second and wrk's latency line."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    ensure_debian_package("wrk", "wrk")
    suffix = uuid.uuid4().hex[:6]
    with local_swift() as endpoint, tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        gunicorn, base, _ = start_gunicorn(root, endpoint, (f"d_{suffix}", f"c_{suffix}"))
        try:
            httpx.put(f"{base}/images/bench/hit", content=jpeg_with_gps(4000, 3000), timeout=60)
            url = f"{base}/images/bench/hit?xsize=800"
            for _ in range(50):  # reach both workers' memory tiers
                content = httpx.get(url, timeout=60).content
            (root / "static").mkdir()
            nginx, static_url = static_nginx(root / "static", content)
            try:
                ours, ours_p99 = wrk(url, args.seconds, args.connections)
                static, static_p99 = wrk(static_url, args.seconds, args.connections)
            finally:
                nginx.terminate()
                nginx.wait(timeout=10)
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=40)
    print(
        f"{len(content)} bytes per response, {args.connections} connections, {args.seconds} s each"
    )
    print(f"image_repo memory hits (2 workers): {ours:9.0f} req/s   p99 {ours_p99}")
    print(f"nginx static file (2 workers):      {static:9.0f} req/s   p99 {static_p99}")
    print(f"ratio: {ours / static:.1%} (target >= 35%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
