"""The command line as a newcomer types it (issue 26): `-c` before or after the command, and
a busy port blamed on what really holds it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from image_repo.cli import _parser
from image_repo.localswift.ports import _dev_server_of


def test_the_configuration_goes_before_or_after_the_command() -> None:
    parser = _parser()
    assert parser.parse_args(["dev", "-c", "my.yaml"]).config == Path("my.yaml")
    assert parser.parse_args(["-c", "my.yaml", "dev"]).config == Path("my.yaml")
    assert parser.parse_args(["dev"]).config is None
    after = parser.parse_args(["-c", "a.yaml", "upload", "photos", "--config", "b.yaml"])
    assert after.config == Path("b.yaml")


def test_a_process_started_by_a_running_dev_server_names_that_server() -> None:
    """The parent's command line is that of `image_repo dev` (here a stand-in that says so)."""
    code = (
        "import subprocess; c = subprocess.Popen(['sleep', '30']);"
        " print(c.pid, flush=True); c.wait()"
    )
    command = [sys.executable, "-c", code, "image_repo", "dev"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as parent:
        try:
            assert parent.stdout is not None
            child = int(parent.stdout.readline())
            assert _dev_server_of(child) == parent.pid
            assert _dev_server_of(parent.pid) is None  # its own parent is this test
        finally:
            subprocess.run(["pkill", "-P", str(parent.pid)], check=False)
            parent.wait(timeout=10)
