"""images.eager_presets: an upload's first views are cache hits, here and on other nodes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from image_repo.localswift import SwiftEndpoint
from tests.images import jpeg_with_gps
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration

PRESETS = {"thumb": "thumbnail=true", "medium": "xsize=800&ysize=800&kind=webp"}
EAGER = {"presets": PRESETS, "eager_presets": ["thumb", "medium"]}
EAGER_OUTCOMES = ("done", "failed", "dropped", "superseded")


def eager_count(server: ServerProcess, outcome: str) -> float:
    return server.metric("image_repo_eager_derivations_total", outcome=outcome)


def wait_for_eager_work(server: ServerProcess, done: int, timeout_seconds: float = 10) -> None:
    """Until `done` eager derivations have finished and their cache writes have run."""
    deadline = time.monotonic() + timeout_seconds
    while eager_count(server, "done") < done:
        assert time.monotonic() < deadline, "eager derivations not done in time"
        time.sleep(0.02)
    server.wait_for_cache_writes(max(deadline - time.monotonic(), 1))


def test_first_views_are_memory_hits_on_the_owner_and_swift_hits_elsewhere(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    path, at_once = f"/images/{unique}/eager", f"/images/{unique}/at-once"
    photo = jpeg_with_gps(2000, 1500)
    # the reference derives every view itself: no eager presets, no cache container
    plain_config = {"images": {"presets": PRESETS}, "cache": {"swift_cache": False}}
    with (
        ServerProcess(tmp_path / "a", swift_endpoint, containers, images=EAGER) as owner,
        ServerProcess(tmp_path / "b", swift_endpoint, containers, images=EAGER) as other,
        ServerProcess(tmp_path / "plain", swift_endpoint, containers, **plain_config) as plain,
    ):
        # a view right after the upload, on the same keep-alive connection as browsers do,
        # waits for the eager derivation or finds its result; several times over
        with httpx.Client(base_url=owner.base_url, timeout=30) as client:
            for attempt in range(5):
                client.put(f"{at_once}-{attempt}", content=photo).raise_for_status()
                first = client.get(f"{at_once}-{attempt}", params={"preset": "thumb"})
                assert first.status_code == 200
                assert first.headers["x-cache"] == "memory", attempt
        httpx.put(owner.base_url + at_once, content=photo, timeout=30).raise_for_status()

        httpx.put(owner.base_url + path, content=photo, timeout=30).raise_for_status()
        wait_for_eager_work(owner, done=14)  # both presets of all seven uploads
        assert [eager_count(owner, o) for o in EAGER_OUTCOMES] == [14, 0, 0, 0]
        views = {
            (node, preset): httpx.get(server.base_url + path, params={"preset": preset}, timeout=30)
            for node, server in (("owner", owner), ("other", other), ("plain", plain))
            for preset in PRESETS
        }
        tiers = {view: answer.headers["x-cache"] for view, answer in views.items()}
        assert tiers == {
            ("owner", "thumb"): "memory",
            ("owner", "medium"): "memory",
            ("other", "thumb"): "swift",
            ("other", "medium"): "swift",
            ("plain", "thumb"): "derived",
            ("plain", "medium"): "derived",
        }
        for preset in PRESETS:
            reference = views[("plain", preset)].content
            assert views[("owner", preset)].content == reference, preset
            assert views[("other", preset)].content == reference, preset
        assert views[("other", "medium")].headers["content-type"] == "image/webp"
        assert first.content == views[("plain", "thumb")].content

        # without the option an upload leaves no eager work: its first view is derived
        httpx.put(plain.base_url + at_once, content=photo, timeout=30).raise_for_status()
        time.sleep(0.3)  # time enough for eager work, were there any
        assert [eager_count(plain, o) for o in EAGER_OUTCOMES] == [0, 0, 0, 0]
        late = httpx.get(plain.base_url + at_once, params={"preset": "thumb"}, timeout=30)
        assert late.headers["x-cache"] == "derived"
        assert [eager_count(other, o) for o in EAGER_OUTCOMES] == [0, 0, 0, 0]


def test_an_eager_preset_that_is_not_a_preset_stops_the_server_naming_the_option(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str]
) -> None:
    process = ServerProcess(
        tmp_path,
        swift_endpoint,
        containers,
        images={"presets": {"thumb": "thumbnail=true"}, "eager_presets": ["thumb", "hero"]},
    )
    command = [sys.executable, "-m", "image_repo.cli", "-c", str(process.config_path)]
    done = subprocess.run(command, env=process.environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "images.eager_presets" in done.stderr and "hero" in done.stderr
