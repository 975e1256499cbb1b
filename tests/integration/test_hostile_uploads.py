"""Hostile input over HTTP: every answer a 4xx (or a correct 2xx), never a 5xx or a hang."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from image_repo.localswift import SwiftEndpoint
from tests.hostile import CORPUS
from tests.integration.conftest import ServerProcess
from tests.integration.test_api import assert_no_metadata

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_hostile_upload_is_refused_or_served_correctly(
    client: httpx.Client, unique: str, case: str
) -> None:
    make, acceptable = CORPUS[case]
    answer = client.put(f"/images/{unique}/{case}.jpg", content=make(), timeout=30)
    assert answer.status_code in acceptable, (answer.status_code, answer.text)
    assert answer.headers["content-type"] == "application/json"
    served = client.get(f"/images/{unique}/{case}", params={"xsize": "64"}, timeout=30)
    if answer.status_code == 201:
        assert served.status_code == 200, served.text
        image = Image.open(io.BytesIO(served.content))
        image.load()
        assert_no_metadata(served.content)
    else:
        assert served.status_code == 404


def test_the_whole_corpus_keeps_the_servers_memory_bounded(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    """Bombs are refused from their headers, so the server never allocates their pixels."""
    with ServerProcess(tmp_path, swift_endpoint, containers) as server:
        for case, (make, _acceptable) in sorted(CORPUS.items()):
            answer = httpx.put(
                f"{server.base_url}/images/{unique}/{case}", content=make(), timeout=30
            )
            assert answer.status_code < 500
        peak = server.peak_rss_mib()
    print(f"server peak RSS after the hostile corpus: {peak:.0f} MiB")
    assert peak < 512


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)+$", r"(.*a){20}", r"(x+x+)+y"])
def test_catastrophic_patterns_answer_at_once(client: httpx.Client, pattern: str) -> None:
    answer = client.get("/images", params={"regex": pattern}, timeout=10)
    assert answer.status_code == 200


def test_an_overlong_pattern_is_400(client: httpx.Client) -> None:
    answer = client.get("/images", params={"regex": "a" * 1001})
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_regex")
