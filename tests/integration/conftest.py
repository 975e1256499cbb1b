"""One real Swift and one real image_repo server (uvicorn, in a subprocess) per test session."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import yaml
from swiftclient.client import Connection

from image_repo.adapters.swift.connection import SwiftConnectionPool, connection_factory
from image_repo.localswift import LocalSwift, SwiftEndpoint, ensure_swift_installed
from image_repo.localswift.cluster import free_port
from image_repo.localswift.keystone import LocalKeystone
from image_repo.localswift.processes import Started
from tests.cluster import wait_for_health

REPO = Path(__file__).resolve().parents[2]
SWIFT_VENV = Path(os.environ.get("IMAGE_REPO_SWIFT_VENV", REPO / ".venv-swift"))
KEYSTONE_VENV = Path(os.environ.get("IMAGE_REPO_KEYSTONE_VENV", REPO / ".venv-keystone"))


@attrs.frozen
class RunningServer:
    base_url: str
    config_path: Path
    data_container: str
    cache_container: str


class ServerProcess(Started):
    """`image_repo -c FILE` in a subprocess: real uvicorn on a free loopback port. Tests that
    need a restart, another cache folder or small limits start their own."""

    def __init__(
        self, root: Path, endpoint: SwiftEndpoint, containers: tuple[str, str], **sections: Any
    ) -> None:
        self.root = root
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.environ = {**os.environ, **endpoint.environ()}
        config: dict[str, dict[str, Any]] = {
            "server": {"host": "127.0.0.1", "port": self.port, "log_level": "warning"},
            "swift": {"container": containers[0], "cache_container": containers[1]},
            "cache": {"cache_dir": str(root / "cache")},
        }
        for section, values in sections.items():
            config.setdefault(section, {}).update(values)
        root.mkdir(parents=True, exist_ok=True)
        self.config_path = root / f"image_repo-{self.port}.yaml"
        self.config_path.write_text(yaml.safe_dump(config))
        self.log_path = root / f"server-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    def run_command(self, *args: str) -> None:
        command = [sys.executable, "-m", "image_repo.cli", "-c", str(self.config_path), *args]
        subprocess.run(command, env=self.environ, check=True, timeout=60)

    def start(self) -> ServerProcess:
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "image_repo.cli", "-c", str(self.config_path)],
                env=self.environ,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until_alive(self.base_url, self._process, self.log_path)
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=15)
            self._process = None

    def status_bytes(self, field: str) -> int:
        """A size from the server's /proc status (VmData, VmRSS, ...), in bytes."""
        assert self._process is not None
        status = Path(f"/proc/{self._process.pid}/status").read_text()
        return (
            int(
                next(line for line in status.splitlines() if line.startswith(f"{field}:")).split()[
                    1
                ]
            )
            * 1024
        )

    def peak_rss_mib(self) -> float:
        """The server's high-water mark of resident memory (VmHWM)."""
        assert self._process is not None
        status = Path(f"/proc/{self._process.pid}/status").read_text()
        return (
            int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
            / 1024
        )

    def metric(self, name: str, **labels: str) -> float:
        """One sample of /metrics (0 when absent)."""
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        series = f"{name}{{{wanted}}}" if wanted else name
        for line in httpx.get(f"{self.base_url}/metrics", timeout=10).text.splitlines():
            key, _, value = line.rpartition(" ")
            if key == series:
                return float(value)
        return 0.0

    def wait_for_cache_writes(self, timeout_seconds: float = 20) -> None:
        """Disk and Swift cache writes run after the answer (write-behind): wait for them."""
        deadline = time.monotonic() + timeout_seconds
        while self.metric("image_repo_write_behind_bytes") > 0:
            assert time.monotonic() < deadline, "cache writes still queued"
            time.sleep(0.02)


@pytest.fixture(scope="session")
def local_swift(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSwift]:
    ensure_swift_installed(SWIFT_VENV)
    swift = LocalSwift(tmp_path_factory.mktemp("saio"), SWIFT_VENV)
    swift.start()
    yield swift
    swift.stop()


@pytest.fixture(scope="session")
def replicated_swift(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSwift]:
    """A second Swift, with three storage servers of each kind and 3-replica rings, started
    the first time a test asks for it. Tests that kill a storage server start it again."""
    ensure_swift_installed(SWIFT_VENV)
    with LocalSwift(tmp_path_factory.mktemp("saio3"), SWIFT_VENV, replicas=3) as swift:
        yield swift


@attrs.frozen
class KeystoneSwift:
    keystone: LocalKeystone
    swift: LocalSwift


@pytest.fixture(scope="session")
def keystone_swift(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeystoneSwift]:
    """A real Keystone and a third Swift authenticating through it (authtoken + keystoneauth),
    started the first time a test asks for them. Tests that stop Keystone start it again."""
    ensure_swift_installed(SWIFT_VENV, keystone=True)
    root = tmp_path_factory.mktemp("keystone")
    with (
        LocalKeystone(root / "keystone", KEYSTONE_VENV) as keystone,
        LocalSwift(root / "saio", SWIFT_VENV, keystone=keystone) as swift,
    ):
        yield KeystoneSwift(keystone, swift)


@pytest.fixture(scope="session")
def swift_endpoint(local_swift: LocalSwift) -> SwiftEndpoint:
    return local_swift.endpoint


@pytest.fixture(scope="session")
def containers() -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return f"data_{suffix}", f"cache_{suffix}"


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[RunningServer]:
    """The session's server: TempURLs live 3 s and a regex may select 6 images, so the tests
    of expiry and of the limit stay short."""
    process = ServerProcess(
        tmp_path_factory.mktemp("server"),
        swift_endpoint,
        containers,
        swift={"url_ttl": 3},
        images={"max_zip_images": 6},
    )
    process.run_command("set-url-key")
    with process:
        yield RunningServer(process.base_url, process.config_path, *containers)


def wait_until_alive(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    wait_for_health(base_url, process, log, seconds=30)


def swift_pool(endpoint: SwiftEndpoint, size: int = 2) -> SwiftConnectionPool:
    """A pool of the adapters' own connections (tempauth), for tests of the Swift adapters."""
    factory = connection_factory(
        auth_url=endpoint.auth_url, user=endpoint.user, key=endpoint.key, auth_version="1.0",
        os_options={}, timeout_seconds=5, retries=1,
    )  # fmt: skip
    return SwiftConnectionPool(factory, size=size)


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        yield http


@pytest.fixture
def swift(swift_endpoint: SwiftEndpoint) -> Iterator[Connection]:
    """A plain swiftclient connection, to check what the server stored."""
    connection = Connection(swift_endpoint.auth_url, swift_endpoint.user, swift_endpoint.key)
    yield connection
    connection.close()


@pytest.fixture
def unique() -> str:
    """A fresh pseudo-directory per test, so tests share one Swift without seeing each other."""
    return f"t{uuid.uuid4().hex[:10]}"
