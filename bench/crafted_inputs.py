"""The crafted inputs of issue 21 (tests/crafted.py) against a plain `image_repo` server.

Run: .venv/bin/python bench/crafted_inputs.py [--checkout DIR] [--timeout 60] [--processor P]
Starts a local Swift (single node) and the server of DIR (default: this checkout) on loopback
under a 6 GiB address-space cap (RLIMIT_AS, so the machine itself can never run out of memory).
Each case gets a freshly started server (memory one case leaves behind, kept in glibc's arenas,
would push the next case to the cap). For each case: PUT it, then GET it as thumbnail=true,
kind=png, kind=webp, kind=gif and kind=avif; then put it straight into the data container (as
another tool would) under another name and GET it (xsize=64) and its meta=true. Each request is
timed (wall), its server CPU read from /proc/PID/stat (utime+stime before and after), and the
server's peak RSS (VmHWM, reset through /proc/PID/clear_refs before each) and RSS after it
recorded. A request past --timeout is "timeout" and the server, still busy with it, is restarted
so the next figures are its own; a server found dead is "died" and restarted. Prints a markdown
table (and writes it to --out when given).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import httpx
import yaml
from swiftclient.client import Connection

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.harness import is_healthy  # noqa: E402
from image_repo.localswift import LocalSwift, SwiftEndpoint, ensure_swift_installed  # noqa: E402
from image_repo.localswift.cluster import free_port  # noqa: E402
from tests.crafted import CRAFTED, crafted, extension  # noqa: E402
from tests.images import encoded, picture  # noqa: E402

GIB = 1 << 30
TICKS = os.sysconf("SC_CLK_TCK")
GETS = [
    ("thumbnail", {"thumbnail": "true"}),
    ("png", {"kind": "png"}),
    ("webp", {"kind": "webp"}),
    ("gif", {"kind": "gif"}),
    ("avif", {"kind": "avif"}),
]
# Resized to 16 wide, its frames all come out identical (Pillow's GIF writer merges them).
EXTRA_GETS = {"gif_merging_frames": [("gif xsize=16", {"kind": "gif", "xsize": "16"})]}
RAW_GETS = [("raw xsize=64", {"xsize": "64"}), ("raw meta", {"meta": "true"})]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


def memory_mib(pid: int) -> tuple[float, float]:
    """VmRSS and VmHWM (the peak since the last reset) of `pid`, in MiB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


@attrs.frozen
class Figures:
    case: str
    request: str
    status: str
    wall: float
    cpu: float
    peak_mib: float
    rss_after_mib: float


class Server:
    """The checkout's server, restartable on the same port and configuration."""

    def __init__(
        self, checkout: Path, endpoint: SwiftEndpoint, root: Path, cap: int, processor: str
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        suffix = uuid.uuid4().hex[:6]
        self.container = f"crafted_{suffix}"
        config: dict[str, dict[str, Any]] = {
            "server": {"host": "127.0.0.1", "port": self.port, "log_level": "warning"},
            "swift": {"container": self.container, "cache_container": f"crafted_cache_{suffix}"},
            "cache": {"cache_dir": str(root / "cache")},
            "images": {"processor": processor},
        }
        self.root = root
        self.config = root / "config.yaml"
        self.config.write_text(yaml.safe_dump(config))
        self.log = root / "server.log"
        self.env = {**os.environ, **endpoint.environ(), "PYTHONPATH": str(checkout)}
        self.cap = cap
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def _limit(self) -> None:
        resource.setrlimit(resource.RLIMIT_AS, (self.cap, self.cap))

    def start(self) -> None:
        with self.log.open("ab") as log:
            # Started outside the checkout: `python -m` puts the working folder first on
            # sys.path, which would shadow the PYTHONPATH naming the checkout.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "image_repo.cli", "-c", str(self.config)],
                env=self.env,
                cwd=self.root,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=self._limit,
            )
        if not is_healthy(self.base_url, within_seconds=60):
            raise RuntimeError(f"the server did not start: see {self.log}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None

    def restart(self) -> None:
        self.restarts += 1
        self.fresh()

    def fresh(self) -> None:
        self.stop()
        self.start()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            return False
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    def measure(
        self,
        case: str,
        request: str,
        send: Callable[[httpx.Client], httpx.Response],
        timeout: float,
    ) -> Figures:
        """One request: status, wall time, CPU of the server and its peak RSS meanwhile."""
        pid = self.pid
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
        cpu = cpu_seconds(pid)
        started = time.monotonic()
        status = ""
        try:
            with httpx.Client(base_url=self.base_url, timeout=timeout) as client:
                status = str(send(client).status_code)
        except httpx.TimeoutException:
            status = "timeout"
        except httpx.TransportError:
            status = "reset"
        wall = time.monotonic() - started
        if self.process is None or self.process.poll() is not None:
            nan = float("nan")
            figures = Figures(case, request, "died", wall, nan, nan, nan)
            self.restart()
            return figures
        rss, peak = memory_mib(pid)
        figures = Figures(case, request, status, wall, cpu_seconds(pid) - cpu, peak, rss)
        if status == "timeout":  # still working on it: start afresh for the next figures
            self.restart()
        return figures


def getter(path: str, params: dict[str, str]) -> Callable[[httpx.Client], httpx.Response]:
    return lambda client: client.get(path, params=params)


def run_case(
    server: Server, swift: Connection, name: str, data: bytes, timeout: float
) -> list[Figures]:
    path = f"/images/crafted/{name}.{extension(name)}"
    results = [server.measure(name, "PUT", lambda c: c.put(path, content=data), timeout)]
    for title, params in GETS + EXTRA_GETS.get(name, []):
        results.append(server.measure(name, f"GET {title}", getter(path, params), timeout))
    raw = f"raw/{name}"
    swift.put_object(server.container, raw, data)
    for title, params in RAW_GETS:
        results.append(
            server.measure(name, f"GET {title}", getter(f"/images/{raw}", params), timeout)
        )
    if not server.alive():
        nan = float("nan")
        results.append(Figures(name, "GET /healthz", "died", 0.0, nan, nan, nan))
        server.restart()
    return results


def normal_requests(server: Server, timeout: float) -> list[Figures]:
    """A real photo, uploaded and served, after the corpus: the server still serves."""
    data = encoded(picture(1600, 1200), "JPEG", quality=90)
    path = "/images/crafted/normal.jpg"
    return [
        server.measure("normal JPEG", "PUT", lambda c: c.put(path, content=data), timeout),
        server.measure(
            "normal JPEG", "GET xsize=400", lambda c: c.get(path, params={"xsize": "400"}), timeout
        ),
    ]


def table(results: list[Figures], sizes: dict[str, int]) -> str:
    lines = [
        "| case | bytes | request | status | wall s | server CPU s | peak RSS MiB"
        " | RSS after MiB |",
        "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in results:
        size = f"{sizes[row.case]:,}" if row.case in sizes else ""
        lines.append(
            f"| {row.case} | {size} | {row.request} | {row.status} | {row.wall:.2f}"
            f" | {row.cpu:.2f} | {row.peak_mib:.0f} | {row.rss_after_mib:.0f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkout", type=Path, default=REPO)
    parser.add_argument("--timeout", type=float, default=60.0, help="client timeout, seconds")
    parser.add_argument("--cap-gib", type=float, default=6.0, help="RLIMIT_AS of the server")
    parser.add_argument("--processor", default="pillow", choices=["pillow", "vips"])
    parser.add_argument("--cases", nargs="*", default=list(CRAFTED), choices=list(CRAFTED))
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    venv = REPO / ".venv-swift"
    ensure_swift_installed(venv)
    results: list[Figures] = []
    sizes: dict[str, int] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-crafted-") as tmp:
        root = Path(tmp)
        with LocalSwift(root / "saio", venv) as local:
            endpoint = local.endpoint
            server = Server(
                args.checkout.resolve(), endpoint, root, int(args.cap_gib * GIB), args.processor
            )
            server.start()
            swift = Connection(endpoint.auth_url, endpoint.user, endpoint.key)
            try:
                for index, name in enumerate(args.cases):
                    if index:  # what one case left in memory must not push the next to the cap
                        server.fresh()
                    data = crafted(name)
                    sizes[name] = len(data)
                    for row in run_case(server, swift, name, data, args.timeout):
                        results.append(row)
                        print(
                            f"{row.case:28} {row.request:18} {row.status:8}"
                            f" {row.wall:7.2f} s {row.cpu:7.2f} s CPU {row.peak_mib:7.0f} MiB"
                            f" (after: {row.rss_after_mib:.0f} MiB)",
                            flush=True,
                        )
                results.extend(normal_requests(server, args.timeout))  # after the last case
            finally:
                swift.close()
                server.stop()
            tracebacks = server.log.read_text(errors="replace").count("Traceback")
    minutes = (time.monotonic() - started) / 60
    head = (
        f"Server of `{args.checkout}` ({args.processor}), RLIMIT_AS {args.cap_gib:g} GiB, client"
        f" timeout {args.timeout:g} s; restarts: {server.restarts}; tracebacks in its log:"
        f" {tracebacks}; {minutes:.1f} min in all.\n\n"
    )
    output = head + table(results, sizes) + "\n"
    print()
    print(output)
    if args.out is not None:
        args.out.write_text(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
