"""What a first view asks of Swift (issue 15): the original's GET and the cache container's,
no HEAD before them and no listing for an object stored as `<name>.jpg`; the next size of the
same photo asks for no original at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import attrs
import httpx
import pytest
from swiftclient.client import Connection

from image_repo.localswift import SwiftEndpoint
from tests.images import jpeg_with_gps
from tests.integration.conftest import RunningServer, ServerProcess
from tests.swift_relay import SwiftRelay

pytestmark = pytest.mark.integration


@attrs.frozen
class Viewer:
    """A server that reaches Swift only through `relay`, and never saw the names viewed."""

    relay: SwiftRelay
    server: ServerProcess
    containers: tuple[str, str]

    def requests_about(self, name: str) -> list[tuple[str, str, int]]:
        """(method, container and object or the listing, status) of every Swift request made
        about `name` (listings of its extension variants included), in order."""
        data, cache = self.containers
        seen = []
        for request in self.relay.requests:
            container, obj = _split(request.path)
            if request.method not in ("GET", "HEAD"):  # start-up's container PUTs
                continue
            if container == data and (obj.startswith(name) or not obj):
                seen.append((request.method, f"{container}/{obj}", request.status))
            elif container == cache and request.method == "GET":
                seen.append((request.method, f"{container}/*", request.status))
        return seen


def _split(path: str) -> tuple[str, str]:
    """`/v1/AUTH_x/container/obj` as (container, obj); obj "" for the container itself, and
    ("", "") for what is no container's (the login)."""
    parts = [*path.split("/", 4), "", ""]
    return (parts[3], parts[4]) if parts[1] == "v1" else ("", "")


@pytest.fixture
def viewer(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str]
) -> Iterator[Viewer]:
    relay = SwiftRelay(swift_endpoint.proxy_port)
    auth = urlsplit(swift_endpoint.auth_url)
    relayed = attrs.evolve(swift_endpoint, auth_url=f"http://127.0.0.1:{relay.port}{auth.path}")
    with ServerProcess(tmp_path / "viewer", relayed, containers) as server:
        yield Viewer(relay, server, containers)
    relay.close()


def view(viewer: Viewer, name: str, **params: str) -> httpx.Response:
    answer = httpx.get(f"{viewer.server.base_url}/images/{name}", params=params, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer


def test_a_first_view_is_one_get_of_the_original_beside_the_cache_lookup(
    viewer: Viewer, server: RunningServer, unique: str
) -> None:
    name = f"{unique}/uploaded"
    httpx.put(
        f"{server.base_url}/images/{name}", content=jpeg_with_gps(1600, 1200)
    ).raise_for_status()
    data, cache = viewer.containers
    first = view(viewer, name, xsize="50")
    assert first.headers["x-cache"] == "derived"
    assert sorted(viewer.requests_about(name)) == [
        ("GET", f"{cache}/*", 404),
        ("GET", f"{data}/{name}", 200),
    ]
    viewer.relay.requests.clear()
    assert view(viewer, name, xsize="80").headers["x-cache"] == "derived"
    # the original was kept in memory: only the cache container is asked
    assert viewer.requests_about(name) == [("GET", f"{cache}/*", 404)]


def test_an_object_stored_as_name_jpg_costs_one_missing_get_and_no_listing(
    viewer: Viewer, swift_endpoint: SwiftEndpoint, unique: str
) -> None:
    data, _ = viewer.containers
    name = f"{unique}/by-another-tool"
    swift = Connection(swift_endpoint.auth_url, swift_endpoint.user, swift_endpoint.key)
    swift.put_container(data)
    swift.put_object(data, f"{name}.jpg", jpeg_with_gps(800, 600), content_type="image/jpeg")
    assert view(viewer, name, xsize="50").headers["x-cache"] == "derived"
    originals = [r for r in viewer.requests_about(name) if not r[1].endswith("/*")]
    assert originals == [("GET", f"{data}/{name}", 404), ("GET", f"{data}/{name}.jpg", 200)]
