"""LocalSwift: start, health-check and stop the four Swift servers on loopback."""

from __future__ import annotations

import atexit
import contextlib
import getpass
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

import attrs

from image_repo.localswift.config_files import KEY, USER, Ports, write_config
from image_repo.localswift.install import swift_python

SERVERS = {
    "proxy": "swift.proxy.server",
    "account": "swift.account.server",
    "container": "swift.container.server",
    "object": "swift.obj.server",
}
_LAUNCH = "import sys; sys.argv[0] = {name!r}; from {module} import main; sys.exit(main())"


@attrs.frozen
class SwiftEndpoint:
    auth_url: str
    user: str
    key: str = attrs.field(repr=False)
    proxy_port: int

    def environ(self) -> dict[str, str]:
        return {"ST_AUTH": self.auth_url, "ST_USER": self.user, "ST_KEY": self.key}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Checked as Swift binds (SO_REUSEADDR), so TIME_WAIT leftovers do not count as busy;
    a busy port would make Swift retry its bind for 30 seconds."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class LocalSwift:
    """Data under `data_dir/srv` survives stop and start, so a test can stop Swift to simulate
    an outage and start it again on the same ports with everything still there.

    With `memcached` (the path of a memcached binary) the proxy caches account and container
    info and tokens in it, as every production proxy does; without it each object request also
    costs a HEAD of the account and one of the container, which doubles Swift's share of the
    CPU when it shares the machine with the image server (benchmarks)."""

    def __init__(
        self,
        data_dir: Path,
        swift_venv: Path,
        proxy_port: int | None = None,
        memcached: str | None = None,
    ) -> None:
        self._root = data_dir.absolute()
        self._python = swift_python(swift_venv.absolute())
        self._ports = Ports(proxy_port or free_port(), free_port(), free_port(), free_port())
        self._memcached = memcached
        self._memcached_port = free_port() if memcached else None
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        atexit.register(self.stop)

    @property
    def endpoint(self) -> SwiftEndpoint:
        url = f"http://127.0.0.1:{self._ports.proxy}/auth/v1.0"
        return SwiftEndpoint(url, USER, KEY, self._ports.proxy)

    @property
    def memcached_port(self) -> int | None:
        return self._memcached_port

    @property
    def is_running(self) -> bool:
        return bool(self._processes) and all(p.poll() is None for p in self._processes.values())

    def start(self, timeout_seconds: float = 60) -> SwiftEndpoint:
        if self.is_running:
            return self.endpoint
        busy = [port for port in attrs.astuple(self._ports) if not port_is_free(port)]
        if busy:
            raise RuntimeError(f"ports {busy} are in use; stop what holds them or pick others")
        etc = write_config(self._root, self._ports, self._memcached_port)
        ports = self._ports
        if self._memcached is not None and self._memcached_port is not None:
            self._spawn_memcached(self._memcached, self._memcached_port)
        subprocess.run(
            [self._python, str(Path(__file__).with_name("rings.py")), str(etc),
             str(ports.account), str(ports.container), str(ports.object)],
            check=True, capture_output=True,
        )  # fmt: skip
        for kind, module in SERVERS.items():
            self._spawn(kind, module, etc)
        try:
            self._wait_healthy(time.monotonic() + timeout_seconds)
        except BaseException:
            self.stop()
            raise
        return self.endpoint

    def _spawn_memcached(self, binary: str, port: int) -> None:
        log = (self._root / "log" / "memcached.log").open("ab")
        self._processes["memcached"] = subprocess.Popen(
            [binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "64",
             "-u", getpass.getuser()],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 10
        while not _accepts(port):
            if time.monotonic() > deadline or self._processes["memcached"].poll() is not None:
                raise RuntimeError(f"memcached did not start:\n{self._log_tail('memcached')}")
            time.sleep(0.05)

    def _spawn(self, kind: str, module: str, etc: Path) -> None:
        log = (self._root / "log" / f"{kind}.log").open("ab")
        code = _LAUNCH.format(name=f"swift-{kind}-server", module=module)
        self._processes[kind] = subprocess.Popen(
            [self._python, "-c", code, str(etc / f"{kind}-server.conf"), "-v"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        log.close()

    def _wait_healthy(self, deadline: float) -> None:
        pending = dict(attrs.asdict(self._ports))
        while pending or not self._can_log_in():
            for kind, process in self._processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"swift {kind} server exited:\n{self._log_tail(kind)}")
            for kind, port in list(pending.items()):
                if _answers(f"http://127.0.0.1:{port}/healthcheck"):
                    del pending[kind]
            if time.monotonic() > deadline:
                waiting = ", ".join(pending) or "tempauth login"
                tails = "\n".join(self._log_tail(k) for k in pending or ["proxy"])
                raise RuntimeError(f"swift did not become healthy ({waiting}):\n{tails}")
            time.sleep(0.1)

    def _can_log_in(self) -> bool:
        request = urllib.request.Request(
            self.endpoint.auth_url, headers={"X-Auth-User": USER, "X-Auth-Key": KEY}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return bool(response.status == 200 and response.headers.get("X-Storage-Url"))
        except (urllib.error.URLError, OSError):
            return False

    def _log_tail(self, kind: str) -> str:
        path = self._root / "log" / f"{kind}.log"
        return f"--- {path}\n" + (path.read_text(errors="replace")[-2000:] if path.exists() else "")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL what lingers; each server leads its own process group, so the
        group goes with it. Idempotent."""
        for process in self._processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self._processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=5)
        self._processes.clear()

    def restart(self) -> SwiftEndpoint:
        self.stop()
        return self.start()

    def __enter__(self) -> LocalSwift:
        self.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
