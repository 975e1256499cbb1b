"""A real Varnish (Debian's, with the xkey vmod, running deploy/varnish/image_repo.vcl) in front of
nginx and three nodes on the session Swift: SPEC section 13 through the edge.

The nodes purge Varnish (`edge.purge_urls`) after every write. Versions of an image are solid
colours (tests.cluster.PALETTE), compared on decoded pixels; every request opens a new connection
on loopback. Whether Varnish answered from its cache is read from its own counters (varnishstat)
and from the VCL's `X-Cache-Edge` header.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs
import httpx
import pytest
from PIL import Image

from image_repo.adapters.edge.purger import SECOND_PURGE_SECONDS
from image_repo.adapters.metric_batches import FLUSH_SECONDS
from image_repo.localswift import SwiftEndpoint
from image_repo.localswift.cluster import free_port
from tests.cluster import Cluster, solid_png, version_of
from tests.edge import Varnish

pytestmark = pytest.mark.integration

SIZES = (None, 40, 120)
NEW = 63  # white: no name below is ever put at this palette index first
PURGE_TIMEOUT = 1.0
PINNED = "public, max-age=31536000, immutable"
PURGES = "image_repo_edge_purges_total"


@attrs.frozen
class Edge:
    cluster: Cluster
    varnish: Varnish

    @property
    def url(self) -> str:
        return self.varnish.url

    @property
    def nginx_url(self) -> str:
        return self.cluster.nginx_url

    def purges(self, outcome: str) -> float:
        return sum(node.metric(PURGES, outcome=outcome) for node in self.cluster.nodes)


def edge_in_front(
    root: Path,
    endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    swift: dict[str, Any],
    images: dict[str, Any],
) -> Iterator[Edge]:
    """Varnish's port is chosen first: the nodes are configured to purge it."""
    port = free_port()
    purging = {"purge_urls": [f"http://127.0.0.1:{port}/"], "purge_timeout_seconds": PURGE_TIMEOUT}
    with (
        Cluster(
            root / "cluster", endpoint, containers, edge=purging, swift=swift, images=images
        ) as cl,
        Varnish(root / "varnish", cl.nginx.port, port=port) as varnish,
    ):
        yield Edge(cl, varnish)


@pytest.fixture(scope="module")
def edge(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[Edge]:
    root = tmp_path_factory.mktemp("edge")
    negotiating = {"auto_formats": ["webp"]}
    yield from edge_in_front(root, swift_endpoint, containers, swift={}, images=negotiating)


@pytest.fixture(scope="module")
def versioned_edge(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[Edge]:
    """Its own containers: object versioning stays on a container once set."""
    own = (f"{containers[0]}_v", f"{containers[1]}_v")
    root = tmp_path_factory.mktemp("versioned_edge")
    yield from edge_in_front(root, swift_endpoint, own, swift={"versions": True}, images={})


def get(
    base_url: str, name: str, size: int | None = None, method: str = "GET", **params: str
) -> httpx.Response:
    """One request on a new connection; the same arguments give the same URL (one cache entry)."""
    query = {"kind": "png", **params} | ({"xsize": str(size)} if size else {})
    return httpx.request(method, f"{base_url}/images/{name}", params=query, timeout=30)


def put(base_url: str, name: str, version: int) -> dict[str, Any]:
    answer = httpx.put(f"{base_url}/images/{name}", content=solid_png(version), timeout=30)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def seen(answer: httpx.Response) -> tuple[int, int | None, str | None]:
    return answer.status_code, version_of(answer.content), answer.headers.get("x-cache-edge")


def test_replace_and_delete_never_serve_old_bytes_through_varnish(edge: Edge, unique: str) -> None:
    names = [f"{unique}/n{index}" for index in range(6)]
    replaced, deleted, kept = names[0], names[1], names[2:]
    for index, name in enumerate(names):
        put(edge.url, name, index)  # writes go through the edge too
    # each write's purge is sent again SECOND_PURGE_SECONDS later: warm after it, so it drops
    # nothing the count below expects to hit
    time.sleep(SECOND_PURGE_SECONDS + 1)
    urls = [(name, size) for name in names for size in SIZES]
    hits = edge.varnish.counter("MAIN.cache_hit")
    answers = [get(edge.url, *urls[attempt % len(urls)]) for attempt in range(200)]
    wrong = [
        (url, seen(answer))
        for attempt, answer in enumerate(answers)
        for url in [urls[attempt % len(urls)]]
        if seen(answer)[:2] != (200, names.index(url[0]))
    ]
    assert not wrong, wrong
    assert edge.varnish.counter("MAIN.cache_hit") - hits >= 200 - len(urls)
    first = answers[0]
    keys = [quote(replaced, safe="/"), f"{unique}/"]
    assert first.headers["xkey"].split() == keys
    assert first.headers["surrogate-key"].split() == keys
    assert first.headers["cache-tag"].split(",") == keys
    old_etags = {urls[i]: answer.headers["etag"] for i, answer in enumerate(answers[: len(urls)])}

    put(edge.url, replaced, NEW)
    answer = httpx.delete(f"{edge.url}/images/{deleted}", timeout=30)
    assert answer.status_code == 204, answer.text

    stale = []
    for _round in range(3):
        for size in SIZES:
            for method in ("GET", "HEAD"):
                now = get(edge.url, replaced, size, method)
                if now.status_code != 200 or now.headers.get("etag") == old_etags[replaced, size]:
                    stale.append((replaced, size, method, seen(now)))
                if method == "GET" and version_of(now.content) != NEW:
                    stale.append((replaced, size, method, seen(now)))
                gone = get(edge.url, deleted, size, method)
                if gone.status_code != 404:
                    stale.append((deleted, size, method, seen(gone)))
    assert not stale, stale
    # Every other name is still in Varnish: answered from its cache, not the nodes.
    hits = edge.varnish.counter("MAIN.cache_hit")
    still = [(name, size, seen(get(edge.url, name, size))) for name in kept for size in SIZES]
    assert all(s == (200, names.index(name), "HIT") for name, _size, s in still), still
    assert edge.varnish.counter("MAIN.cache_hit") - hits == len(still)


def test_negotiated_formats_stay_apart_and_are_purged_together(edge: Edge, unique: str) -> None:
    """`Vary: Accept`: one URL, a variant per negotiated format, both dropped by one purge."""
    name = f"{unique}/negotiated"
    put(edge.url, name, 5)
    url = f"{edge.url}/images/{name}?xsize=60"
    accepts = ("image/webp,image/*,*/*;q=0.8", "image/png,image/*;q=0.8")

    def fetch(accept: str) -> httpx.Response:
        return httpx.get(url, headers={"accept": accept}, timeout=30)

    first = [fetch(accept) for accept in accepts]
    types = [a.headers["content-type"] for a in first]
    assert types[0] == "image/webp" and types[1] != "image/webp", types
    again = [fetch(accept) for accept in accepts]
    assert [(a.headers["content-type"], seen(a)) for a in again] == [
        (types[0], (200, 5, "HIT")),
        (types[1], (200, 5, "HIT")),
    ]
    assert "accept" in again[0].headers["vary"].lower()
    put(edge.url, name, NEW)
    after = [fetch(accept) for accept in accepts]
    assert [(a.headers["content-type"], version_of(a.content)) for a in after] == [
        (types[0], NEW),
        (types[1], NEW),
    ]


def test_a_selection_is_filed_under_its_names_and_purged_with_any_of_them(
    edge: Edge, unique: str
) -> None:
    """A regex selection carries every selected name's key: long enough headers that nginx and
    Varnish must be given room for them (more than nginx's default 4 KiB proxy_buffer_size)."""
    stem = f"{unique}/sel/" + "long-name-" * 7
    names = [f"{stem}{index:03d}" for index in range(100)]
    for name in names:
        put(edge.url, name, 1)
    folder = f"{edge.url}/images/{unique}/sel"
    half = {"regex": ".*0[0-4][0-9]", "meta": "true"}  # the first 50
    first, again = (httpx.get(folder, params=half, timeout=30) for _ in range(2))
    assert first.status_code == 200, first.text[:300]
    assert sorted(first.json()) == names[:50]
    assert set(names[:50]) <= set(first.headers["xkey"].split())
    assert len(first.headers["xkey"]) > 4096
    assert seen(again)[::2] == (200, "HIT")
    etag = put(edge.url, names[7], NEW)["etag"]
    after = httpx.get(folder, params=half, timeout=30)
    assert seen(after)[::2] == (200, "MISS")
    assert after.json()[names[7]]["etag"] == etag
    # All 100: the keys would pass ~8 KiB, so the answer is for no shared cache at all.
    everything = [httpx.get(folder, params={"regex": ".*", "meta": "true"}) for _ in range(2)]
    assert [seen(a)[::2] for a in everything] == [(200, "PASS")] * 2
    assert len(everything[0].json()) == len(names)
    assert "no-store" in everything[0].headers["cache-control"]


def test_only_configured_addresses_may_purge(edge: Edge, unique: str) -> None:
    """The VCL's ACL holds loopback's 127.0.0.1 and ::1; 127.0.0.2 is loopback but not in it."""
    names = [f"{unique}/p{index}" for index in range(3)]
    for index, name in enumerate(names):
        put(edge.url, name, index)
        get(edge.url, name)
        assert get(edge.url, name).headers["x-cache-edge"] == "HIT"
    outsider = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=10)
    with outsider:
        refused = outsider.request("PURGE", f"{edge.url}/", headers={"xkey-purge": f"{unique}/"})
    assert refused.status_code == 403
    assert get(edge.url, names[0]).headers["x-cache-edge"] == "HIT"
    nothing = httpx.request("PURGE", f"{edge.url}/", headers={"xkey-purge": "no-such-key"})
    assert (nothing.status_code, nothing.text.strip()) == (200, "Purged 0")
    # A folder key drops every image under it (each name here has one cached answer).
    folder = httpx.request("PURGE", f"{edge.url}/", headers={"xkey-purge": f"{unique}/"})
    assert (folder.status_code, folder.text.strip()) == (200, f"Purged {len(names)}")
    assert [get(edge.url, name).headers["x-cache-edge"] for name in names] == ["MISS"] * 3


def test_a_purge_missed_while_varnish_hangs_lands_once_it_is_back(edge: Edge, unique: str) -> None:
    replaced, deleted = f"{unique}/while-paused", f"{unique}/deleted-while-paused"
    for index, name in enumerate((replaced, deleted)):
        put(edge.url, name, index)
        for size in SIZES:
            get(edge.url, name, size)
            assert seen(get(edge.url, name, size)) == (200, index, "HIT")
    time.sleep(FLUSH_SECONDS + 0.5)  # every worker's counts of those writes' purges are out
    sent, failed = edge.purges("sent"), edge.purges("failed")
    edge.varnish.pause()
    try:
        # Varnish hangs (SIGSTOP): the writes go to nginx directly, and wait at most
        # edge.purge_timeout_seconds for the purge before answering.
        started = time.monotonic()
        put(edge.nginx_url, replaced, NEW)
        put_seconds = time.monotonic() - started
        answer = httpx.delete(f"{edge.nginx_url}/images/{deleted}", timeout=30)
        delete_seconds = time.monotonic() - started - put_seconds
        assert answer.status_code == 204, answer.text
        time.sleep(1.5)  # a retry or two fails too
    finally:
        edge.varnish.resume()
    assert put_seconds < PURGE_TIMEOUT + 3 and delete_seconds < PURGE_TIMEOUT + 3
    # The queued purges are retried (backoff 1 s doubling, so up to ~30 s apart) until they
    # land. Varnish may also act on a first try it finds queued on its socket when it wakes,
    # already counted failed by the node: fresh answers may come before the retry is counted.
    deadline = time.monotonic() + 35
    while True:
        now = [get(edge.url, replaced, size) for size in SIZES]
        gone = [get(edge.url, deleted, size) for size in SIZES]
        if all(seen(a)[:2] == (200, NEW) for a in now) and all(a.status_code == 404 for a in gone):
            break
        assert time.monotonic() < deadline, [seen(a) for a in now + gone]
        time.sleep(0.5)
    while edge.purges("failed") <= failed or edge.purges("sent") <= sent:
        assert time.monotonic() < deadline, (
            failed,
            sent,
            edge.purges("failed"),
            edge.purges("sent"),
        )
        time.sleep(0.5)
    # Nothing stale comes back from Varnish later (a retry landing after Varnish acted on the
    # first try may drop the new copies again: a MISS, never the old image).
    for size in SIZES:
        assert seen(get(edge.url, replaced, size))[:2] == (200, NEW)
        assert get(edge.url, deleted, size).status_code == 404


def test_versioned_urls_are_immutable_and_end_with_their_version(edge: Edge, unique: str) -> None:
    name = f"{unique}/pinned"
    v_old = put(edge.url, name, 7)["etag"][:12]
    unpinned = get(edge.url, name, 40)
    assert unpinned.headers["cache-control"].startswith("public, max-age=")
    assert "immutable" not in unpinned.headers["cache-control"]
    pinned = [get(edge.url, name, 40, v=v_old) for _ in range(2)]
    assert [seen(a) for a in pinned] == [(200, 7, "MISS"), (200, 7, "HIT")]
    assert pinned[0].headers["cache-control"] == PINNED
    assert name in pinned[0].headers["xkey"].split()

    v_new = put(edge.url, name, NEW)["etag"][:12]
    assert v_new != v_old
    for base_url in (edge.url, edge.nginx_url):
        assert get(base_url, name, 40, v=v_old).status_code == 404
        answer = get(base_url, name, 40, v=v_new)
        assert (answer.status_code, version_of(answer.content)) == (200, NEW)
        assert answer.headers["cache-control"] == PINNED


def test_a_large_upload_passes_through_varnish(edge: Edge, unique: str) -> None:
    """Writes are passed with their bodies streamed: a PNG of noise, 48 MB (the app's limit is
    50 MiB)."""
    buffer = io.BytesIO()
    noise = Image.frombytes("RGB", (4000, 4000), random.Random(23).randbytes(48_000_000))
    noise.save(buffer, "PNG", compress_level=0)
    body = buffer.getvalue()
    assert len(body) > 48_000_000
    answer = httpx.put(f"{edge.url}/images/{unique}/large", content=body, timeout=60)
    assert answer.status_code == 201, answer.text
    assert answer.json()["bytes"] == len(body)
    assert get(edge.url, f"{unique}/large", 100).status_code == 200


def test_versions_replace_list_serve_delete_restore(versioned_edge: Edge, unique: str) -> None:
    edge = versioned_edge
    name = f"{unique}/kept"
    etags = [put(edge.url, name, version)["etag"] for version in (0, 1, 2)]
    listing = httpx.get(f"{edge.nginx_url}/images/{name}", params={"versions": "true"}, timeout=30)
    assert listing.status_code == 200, listing.text
    versions = listing.json()["versions"]
    assert [v["etag"] for v in versions] == etags[::-1]
    assert [v["current"] for v in versions] == [True, False, False]
    oldest = versions[-1]["id"]
    for base_url in (edge.nginx_url, edge.url):
        for size in (40, 120):
            answer = get(base_url, name, size, version=oldest)
            assert (answer.status_code, version_of(answer.content)) == (200, 0)
            assert answer.headers["cache-control"] == PINNED
            with Image.open(io.BytesIO(answer.content)) as image:
                assert image.width == size
        assert get(base_url, name, 40, version="1000000000.00000").status_code == 404
        assert version_of(get(base_url, name, 40).content) == 2

    answer = httpx.delete(f"{edge.url}/images/{name}", timeout=30)
    assert answer.status_code == 204, answer.text
    for base_url in (edge.nginx_url, edge.url):
        assert [get(base_url, name, size).status_code for size in SIZES] == [404] * 3
    after_delete = httpx.get(f"{edge.url}/images/{name}", params={"versions": "true"}, timeout=30)
    kept = after_delete.json()["versions"]
    assert [v["etag"] for v in kept] == etags[::-1]
    assert not any(v["current"] for v in kept)

    restored = httpx.post(f"{edge.url}/images/{name}", params={"restore": oldest}, timeout=30)
    assert restored.status_code == 201, restored.text
    assert restored.json()["etag"] == etags[0]
    for base_url in (edge.url, edge.nginx_url):
        assert [seen(get(base_url, name, size))[:2] for size in SIZES] == [(200, 0)] * 3
    unknown = httpx.post(
        f"{edge.url}/images/{name}", params={"restore": "1000000000.00000"}, timeout=30
    )
    assert unknown.status_code == 404
