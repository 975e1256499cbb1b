"""Server processes on loopback: free ports, spawning into a log, probing, group signals."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Self

from image_repo.localswift.topology import SERVER_MODULES


class Started:
    """`with thing:` starts it and stops it again, whatever happens inside."""

    def start(self) -> object:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


_LAUNCH = "import sys; sys.argv[0] = {name!r}; from {module} import main; sys.exit(main())"


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


def spawn(command: Sequence[str | Path], log_path: Path) -> subprocess.Popen[bytes]:
    """Output appended to `log_path` (there is no /dev/log here); the process leads its own
    session and so its own process group, which `signal_group` then signals as a whole."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip


def spawn_swift_server(
    python: Path, kind: str, conf: Path, log_path: Path
) -> subprocess.Popen[bytes]:
    """Through the venv's python, not the script: pip may write a /bin/sh trampoline shebang
    for long venv paths. `-v` logs to stdout."""
    code = _LAUNCH.format(name=f"swift-{kind}-server", module=SERVER_MODULES[kind])
    return spawn([python, "-c", code, str(conf), "-v"], log_path)


def signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)


def stop_all(processes: Sequence[subprocess.Popen[bytes]], grace_seconds: float = 10) -> None:
    """SIGTERM, then SIGKILL what lingers after `grace_seconds`."""
    for process in processes:
        signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            signal_group(process, signal.SIGKILL)
            process.wait(timeout=5)


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def log_tail(path: Path) -> str:
    return f"--- {path}\n" + (path.read_text(errors="replace")[-2000:] if path.exists() else "")
