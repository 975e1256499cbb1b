"""A cache container without the configured TempURL key is said at start and in /readyz
(issue 17: url=true links answered 401 and the server said nothing)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from image_repo.localswift import SwiftEndpoint
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration


def test_a_missing_url_key_is_said_with_the_command_that_sets_it(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, unique: str
) -> None:
    containers = (f"{unique}_data", f"{unique}_cache")
    sections = {"swift": {"url_key": "a-key-nobody-set"}}
    with ServerProcess(tmp_path / "a", swift_endpoint, containers, **sections) as one:
        ready = httpx.get(f"{one.base_url}/readyz").json()
    log = one.log_path.read_text()
    assert ready["status"] == "ready"  # serving works; only temporary URLs would fail
    assert "set-url-key" in ready["checks"]["url_key"]
    assert "does not carry swift.url_key" in log and "set-url-key" in log
    fixed = ServerProcess(tmp_path / "b", swift_endpoint, containers, **sections)
    fixed.run_command("set-url-key")
    with fixed:
        assert httpx.get(f"{fixed.base_url}/readyz").json()["checks"]["url_key"] == "ok"
    assert "does not carry swift.url_key" not in fixed.log_path.read_text()
