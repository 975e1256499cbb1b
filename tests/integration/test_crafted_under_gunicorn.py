"""The crafted corpus (issue 21) through the shipped gunicorn configuration: every answer a 4xx
or a 200 in under 2 s (the legitimate 75 MP image within the CPU budget), and the same two
workers alive and serving afterwards."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from image_repo.localswift import SwiftEndpoint
from tests.crafted import CRAFTED
from tests.images import encoded, picture
from tests.integration.test_crafted_inputs import LEGITIMATE_SECONDS, SECONDS
from tests.integration.test_production import start_gunicorn

pytestmark = pytest.mark.integration

QUERIES = [
    {"thumbnail": "true"},
    {"kind": "png"},
    {"kind": "webp"},
    {"kind": "gif"},
    {"kind": "avif"},
    {"meta": "true"},
]


def _workers(gunicorn_pid: int) -> set[int]:
    children = Path(f"/proc/{gunicorn_pid}/task/{gunicorn_pid}/children").read_text().split()
    return {int(pid) for pid in children}


def test_the_crafted_corpus_leaves_the_gunicorn_workers_alive_and_serving(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    gunicorn, url, _metrics = start_gunicorn(tmp_path, swift_endpoint, containers)
    try:
        workers = _workers(gunicorn.pid)
        assert len(workers) == 2
        slow_or_wrong = []
        with httpx.Client(base_url=url, timeout=30) as client:
            for case, make in sorted(CRAFTED.items()):
                path = f"/images/{unique}/{case}"
                requests = [("PUT", {}), *(("GET", query) for query in QUERIES)]
                for method, query in requests:
                    started = time.monotonic()
                    content = make() if method == "PUT" else None
                    answer = client.request(method, path, params=query, content=content)
                    elapsed = time.monotonic() - started
                    status = answer.status_code
                    seconds = LEGITIMATE_SECONDS.get(case, SECONDS)
                    if not (status in (200, 201) or 400 <= status < 500) or elapsed > seconds:
                        slow_or_wrong.append((case, method, query, status, elapsed))
            assert not slow_or_wrong, slow_or_wrong
            assert _workers(gunicorn.pid) == workers  # none died, none was replaced
            normal = encoded(picture(320, 240), "JPEG")
            assert client.put(f"/images/{unique}/normal", content=normal).status_code == 201
            served = client.get(f"/images/{unique}/normal", params={"xsize": "64"})
            assert served.status_code == 200
            assert client.get("/readyz").status_code == 200
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
