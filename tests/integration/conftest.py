"""One real Swift and one real image_repo server (uvicorn, in a subprocess) per test session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx
import pytest
from swiftclient.client import Connection

from image_repo.localswift import LocalSwift, SwiftEndpoint, ensure_swift_installed

REPO = Path(__file__).resolve().parents[2]
SWIFT_VENV = Path(os.environ.get("IMAGE_REPO_SWIFT_VENV", REPO / ".venv-swift"))


@attrs.frozen
class RunningServer:
    base_url: str
    config_path: Path
    data_container: str
    cache_container: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def local_swift(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSwift]:
    ensure_swift_installed(SWIFT_VENV)
    swift = LocalSwift(tmp_path_factory.mktemp("saio"), SWIFT_VENV)
    swift.start()
    yield swift
    swift.stop()


@pytest.fixture(scope="session")
def swift_endpoint(local_swift: LocalSwift) -> SwiftEndpoint:
    return local_swift.endpoint


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, swift_endpoint: SwiftEndpoint
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("server")
    port = free_port()
    suffix = uuid.uuid4().hex[:8]
    data, cache = f"data_{suffix}", f"cache_{suffix}"
    config = root / "image_repo.yaml"
    config.write_text(
        f"server:\n  host: 127.0.0.1\n  port: {port}\n  log_level: warning\n"
        f"swift:\n  container: {data}\n  cache_container: {cache}\n  url_ttl: 3\n"
        f"images:\n  max_zip_images: 6\n"
        f"cache:\n  cache_dir: {root / 'cache'}\n"
    )
    environ = {**os.environ, **swift_endpoint.environ()}
    subprocess.run(
        [sys.executable, "-m", "image_repo.cli", "-c", str(config), "set-url-key"],
        env=environ,
        check=True,
        timeout=60,
    )
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "image_repo.cli", "-c", str(config)],
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_alive(base_url, process, root / "server.log")
        yield RunningServer(base_url, config, data, cache)
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def wait_until_alive(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not answer in 30 s:\n{log.read_text()[-3000:]}")


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
