"""Hostile connections against a plain `image_repo` server, with its memory before and after.

Run: .venv/bin/python bench/abuse.py [--checkout DIR]
Starts the server of DIR (default: this checkout) on loopback with its defaults and an
unreachable Swift (none of these abuses gets as far as Swift), then, one after the other:
stalled uploads (10 declaring 50 MiB, sending 48 MiB, then silent), clients leaving mid-upload
(20), giant headers (8 x 64 MB) and a slowloris (100 connections with unfinished heads). Prints
VmRSS before and after each, its peak (VmHWM, reset before each) and what the server answered.
Every loop is bounded in count and time; figures go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml

MIB = 1 << 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def memory_mib(pid: int) -> tuple[float, float]:
    """VmRSS and VmHWM of `pid`, in MiB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def send_quietly(sock: socket.socket, data: bytes) -> bool:
    try:
        sock.sendall(data)
    except OSError:  # the server refused and closed: what a bounded server does
        return False
    return True


def status_of(sock: socket.socket, timeout: float) -> str:
    sock.settimeout(timeout)
    try:
        head = sock.recv(64)
    except TimeoutError:
        return "none"
    except OSError:
        return "reset"
    return head[9:12].decode() if head.startswith(b"HTTP/1.1 ") else "closed"


def stalled_uploads(port: int) -> str:
    sockets, chunk = [], b"\xff" * MIB
    for i in range(10):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sockets.append(sock)
        head = f"PUT /images/abuse/stall{i}.jpg HTTP/1.1\r\nHost: x\r\nContent-Length: {50 * MIB}"
        if send_quietly(sock, head.encode() + b"\r\n\r\n"):
            for _ in range(48):
                if not send_quietly(sock, chunk):
                    break
    time.sleep(1)
    answers = [status_of(sock, 0.2) for sock in sockets]
    for sock in sockets:
        sock.close()
    return "answers while stalled: " + ",".join(answers)


def clients_leaving(port: int) -> str:
    for i in range(20):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            head = f"PUT /images/abuse/gone{i}.jpg HTTP/1.1\r\nHost: x\r\nContent-Length: {8 * MIB}"
            send_quietly(sock, head.encode() + b"\r\n\r\n" + b"\xff" * MIB)
    time.sleep(1)
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    errors = sum(
        float(line.rpartition(" ")[2])
        for line in metrics.splitlines()
        if line.startswith("image_repo_http_requests_total") and 'status="500"' in line
    )
    return f"500s counted: {errors:.0f}"


def giant_headers(port: int) -> str:
    sent, chunk = [], b"a" * (64 * 1024)
    for _ in range(8):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            total, deadline = 0, time.monotonic() + 20
            send_quietly(sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
            while total < 64 * MIB and time.monotonic() < deadline and send_quietly(sock, chunk):
                total += len(chunk)
            sent.append(total // MIB)
            if total >= 64 * MIB:
                time.sleep(0.5)  # let the server take in what sits in the socket buffers
    return f"MiB accepted per connection: {sent}"


def slowloris(port: int) -> str:
    sockets = []
    for _ in range(100):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        send_quietly(sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        sockets.append(sock)
    started = time.monotonic()
    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).raise_for_status()
    other = (time.monotonic() - started) * 1000
    time.sleep(12)  # past the default server.header_timeout_seconds (10)
    still_open = sum(status_of(sock, 0.01) == "none" for sock in sockets)
    for sock in sockets:
        sock.close()
    return f"another client answered in {other:.0f} ms; open after 12 s: {still_open}/100"


def one_big_upload(port: int) -> str:
    """Not an abuse: the memory one 48 MiB body costs (refused as no image once read whole)."""
    body = b"\xff" * (48 * MIB)
    answer = httpx.put(f"http://127.0.0.1:{port}/images/abuse/big.jpg", content=body, timeout=60)
    return f"answered {answer.status_code}"


def junk_queries(port: int) -> str:
    """4,200 unique ~46 KB queries on one image path: what the memory-hit memo may keep."""
    statuses: dict[int, int] = {}
    with httpx.Client(timeout=30) as client:
        for number in range(4200):
            query = f"xsize=10&junk{number}={'j' * 46_000}"
            status = client.get(f"http://127.0.0.1:{port}/images/abuse/junk?{query}").status_code
            statuses[status] = statuses.get(status, 0) + 1
    return f"statuses {statuses}"


ABUSES: list[tuple[str, Callable[[int], str]]] = [
    ("one 48 MiB upload", one_big_upload),
    ("10 stalled 50 MiB uploads (48 MiB sent)", stalled_uploads),
    ("20 clients leaving mid-upload", clients_leaving),
    ("8 x 64 MB headers", giant_headers),
    ("slowloris, 100 connections", slowloris),
    ("4,200 unique 46 KB junk queries", junk_queries),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkout", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as root:
        config = {
            "server": {"port": port, "log_level": "warning"},
            "cache": {"cache_dir": f"{root}/cache"},
        }
        Path(root, "config.yaml").write_text(yaml.safe_dump(config))
        env = {
            **os.environ,
            "PYTHONPATH": str(args.checkout),
            "ST_AUTH": "http://127.0.0.1:9/auth/v1.0",
            "ST_USER": "abuse:abuse",
            "ST_KEY": "abuse",
        }
        with Path(root, "server.log").open("wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "image_repo.cli", "-c", f"{root}/config.yaml"],
                env=env,
                cwd=root,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            for _ in range(300):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            print(f"server of {args.checkout}, pid {server.pid}")
            print(f"{'abuse':42} {'RSS before':>10} {'RSS after':>10} {'peak':>8}  result")
            for title, abuse in ABUSES:
                Path(f"/proc/{server.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
                before, _ = memory_mib(server.pid)
                result = abuse(port)
                after, peak = memory_mib(server.pid)
                print(f"{title:42} {before:10.0f} {after:10.0f} {peak:8.0f}  {result}")
        finally:
            server.terminate()
            server.wait(timeout=30)
        tracebacks = Path(root, "server.log").read_text().count("Traceback")
        print(f"tracebacks in the server log: {tracebacks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
