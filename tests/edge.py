"""Debian's Varnish running the shipped VCL (deploy/varnish/image_repo.vcl) in front of a
backend on loopback (the cluster's nginx), for the integration tests and bench/.

    with Varnish(root, backend_port=cluster.nginx.port, port=port) as varnish:
        httpx.get(f"{varnish.url}/images/cat")
        varnish.pause()  # SIGSTOP: connections hang (the kernel still accepts them)
        varnish.resume()
        varnish.counter("MAIN.cache_hit")

Only the backend port is substituted in the VCL. varnishd runs in the foreground (`-F`) in its
own session, so manager and cache child are paused and killed together. The suite runs as root:
`-j none` keeps every Varnish process root, where the default `unix` jail would hand the working
folder to the `varnish` user and run the cache child as `vcache` (users only the Debian package
creates), leaving files a test's cleanup may not expect.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx

from image_repo.localswift.cluster import free_port
from image_repo.localswift.processes import Started
from tests.debian import ensure_debian_package

REPO = Path(__file__).resolve().parents[1]
VCL = REPO / "deploy" / "varnish" / "image_repo.vcl"
BACKEND_PORT = re.compile(r'^(\s*\.port = )"80";$', re.MULTILINE)
VMOD_DIRS = (Path("/usr/lib/x86_64-linux-gnu/varnish/vmods"), Path("/usr/lib/varnish/vmods"))


def varnish_binaries() -> tuple[str, str]:
    """`varnishd` and `varnishstat`, with the xkey vmod, installed when the machine lacks them
    (CI starts without Varnish)."""
    varnishd = ensure_debian_package("varnishd", "varnish")
    varnishstat = ensure_debian_package("varnishstat", "varnish")
    if not any((folder / "libvmod_xkey.so").exists() for folder in VMOD_DIRS):
        # A library, no program: ensure_debian_package cannot tell whether it is there.
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
        install = ["apt-get", "install", "-y", "-q", "varnish-modules"]
        subprocess.run(install, check=True, env=env, capture_output=True)
    if not any((folder / "libvmod_xkey.so").exists() for folder in VMOD_DIRS):
        raise RuntimeError("varnish-modules installed no libvmod_xkey.so")
    return varnishd, varnishstat


def vcl_for(backend_port: int) -> str:
    vcl, found = BACKEND_PORT.subn(rf'\g<1>"{backend_port}";', VCL.read_text())
    if found != 1:
        raise RuntimeError(f'{VCL}: expected one `.port = "80";` line')
    return vcl


class Varnish(Started):
    """varnishd -F with the shipped VCL on `port` (free when None), caching in 64 MiB of memory,
    its working folder (shared memory log, compiled VCL) under `root`."""

    def __init__(self, root: Path, backend_port: int, *, port: int | None = None) -> None:
        self.root = root
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = root / "work"
        self.vcl_path = root / "image_repo.vcl"
        self.log_path = root / "varnishd.log"
        root.mkdir(parents=True, exist_ok=True)
        self.vcl_path.write_text(vcl_for(backend_port))
        self.process: subprocess.Popen[bytes] | None = None
        self._varnishstat = ""

    def start(self, seconds: float = 60) -> Varnish:
        varnishd, self._varnishstat = varnish_binaries()
        command = [
            varnishd, "-F", "-j", "none", "-n", str(self.workdir),
            "-a", f"127.0.0.1:{self.port}", "-T", "127.0.0.1:0",
            "-f", str(self.vcl_path), "-s", "malloc,64m",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"varnishd exited early:\n{self._tail()}")
            try:
                # Any answer will do (the backend may not be up): Varnish is serving.
                httpx.request("OPTIONS", f"{self.url}/healthz", timeout=2)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"varnishd did not answer in {seconds:g} s:\n{self._tail()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self._signal(signal.SIGCONT)  # a paused varnishd cannot act on SIGTERM
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self._signal(signal.SIGKILL)  # the cache child, should the manager have left it
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.process = None

    def pause(self) -> None:
        """SIGSTOP to manager and child: new connections are accepted by the kernel and hang,
        as with an edge that is overloaded or cut off, rather than refused."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, signum: int) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def counters(self) -> dict[str, int]:
        """Every counter of `varnishstat -1 -j` (Varnish 7's layout: {"counters": {...}}).
        A worker adds its counts to these when it is done with a connection: a keep-alive
        client's requests show up once it has closed (or gone idle)."""
        answer = subprocess.run(
            [self._varnishstat or varnish_binaries()[1], "-n", str(self.workdir), "-1", "-j"],
            check=True,
            capture_output=True,
            timeout=10,
        )
        document = json.loads(answer.stdout)
        counters = document.get("counters", document)
        return {
            name: int(value["value"])
            for name, value in counters.items()
            if isinstance(value, dict) and "value" in value
        }

    def counter(self, name: str) -> int:
        """One counter, e.g. MAIN.cache_hit, MAIN.cache_miss (0 when absent)."""
        return self.counters().get(name, 0)

    def hit_ratio(self) -> float:
        counters = self.counters()
        hits, misses = counters.get("MAIN.cache_hit", 0), counters.get("MAIN.cache_miss", 0)
        return hits / (hits + misses) if hits + misses else 0.0

    def _tail(self) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return self.log_path.read_text(errors="replace")[-3000:]
