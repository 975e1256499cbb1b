"""SPEC 13 through the HTTP API of one server on the session Swift: surrogate keys on every
answer, a purge per write to the configured edge (a loopback listener recording PURGEs: the
real Varnish is in test_edge_varnish.py), versioned URLs, and Swift's object versions."""

from __future__ import annotations

import http.server
import io
import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from image_repo.localswift import SwiftEndpoint
from tests.integration.conftest import RunningServer, ServerProcess

pytestmark = pytest.mark.integration

TOKEN = "versions-token"
WRITE = {"Authorization": f"Bearer {TOKEN}"}


class PurgeRecorder(http.server.ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.keys: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: PurgeRecorder

    def do_PURGE(self) -> None:
        self.server.keys.append(self.headers.get("xkey-purge", ""))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def purges() -> Iterator[PurgeRecorder]:
    recorder = PurgeRecorder()
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    yield recorder
    recorder.shutdown()
    recorder.server_close()


@pytest.fixture(scope="module")
def base_url(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    purges: PurgeRecorder,
) -> Iterator[str]:
    """Containers of its own: versioning is a container's setting."""
    suffix = uuid.uuid4().hex[:8]
    with ServerProcess(
        tmp_path_factory.mktemp("versions"),
        swift_endpoint,
        (f"versions_{suffix}", f"versions_cache_{suffix}"),
        server={"write_tokens": [TOKEN]},
        swift={"versions": True, "keep_versions": 2},
        edge={"purge_urls": [purges.url]},
    ) as server:
        yield server.base_url


def png(level: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (level, level, level)).save(out, "PNG")
    return out.getvalue()


def level_of(data: bytes) -> int:
    return int(Image.open(io.BytesIO(data)).convert("L").getpixel((0, 0)))  # type: ignore[arg-type]


def put(base_url: str, name: str, level: int) -> str:
    answer = httpx.put(f"{base_url}/images/{name}", content=png(level), headers=WRITE, timeout=30)
    assert answer.status_code == 201, answer.text
    etag: str = answer.json()["etag"]
    return etag


def test_answers_carry_their_surrogate_keys_and_writes_purge_them(
    base_url: str, purges: PurgeRecorder
) -> None:
    name = f"keys {uuid.uuid4().hex[:6]}/sub/photo"
    put(base_url, name, 10)
    assert purges.keys[-1].split() == [
        name.replace(" ", "%20"),
        f"list:{name.replace(' ', '%20').rsplit('/', 1)[0]}/",
        f"list:{name.split('/')[0].replace(' ', '%20')}/",
        "list:",
    ]
    quoted = name.replace(" ", "%20")
    folders = [quoted.split("/")[0] + "/", quoted.rsplit("/", 1)[0] + "/"]
    for params in ({}, {"xsize": "20"}, {"meta": "true"}):
        answer = httpx.get(f"{base_url}/images/{name}", params=params, timeout=30)
        assert answer.status_code == 200
        assert answer.headers["xkey"].split() == [quoted, *folders]
        assert answer.headers["surrogate-key"] == answer.headers["xkey"]
        assert answer.headers["cache-tag"] == ",".join([quoted, *folders])
    listing = httpx.get(f"{base_url}/images", params={"prefix": f"{name.split('/')[0]}/"})
    assert listing.headers["xkey"] == f"list:{folders[0]}"
    zipped = httpx.get(
        f"{base_url}/images/{name.rsplit('/', 1)[0]}", params={"regex": ".", "zip": "true"}
    )
    assert zipped.headers["xkey"].split() == [f"list:{folders[1]}", quoted]
    assert httpx.delete(f"{base_url}/images/{name}", headers=WRITE).status_code == 204
    assert purges.keys[-1].split()[0] == quoted


def test_a_pinned_url_is_immutable_and_gone_once_replaced_unless_kept(base_url: str) -> None:
    name = f"pins/{uuid.uuid4().hex[:8]}"
    first = put(base_url, name, 20)
    meta = httpx.get(f"{base_url}/images/{name}", params={"meta": "true"}).json()
    assert meta["url"] == f"/images/{name}?v={first[:12]}"
    pinned = httpx.get(f"{base_url}{meta['url']}&xsize=30")
    assert pinned.status_code == 200
    assert pinned.headers["cache-control"] == "public, max-age=31536000, immutable"
    again = httpx.get(f"{base_url}{meta['url']}&xsize=30")  # a memory hit: same headers
    assert again.headers["x-cache"] == "memory"
    assert again.headers["cache-control"] == pinned.headers["cache-control"]
    unpinned = httpx.get(f"{base_url}/images/{name}")
    assert "immutable" not in unpinned.headers["cache-control"]
    put(base_url, name, 200)
    # versions on: the old pin is a kept version, served with its own bytes
    old = httpx.get(f"{base_url}{meta['url']}&kind=png")
    assert old.status_code == 200 and level_of(old.content) == 20
    assert httpx.get(f"{base_url}/images/{name}?v=ffffffffffff").status_code == 404


def test_the_listing_details_give_versioned_urls_from_the_listing(base_url: str) -> None:
    folder = f"details{uuid.uuid4().hex[:6]}"
    etags = {f"{folder}/{index}": put(base_url, f"{folder}/{index}", index) for index in range(3)}
    listed = httpx.get(f"{base_url}/images", params={"prefix": f"{folder}/", "details": "true"})
    entries = listed.json()
    assert [e["name"] for e in entries] == sorted(etags)
    for entry in entries:
        assert entry["url"] == f"/images/{entry['name']}?v={etags[entry['name']][:12]}"
        assert entry["etag"] == etags[entry["name"]]
        assert entry["bytes"] > 0 and entry["modified"].endswith("Z")
    folders = httpx.get(f"{base_url}/images", params={"delimiter": "/", "details": "1"}).json()
    assert {"name": f"{folder}/", "folder": True} in folders


def test_versions_are_listed_served_restored_and_bounded(base_url: str) -> None:
    name = f"versions/{uuid.uuid4().hex[:8]}"
    etags = [put(base_url, name, level) for level in (30, 90, 150, 210)]
    listed = httpx.get(f"{base_url}/images/{name}", params={"versions": "true"}).json()
    versions = listed["versions"]
    # keep_versions 2: the current and the two before it
    assert [v["etag"] for v in versions] == etags[:0:-1]
    assert [v["current"] for v in versions] == [True, False, False]
    oldest = versions[-1]
    for size in ("16", "40"):
        answer = httpx.get(f"{base_url}{oldest['url']}&xsize={size}&kind=png", timeout=30)
        assert answer.status_code == 200 and level_of(answer.content) == 90
        assert Image.open(io.BytesIO(answer.content)).width == int(size)
        assert "immutable" in answer.headers["cache-control"]
    assert httpx.delete(f"{base_url}/images/{name}", headers=WRITE).status_code == 204
    assert httpx.get(f"{base_url}/images/{name}").status_code == 404
    kept = httpx.get(f"{base_url}/images/{name}", params={"versions": "true"}).json()["versions"]
    assert not any(v["current"] for v in kept) and len(kept) >= 2
    refused = httpx.post(f"{base_url}/images/{name}", params={"restore": oldest["id"]})
    assert refused.status_code == 401
    restored = httpx.post(
        f"{base_url}/images/{name}", params={"restore": oldest["id"]}, headers=WRITE
    )
    assert restored.status_code == 201, restored.text
    assert restored.json()["etag"] == etags[1]
    now = httpx.get(f"{base_url}/images/{name}", params={"kind": "png"})
    assert now.status_code == 200 and level_of(now.content) == 90
    missing = httpx.post(
        f"{base_url}/images/{name}", params={"restore": "1000000000.00000"}, headers=WRITE
    )
    assert missing.status_code == 404


def test_a_refused_conditional_upload_keeps_no_version(base_url: str) -> None:
    """`If-None-Match: *` on a taken name: a 412 and nothing kept of the refused bytes (Swift's
    versioning kept them when the 412 was left to Swift alone)."""
    name = f"versions/{uuid.uuid4().hex[:8]}"
    put(base_url, name, 40)
    refused = httpx.put(
        f"{base_url}/images/{name}",
        content=png(200),
        headers={**WRITE, "If-None-Match": "*"},
        timeout=30,
    )
    assert refused.status_code == 412
    versions = httpx.get(f"{base_url}/images/{name}", params={"versions": "true"}).json()
    assert len(versions["versions"]) == 1


def test_versions_off_is_a_clear_400(server_url_without_versions: str) -> None:
    answer = httpx.get(f"{server_url_without_versions}/images/x", params={"versions": "true"})
    assert answer.status_code == 400
    assert "swift.versions" in answer.json()["detail"]


@pytest.fixture
def server_url_without_versions(server: RunningServer) -> str:
    return server.base_url
