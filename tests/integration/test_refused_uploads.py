"""Uploads the app refuses before reading their body (401 without a token, 413 over
images.max_upload_bytes), through the shipped nginx site on a port that is not 80 (issue 26):
the client gets the app's own JSON answer every time, never nginx's HTML 502; and the page's
assets load from the host and port the browser used."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx
import pytest

from image_repo.localswift import SwiftEndpoint
from tests.integration.test_production import start_gunicorn, start_nginx

pytestmark = pytest.mark.integration
TOKEN = "refusal-token-0123456789"
TRIES = 6


@attrs.frozen
class Site:
    nginx_url: str
    root: Path


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("refusals")
    gunicorn, gunicorn_url, _ = start_gunicorn(
        root, swift_endpoint, containers, server={"write_tokens": [TOKEN]}
    )
    nginx, nginx_url = start_nginx(root, int(gunicorn_url.rsplit(":", 1)[1]))
    try:
        yield Site(nginx_url, root)
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        gunicorn.terminate()
        gunicorn.wait(timeout=40)


def refused(url: str, size: int, headers: dict[str, str] | None = None) -> list[httpx.Response]:
    """TRIES uploads of `size` bytes, each on a new connection, as `image_repo upload` sends."""
    body = os.urandom(size)
    return [httpx.put(url, content=body, headers=headers or {}, timeout=60) for _ in range(TRIES)]


def test_an_upload_without_the_token_gets_the_apps_401_through_nginx(
    site: Site, unique: str
) -> None:
    for answer in refused(f"{site.nginx_url}/images/{unique}/big", 13_300_000):
        assert answer.status_code == 401, answer.text[:200]
        assert answer.headers["content-type"] == "application/json"
        assert answer.json()["error"] == "unauthorized"


def test_an_upload_over_the_limit_gets_the_apps_413_through_nginx(site: Site, unique: str) -> None:
    """Between the app's 50 MiB and the site's client_max_body_size 51m."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for answer in refused(f"{site.nginx_url}/images/{unique}/huge", (50 << 20) + 500_000, auth):
        assert answer.status_code == 413, answer.text[:200]
        assert answer.json()["error"] == "upload_too_large"


def test_the_page_loads_its_assets_from_the_port_it_was_asked_on(site: Site) -> None:
    page = httpx.get(f"{site.nginx_url}/", timeout=30)
    assert page.status_code == 200
    assets = re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', page.text)
    assert assets, page.text[:500]
    for asset in assets:
        assert asset.startswith("/static/"), asset  # no scheme, host or port to get wrong
        assert httpx.get(f"{site.nginx_url}{asset}", timeout=30).status_code == 200
