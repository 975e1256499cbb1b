"""/metrics counts each cache lookup once per request (issue 17: a new derivation used to add
two memory and two disk misses, the local tiers being asked before and inside the flight)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from image_repo.localswift import SwiftEndpoint
from tests.images import jpeg_with_gps
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration


def test_one_new_derivation_is_one_miss_per_tier_and_its_repeat_one_hit(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    with ServerProcess(tmp_path, swift_endpoint, containers) as one:
        url = f"{one.base_url}/images/{unique}/counted"
        assert httpx.put(url, content=jpeg_with_gps(200, 100)).status_code == 201

        def lookups() -> dict[tuple[str, str], float]:
            return {
                (tier, result): one.metric(
                    "image_repo_cache_lookups_total", tier=tier, result=result
                )
                for tier in ("memory", "disk", "swift")
                for result in ("hit", "miss")
            }

        before = lookups()
        assert httpx.get(url, params={"xsize": "33"}).headers["x-cache"] == "derived"
        after_miss = lookups()
        assert httpx.get(url, params={"xsize": "33"}).headers["x-cache"] == "memory"
        after_hit = lookups()
    missed = {k: after_miss[k] - before[k] for k in before if after_miss[k] != before[k]}
    assert missed == {("memory", "miss"): 1, ("disk", "miss"): 1, ("swift", "miss"): 1}
    hit = {k: after_hit[k] - after_miss[k] for k in before if after_hit[k] != after_miss[k]}
    assert hit == {("memory", "hit"): 1}
