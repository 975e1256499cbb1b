"""Start a local Swift and image_repo servers for benchmarks (loopback only)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import httpx
import yaml

from image_repo.localswift import LocalSwift, SwiftEndpoint, ensure_swift_installed
from image_repo.localswift.cluster import free_port
from tests.debian import ensure_debian_package

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def local_swift() -> Iterator[SwiftEndpoint]:
    """Swift with memcached, as production proxies run (see LocalSwift)."""
    venv = REPO / ".venv-swift"
    ensure_swift_installed(venv)
    memcached = ensure_debian_package("memcached", "memcached")
    with tempfile.TemporaryDirectory(prefix="bench-saio-") as data:
        swift = LocalSwift(Path(data), venv, memcached=memcached)
        try:
            yield swift.start()
        finally:
            swift.stop()


@attrs.frozen
class Server:
    base_url: str
    pid: int

    def peak_rss_mib(self) -> float:
        """The process's high-water mark of resident memory (VmHWM), in MiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


@contextmanager
def image_repo_server(endpoint: SwiftEndpoint, root: Path, **sections: Any) -> Iterator[Server]:
    """One `image_repo` process (uvicorn) on a free loopback port."""
    port = free_port()
    config: dict[str, dict[str, Any]] = {
        "server": {"host": "127.0.0.1", "port": port, "log_level": "warning"},
        "swift": {"container": f"bench_{uuid.uuid4().hex[:6]}", "cache_container": "bench_cache"},
        "cache": {"cache_dir": str(root / f"cache-{port}")},
    }
    for section, values in sections.items():
        config.setdefault(section, {}).update(values)
    path = root / f"config-{port}.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {**os.environ, **endpoint.environ()}
    log = (root / f"server-{port}.log").open("wb")
    # Started outside the checkout: `python -m` puts the working folder first on sys.path,
    # which would shadow a PYTHONPATH naming another checkout (the "before" runs).
    process = subprocess.Popen(
        [sys.executable, "-m", "image_repo.cli", "-c", str(path)],
        env=env,
        stdout=log,
        stderr=log,
        cwd=root,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        is_healthy(base, within_seconds=30)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def is_healthy(base_url: str, within_seconds: float) -> bool:
    """Whether the server at `base_url` answers /healthz with a 200 within that long."""
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            time.sleep(0.1)
    return False


def wait_for_cache_writes(base_url: str, timeout_seconds: float = 300) -> float:
    """Seconds until no disk or Swift cache write is queued in any worker (write-behind)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_seconds:
        exposition = httpx.get(f"{base_url}/metrics", timeout=10).text
        queued = re.search(r"^image_repo_write_behind_bytes (\S+)$", exposition, re.MULTILINE)
        if queued is None or float(queued[1]) == 0:
            break
        time.sleep(0.02)
    return time.monotonic() - start


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def swift_cpu_seconds() -> float:
    """CPU seconds the bench's local Swift has used so far: every process whose command line
    names its data folder (`bench-saio-...`, see local_swift), from /proc (Linux). Reported for
    context; never counted as a server's."""
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            if b"bench-saio-" not in (process / "cmdline").read_bytes():
                continue
            fields = (process / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total
