"""The Swift cache container as a hostile place (SPEC 8): bounded, expiring, and never trusted
for bytes this service did not write there, although a TempURL key holder can write."""

from __future__ import annotations

import io
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
from PIL import Image
from swiftclient.client import Connection
from swiftclient.utils import generate_temp_url

from image_repo.localswift import SwiftEndpoint
from tests.images import encoded, jpeg_with_gps, picture
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration

URL_KEY = "cache-test-url-key"


@pytest.fixture
def own_containers(unique: str) -> tuple[str, str]:
    """Containers of the test's own: it sets their TempURL key, which the session's server's
    temporary URLs depend on in the shared ones."""
    return f"{unique}_data", f"{unique}_cache"


def derivatives(swift: Connection, container: str, name: str) -> list[dict[str, object]]:
    return list(swift.get_container(container, prefix=f"n/{name}//")[1])


def test_bytes_written_with_a_tempurl_key_are_never_served(
    tmp_path: Path,
    swift_endpoint: SwiftEndpoint,
    own_containers: tuple[str, str],
    swift: Connection,
    unique: str,
) -> None:
    name = f"{unique}/poisoned"
    sections = {"swift": {"url_key": URL_KEY}}
    first = ServerProcess(tmp_path / "a", swift_endpoint, own_containers, **sections)
    first.run_command("set-url-key")
    with first:
        url = f"{first.base_url}/images/{name}"
        assert httpx.put(url, content=jpeg_with_gps(300, 200)).status_code == 201
        genuine = httpx.get(url, params={"xsize": "21"}).content
        first.wait_for_cache_writes()
    [stored] = derivatives(swift, own_containers[1], name)
    storage_url, _token = swift.get_auth()
    path = f"{urlsplit(storage_url).path}/{own_containers[1]}/{stored['name']}"
    signed = generate_temp_url(path, int(time.time()) + 60, URL_KEY, "PUT")
    query = signed[signed.rindex("?") + 1 :]
    netloc = urlsplit(storage_url).netloc
    html = b"<html><script>alert(1)</script></html>"
    written = httpx.put(
        f"http://{netloc}{quote(path)}?{query}",
        content=html,
        headers={"Content-Type": "image/jpeg", "X-Object-Meta-Integrity": "0" * 64},
    )
    assert written.status_code == 201  # the TempURL key does let anyone write there
    with ServerProcess(tmp_path / "b", swift_endpoint, own_containers, **sections) as second:
        answer = httpx.get(f"{second.base_url}/images/{name}", params={"xsize": "21"})
        rejected = second.metric("image_repo_cache_container_rejected_total")
    assert answer.status_code == 200
    assert answer.headers["x-cache"] == "derived"  # not "swift": the object was refused
    assert answer.content == genuine
    assert rejected == 1


def test_large_derivatives_stay_out_and_stored_ones_expire(
    tmp_path: Path,
    swift_endpoint: SwiftEndpoint,
    own_containers: tuple[str, str],
    swift: Connection,
    unique: str,
) -> None:
    name = f"{unique}/flat"
    cache = {"swift_cache_max_bytes": 50_000, "swift_cache_ttl_seconds": 86_400}
    one = ServerProcess(tmp_path, swift_endpoint, own_containers, cache=cache)
    one.run_command("set-url-key")
    with one:
        url = f"{one.base_url}/images/{name}"
        flat = encoded(picture(2000, 2000, "RGB"), "PNG")  # small PNG, huge BMP
        assert httpx.put(url, content=flat).status_code == 201
        big = httpx.get(url, params={"kind": "bmp", "xsize": "1000"})
        small = httpx.get(url, params={"kind": "bmp", "xsize": "50"})
        assert len(big.content) > 50_000 > len(small.content)
        one.wait_for_cache_writes()
        stored = derivatives(swift, own_containers[1], name)
        assert [entry["bytes"] for entry in stored] == [len(small.content)]
        headers = swift.head_object(own_containers[1], str(stored[0]["name"]))
        expires_in = int(headers["x-delete-at"]) - time.time()
        assert 86_000 < expires_in <= 86_400
        issued = httpx.get(url, params={"kind": "bmp", "xsize": "1000", "url": "true"})
        fetched = httpx.get(issued.json()["url"], timeout=10)
        assert fetched.content == big.content  # url=true stores it whatever its size


def test_temporary_urls_of_names_with_a_question_mark_and_a_public_base(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, own_containers: tuple[str, str], unique: str
) -> None:
    public = f"http://localhost:{swift_endpoint.proxy_port}"
    sections = {"swift": {"url_key": URL_KEY, "public_url": public}}
    one = ServerProcess(tmp_path, swift_endpoint, own_containers, **sections)
    one.run_command("set-url-key")
    with one:
        url = f"{one.base_url}/images/{unique}/what%3Fnow"
        assert httpx.put(url, content=jpeg_with_gps(120, 90)).status_code == 201
        direct = httpx.get(url, params={"xsize": "60"})
        issued = httpx.get(url, params={"xsize": "60", "url": "true"}).json()["url"]
    assert issued.startswith(f"{public}/v1/")
    assert "what%3Fnow" in issued
    fetched = httpx.get(issued, timeout=10)
    assert fetched.status_code == 200 and fetched.content == direct.content
    assert Image.open(io.BytesIO(fetched.content)).size == (60, 45)
