"""LocalSwift: start, health-check and stop a Swift on loopback (proxy, account, container and
object servers; one of each per replica), and kill or restart one storage server for tests."""

from __future__ import annotations

import atexit
import getpass
import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import attrs

from image_repo.localswift.config_files import KEY, USER, write_config
from image_repo.localswift.install import ensure_swift_installed, swift_python
from image_repo.localswift.keystone import LocalKeystone
from image_repo.localswift.keystone_proxy import KeystoneAuth, member_reaches_account
from image_repo.localswift.ports import PortsBusyError, busy_port_message
from image_repo.localswift.processes import (
    Started,
    accepts,
    answers,
    free_port,
    log_tail,
    port_is_free,
    signal_group,
    spawn,
    spawn_swift_server,
    stop_all,
)
from image_repo.localswift.topology import Topology

__all__ = ["LocalSwift", "PortsBusyError", "SwiftEndpoint", "free_port", "port_is_free"]


@attrs.frozen
class SwiftEndpoint:
    auth_url: str
    user: str
    key: str = attrs.field(repr=False)
    proxy_port: int

    def environ(self) -> dict[str, str]:
        return {"ST_AUTH": self.auth_url, "ST_USER": self.user, "ST_KEY": self.key}


class LocalSwift(Started):
    """Data under `data_dir/srv` survives stop and start, so a test can stop Swift to simulate
    an outage and start it again on the same ports with everything still there.

    With `memcached` (the path of a memcached binary) the proxy caches account and container
    info and tokens in it, as every production proxy does; without it each object request also
    costs a HEAD of the account and one of the container, which doubles Swift's share of the
    CPU when it shares the machine with the image server (benchmarks).

    With `replicas=3` it is a small replicated cluster: three servers of each kind, each with
    its own port and devices, rings with three replicas, and a proxy that shrugs off one dead
    server (see config_files._failure_handling); `kill_storage_server` and
    `start_storage_server` take one down and bring it back. No replicator or updater runs: an
    object server that missed writes while down keeps the old version (a plain read may get it;
    `X-Newest: true` does not), and so does the container replica whose update that server
    would have sent: about one listing in three then lacks the change, for good.

    With `keystone` (started first) the proxy authenticates through it (authtoken +
    keystoneauth, see keystone_proxy) instead of tempauth, and `start` registers the proxy as
    Keystone's object-store endpoint; `endpoint` (tempauth's) then does not apply."""

    def __init__(
        self,
        data_dir: Path,
        swift_venv: Path,
        proxy_port: int | None = None,
        memcached: str | None = None,
        replicas: int = 1,
        keystone: LocalKeystone | None = None,
    ) -> None:
        self._root = data_dir.absolute()
        self._etc = self._root / "etc"
        self._python = swift_python(swift_venv.absolute())
        self._topology = Topology.allocate(proxy_port or free_port(), replicas, free_port)
        self._memcached = memcached
        self._memcached_port = free_port() if memcached else None
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._keystone = keystone
        if keystone is not None:
            ensure_swift_installed(swift_venv.absolute(), keystone=True)
        atexit.register(self.stop)

    @property
    def endpoint(self) -> SwiftEndpoint:
        port = self._topology.proxy_port
        return SwiftEndpoint(f"http://127.0.0.1:{port}/auth/v1.0", USER, KEY, port)

    @property
    def memcached_port(self) -> int | None:
        return self._memcached_port

    @property
    def replicas(self) -> int:
        return self._topology.replicas

    @property
    def is_running(self) -> bool:
        """Started and no server died on its own (one taken down by `kill_storage_server` is
        not counted: it is meant to be down)."""
        return bool(self._processes) and all(p.poll() is None for p in self._processes.values())

    def devices(self, kind: str, index: int) -> Path:
        """The folder holding server `index`'s device `d1`, e.g. `srv/object1` for
        `("object", 0)` with replicas (`srv` with one replica)."""
        return self._topology.backend(kind, index).devices(self._root)

    def start(self, timeout_seconds: float = 60) -> SwiftEndpoint:
        if self.is_running:
            return self.endpoint
        ports = self._topology.ports()
        busy = [port for port in ports.values() if not port_is_free(port)]
        if busy:
            raise PortsBusyError(busy_port_message(busy[0], "pick another port"))
        keystone_auth = None
        if self._keystone is not None:
            if not self._keystone.is_running:
                raise RuntimeError("start the LocalKeystone before the Swift behind it")
            self._keystone.register_object_store(self._topology.proxy_port)
            keystone_auth = KeystoneAuth.of(self._keystone)
        write_config(self._root, self._topology, self._memcached_port, keystone_auth)
        if self._memcached is not None and self._memcached_port is not None:
            self._spawn_memcached(self._memcached, self._memcached_port)
        rings = json.dumps(self._topology.ring_ports())
        rings_py = Path(__file__).with_name("rings.py")
        subprocess.run([self._python, rings_py, self._etc, rings], check=True, capture_output=True)
        self._spawn_server("proxy", "proxy", self._etc / "proxy-server.conf")
        for backend in self._topology.backends:
            self._spawn_server(backend.name, backend.kind, backend.conf(self._etc))
        try:
            self._wait_healthy(ports, time.monotonic() + timeout_seconds, log_in=True)
        except BaseException:
            self.stop()
            raise
        return self.endpoint

    def kill_storage_server(self, kind: str, index: int) -> None:
        """SIGKILL one storage server (`kind` is account, container or object; `index` counts
        from 0), as a crash would: no clean shutdown, its port refuses connections at once."""
        backend = self._topology.backend(kind, index)
        process = self._processes.pop(backend.name, None)
        if process is None:
            raise RuntimeError(f"swift {backend.name} server is not running")
        signal_group(process, signal.SIGKILL)
        process.wait(timeout=10)

    def freeze_proxy(self) -> None:
        """SIGSTOP the proxy: it keeps its port and accepts connections but never answers, as
        a blackholed network does (the clients' timeouts are what is tested)."""
        signal_group(self._processes["proxy"], signal.SIGSTOP)

    def thaw_proxy(self) -> None:
        signal_group(self._processes["proxy"], signal.SIGCONT)

    def start_storage_server(self, kind: str, index: int, timeout_seconds: float = 30) -> None:
        """Start one storage server again on its port, with its data, and return once its
        /healthcheck answers. The proxy may skip it for up to `error_suppression_interval`
        (2 s) after its last error; another replica serves meanwhile. No-op if it runs."""
        backend = self._topology.backend(kind, index)
        running = self._processes.get(backend.name)
        if running is not None and running.poll() is None:
            return
        deadline = time.monotonic() + timeout_seconds
        while not port_is_free(backend.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"port {backend.port} of swift {backend.name} stays busy")
            time.sleep(0.05)
        self._spawn_server(backend.name, backend.kind, backend.conf(self._etc))
        self._wait_healthy({backend.name: backend.port}, deadline, log_in=False)

    def _spawn_memcached(self, binary: str, port: int) -> None:
        self._processes["memcached"] = spawn(
            [binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "64",
             "-u", getpass.getuser()],
            self._log_path("memcached"),
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not accepts(port):
            if time.monotonic() > deadline or self._processes["memcached"].poll() is not None:
                raise RuntimeError(f"memcached did not start:\n{self._log_tail('memcached')}")
            time.sleep(0.05)

    def _spawn_server(self, name: str, kind: str, conf: Path) -> None:
        self._processes[name] = spawn_swift_server(self._python, kind, conf, self._log_path(name))

    def _wait_healthy(self, ports: dict[str, int], deadline: float, log_in: bool) -> None:
        """Until every named server's /healthcheck answers (and, with `log_in`, tempauth
        issues a token through the proxy, or a Keystone user reaches its account through it);
        fails early if any server exits."""
        pending = dict(ports)
        while pending or (log_in and not self._can_log_in()):
            for name, process in self._processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"swift {name} server exited:\n{self._log_tail(name)}")
            for name, port in list(pending.items()):
                if answers(f"http://127.0.0.1:{port}/healthcheck"):
                    del pending[name]
            if time.monotonic() > deadline:
                waiting = ", ".join(pending) or "login"
                tails = "\n".join(self._log_tail(n) for n in pending or ["proxy"])
                raise RuntimeError(f"swift did not become healthy ({waiting}):\n{tails}")
            time.sleep(0.1)

    def _can_log_in(self) -> bool:
        if self._keystone is not None:
            return member_reaches_account(self._keystone, self._topology.proxy_port)
        request = urllib.request.Request(
            self.endpoint.auth_url, headers={"X-Auth-User": USER, "X-Auth-Key": KEY}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return bool(response.status == 200 and response.headers.get("X-Storage-Url"))
        except (urllib.error.URLError, OSError):
            return False

    def _log_path(self, name: str) -> Path:
        return self._root / "log" / f"{name}.log"

    def _log_tail(self, name: str) -> str:
        return log_tail(self._log_path(name))

    def stop(self) -> None:
        """SIGTERM, then SIGKILL what lingers; each server leads its own process group, so the
        group goes with it. Idempotent."""
        stop_all(list(self._processes.values()))
        self._processes.clear()

    def restart(self) -> SwiftEndpoint:
        self.stop()
        return self.start()
