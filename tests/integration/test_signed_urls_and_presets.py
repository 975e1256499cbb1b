"""Signed URLs and presets through the real server (SPEC §8)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from image_repo.localswift import SwiftEndpoint
from tests.images import jpeg_with_gps
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration

FIRST_KEY, SECOND_KEY = "first-signing-key", "second-signing-key"
TOKEN = "write-token-for-signed-reads"
WRITE = {"Authorization": f"Bearer {TOKEN}"}
PRESETS = {"thumb": "thumbnail=true&kind=webp", "card": "xsize=120"}


def sig(key: str, message: str) -> str:
    mac = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def signed(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path_factory.mktemp("signed"),
        swift_endpoint,
        containers,
        server={"url_signing_keys": [FIRST_KEY, SECOND_KEY], "write_tokens": [TOKEN]},
        images={"presets": PRESETS},
    )
    with process:
        yield process


@pytest.fixture(scope="module")
def presets_only(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path_factory.mktemp("presets_only"),
        swift_endpoint,
        containers,
        images={"presets": PRESETS, "only_presets": True},
    )
    with process:
        yield process


def http(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=30)


def signed_by_cli(server: ServerProcess, path: str) -> str:
    command = [sys.executable, "-m", "image_repo.cli", "-c", str(server.config_path), "sign", path]
    done = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=60, env=server.environ
    )
    return done.stdout.strip()


def upload(server: ServerProcess, name: str) -> None:
    with http(server) as client:
        response = client.put(f"/images/{name}", content=jpeg_with_gps(300, 200), headers=WRITE)
        response.raise_for_status()


def assert_forbidden(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    if response.request.method != "HEAD":
        assert response.json()["error"] == "signature_required"
        assert set(response.json()) == {"error", "detail"}


def test_without_sig_an_image_a_regex_and_the_listing_are_403(
    signed: ServerProcess, unique: str
) -> None:
    upload(signed, f"{unique}/a.jpg")
    with http(signed) as client:
        for path in (f"/images/{unique}/a", f"/images/{unique}?regex=a", "/images", "/images/"):
            assert_forbidden(client.get(path))
        assert_forbidden(client.head(f"/images/{unique}/a"))
        assert_forbidden(client.get(f"/images/{unique}/a?xsize=10&sig=not-a-signature"))


def test_a_url_signed_by_image_repo_sign_is_served_and_still_checked_on_a_memory_hit(
    signed: ServerProcess, unique: str
) -> None:
    upload(signed, f"{unique}/café.jpg")
    url = signed_by_cli(signed, f"/images/{unique}/café?xsize=100&kind=png")
    # pinned to the original Swift holds (SPEC 13), then signed
    assert url.startswith(f"/images/{unique}/caf%C3%A9?xsize=100&kind=png&v=")
    assert "&sig=" in url
    with http(signed) as client:
        made, hit = client.get(url), client.get(url)
        assert (made.status_code, hit.status_code) == (200, 200), made.text
        assert "immutable" in made.headers["cache-control"]
        assert (made.headers["x-cache"], hit.headers["x-cache"]) == ("derived", "memory")
        assert Image.open(io.BytesIO(hit.content)).size == (100, 67)
        unsigned = url.rsplit("&sig=", 1)[0]
        assert_forbidden(client.get(unsigned))
        assert_forbidden(client.head(unsigned))
        assert_forbidden(client.get(url.replace("xsize=100", "xsize=101")))
        reordered = f"/images/{unique}/caf%C3%A9?kind=png&xsize=100&sig=" + url.rsplit("=", 1)[1]
        assert_forbidden(client.get(reordered))
        listing = signed_by_cli(signed, f"/images?regex=^{unique}/")
        assert client.get(listing).json() == [f"{unique}/café"]


def test_the_second_key_verifies(signed: ServerProcess, unique: str) -> None:
    upload(signed, f"{unique}/b.jpg")
    path = f"/images/{unique}/b?ysize=40"
    with http(signed) as client:
        response = client.get(f"{path}&sig={sig(SECOND_KEY, path)}")
        assert response.status_code == 200, response.text
        assert_forbidden(client.get(f"{path}&sig={sig('a-removed-key', path)}"))


def test_a_write_token_reads_without_a_signature(signed: ServerProcess, unique: str) -> None:
    upload(signed, f"{unique}/c.jpg")
    with http(signed) as client:
        for _ in range(2):  # the second one is a memory hit
            assert client.get(f"/images/{unique}/c?xsize=30", headers=WRITE).status_code == 200
        listed = client.get("/images", params={"regex": f"^{unique}/"}, headers=WRITE)
        assert listed.json() == [f"{unique}/c"]
        wrong = {"Authorization": "Bearer not-the-token"}
        assert_forbidden(client.get(f"/images/{unique}/c", headers=wrong))


def test_a_preset_applies_and_a_modifier_beside_it_wins(signed: ServerProcess, unique: str) -> None:
    upload(signed, f"{unique}/d.jpg")
    with http(signed) as client:
        thumb = client.get(signed_by_cli(signed, f"/images/{unique}/d?preset=thumb"))
        assert thumb.status_code == 200, thumb.text
        assert thumb.headers["content-type"] == "image/webp"
        assert Image.open(io.BytesIO(thumb.content)).size == (50, 33)
        expanded = client.get(signed_by_cli(signed, f"/images/{unique}/d?thumbnail=1&kind=webp"))
        assert expanded.headers["x-cache"] == "memory"  # the same derived image, the same key
        assert expanded.headers["etag"] == thumb.headers["etag"]
        png = client.get(signed_by_cli(signed, f"/images/{unique}/d?preset=thumb&kind=png"))
        assert png.headers["content-type"] == "image/png"
        card = client.get(signed_by_cli(signed, f"/images/{unique}/d?preset=card&xsize=60"))
        assert Image.open(io.BytesIO(card.content)).size == (60, 40)


def test_an_unknown_preset_is_a_400_that_lists_them(signed: ServerProcess, unique: str) -> None:
    upload(signed, f"{unique}/e.jpg")
    with http(signed) as client:
        response = client.get(signed_by_cli(signed, f"/images/{unique}/e?preset=huge"))
    assert response.status_code == 400
    assert response.json()["detail"] == "unknown preset 'huge'; presets: card, thumb"


def test_only_presets_refuses_xsize_but_serves_presets(
    presets_only: ServerProcess, unique: str
) -> None:
    upload(presets_only, f"{unique}/f.jpg")
    with http(presets_only) as client:
        refused = client.get(f"/images/{unique}/f", params={"xsize": "10"})
        assert refused.status_code == 400
        assert "only presets" in refused.json()["detail"]
        beside = client.get(f"/images/{unique}/f", params={"preset": "card", "xsize": "10"})
        assert beside.status_code == 400
        made, hit = (client.get(f"/images/{unique}/f", params={"preset": "card"}) for _ in "ab")
        assert (made.headers["x-cache"], hit.headers["x-cache"]) == ("derived", "memory")
        assert Image.open(io.BytesIO(hit.content)).size == (120, 80)
        assert client.get(f"/images/{unique}/f", params={"meta": "true"}).json()["width"] == 300
        assert client.get(f"/images/{unique}/f", params={"sig": "ignored"}).status_code == 200


def test_an_invalid_preset_stops_the_server_naming_the_option(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> None:
    process = ServerProcess(
        tmp_path_factory.mktemp("bad_preset"),
        swift_endpoint,
        containers,
        images={"presets": {"big": "xsize=0"}},
    )
    command = [sys.executable, "-m", "image_repo.cli", "-c", str(process.config_path)]
    done = subprocess.run(command, env=process.environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "images.presets" in done.stderr and "preset 'big'" in done.stderr
