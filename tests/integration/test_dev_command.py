"""`image_repo dev`: a local Swift and the server, stopped together by every signal that ends
it, a disk cache inside the working folder, and one line when a port is taken."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from image_repo.localswift.cluster import free_port
from image_repo.localswift.processes import port_is_free
from tests.integration.conftest import SWIFT_VENV

pytestmark = pytest.mark.integration


class DevCommand:
    """`image_repo -c FILE dev` in a subprocess, with its own data folder and ports."""

    def __init__(self, root: Path, swift_port: int, server_port: int) -> None:
        self.root = root
        self.data_dir = root / "saio"
        self.swift_port = swift_port
        self.server_port = server_port
        root.mkdir(parents=True, exist_ok=True)
        config = root / "dev.yaml"
        config.write_text(yaml.safe_dump({"server": {"port": server_port}}))
        self.log = root / "dev.log"
        command = [sys.executable, "-m", "image_repo.cli", "-c", str(config), "dev"]
        command += ["--data-dir", str(self.data_dir), "--swift-venv", str(SWIFT_VENV)]
        command += ["--swift-port", str(swift_port)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_serving(self, timeout_seconds: float = 90) -> None:
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output
            try:
                url = f"http://127.0.0.1:{self.server_port}/readyz"
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"image_repo dev did not get ready:\n{self.output}")

    def swift_pids(self) -> list[int]:
        """Processes whose command line names this run's Swift configuration folder."""
        etc = f"{self.data_dir}/etc/"
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    command = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
                except OSError:
                    continue
                if etc in command:
                    pids.append(int(entry))
        return pids

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)
        for pid in self.swift_pids():  # a failed test must not leave Swift behind
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[DevCommand]:
    command = DevCommand(tmp_path / "first", free_port(), free_port())
    yield command
    command.stop()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_stops_the_server_and_the_local_swift(
    dev: DevCommand, signum: signal.Signals
) -> None:
    dev.wait_serving()
    assert dev.swift_pids()
    dev.process.send_signal(signum)
    dev.process.wait(timeout=60)
    deadline = time.monotonic() + 10
    while dev.swift_pids() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert dev.swift_pids() == [], dev.output
    assert port_is_free(dev.swift_port)
    assert port_is_free(dev.server_port)
    assert "Traceback" not in dev.output


def test_the_disk_cache_stays_next_to_the_data_folder_and_no_url_key_warning(
    dev: DevCommand,
) -> None:
    dev.wait_serving()
    assert (dev.root / ".cache").is_dir()
    assert f"disk cache in {dev.root / '.cache'}" in dev.output
    assert "url_key is the insecure default" not in dev.output


def test_a_second_dev_on_the_same_port_says_in_one_line_what_holds_it(
    dev: DevCommand, tmp_path: Path
) -> None:
    dev.wait_serving()
    second = DevCommand(tmp_path / "second", dev.swift_port, free_port())
    try:
        assert second.process.wait(timeout=60) == 1
    finally:
        second.stop()
    lines = second.output.strip().splitlines()
    assert len(lines) == 1, second.output
    assert f"port {dev.swift_port} is in use by the local Swift of {dev.data_dir}" in lines[0]
    assert "kill " in lines[0]
    assert dev.process.poll() is None  # the first one is left alone
