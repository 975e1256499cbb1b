"""Write tokens, a Swift outage and an unusable disk cache, against the real Swift."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from swiftclient.client import Connection

from image_repo.localswift import LocalSwift, SwiftEndpoint
from tests.images import jpeg_with_gps
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration


@pytest.fixture
def swift_outage(local_swift: LocalSwift) -> Iterator[LocalSwift]:
    yield local_swift
    if not local_swift.is_running:
        local_swift.start()


def test_writes_need_a_valid_token_when_tokens_are_set(
    tmp_path: Path,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    swift: Connection,
    unique: str,
) -> None:
    token_file = tmp_path / "tokens"
    token_file.write_text("from-file-token\n\n")
    server = {"write_tokens": ["secret-token"], "write_tokens_file": str(token_file)}
    with ServerProcess(tmp_path, swift_endpoint, containers, server=server) as one:
        url = f"{one.base_url}/images/{unique}/guarded"
        body = jpeg_with_gps(40, 30)
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
            refused = httpx.put(url, content=body, headers=headers)
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"].startswith("Bearer")
        assert swift.get_container(containers[0], prefix=f"{unique}/")[1] == []
        good = {"Authorization": "Bearer secret-token"}
        assert httpx.put(url, content=body, headers=good).status_code == 201
        assert httpx.get(url).status_code == 200  # reads stay open
        assert httpx.delete(url).status_code == 401
        assert httpx.delete(url, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert len(swift.get_container(containers[0], prefix=f"{unique}/")[1]) == 1
        from_file = {"Authorization": "Bearer from-file-token"}
        assert httpx.delete(url, headers=from_file).status_code == 204


def test_a_swift_outage_gives_503_for_uploads_and_recovers_without_restart(
    tmp_path: Path,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    swift_outage: LocalSwift,
    unique: str,
) -> None:
    with ServerProcess(tmp_path, swift_endpoint, containers) as one:
        cached = f"{one.base_url}/images/{unique}/kept"
        httpx.put(cached, content=jpeg_with_gps(80, 60)).raise_for_status()
        assert httpx.get(cached).status_code == 200
        swift_outage.stop()
        started = time.monotonic()
        upload = httpx.put(
            f"{one.base_url}/images/{unique}/lost", content=jpeg_with_gps(), timeout=30
        )
        assert upload.status_code == 503 and upload.headers["retry-after"]
        assert time.monotonic() - started < 12
        assert httpx.get(cached, timeout=30).status_code == 200
        not_ready = httpx.get(f"{one.base_url}/readyz", timeout=30)
        assert not_ready.status_code == 503 and not_ready.json()["status"] == "not ready"
        listing = httpx.get(f"{one.base_url}/images", timeout=30)
        assert listing.status_code == 503
        swift_outage.start()
        assert httpx.get(f"{one.base_url}/readyz", timeout=30).status_code == 200
        again = httpx.put(
            f"{one.base_url}/images/{unique}/lost", content=jpeg_with_gps(), timeout=30
        )
        assert again.status_code == 201


def test_an_unusable_cache_dir_degrades_to_memory_and_swift(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with ServerProcess(
        tmp_path, swift_endpoint, containers, cache={"cache_dir": str(blocker)}
    ) as one:
        url = f"{one.base_url}/images/{unique}/nodisk"
        httpx.put(url, content=jpeg_with_gps(120, 90)).raise_for_status()
        first = httpx.get(url, params={"xsize": "60"})
        second = httpx.get(url, params={"xsize": "60"})
        assert (first.status_code, second.headers["x-cache"]) == (200, "memory")
        ready = httpx.get(f"{one.base_url}/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"]["disk_cache"] != "ok"
    assert "disk cache" in one.log_path.read_text()
