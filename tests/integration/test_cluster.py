"""Three gunicorn nodes on the session Swift behind Debian's nginx running the shipped cluster
site (deploy/nginx/image_repo_cluster.conf): SPEC section 7 through the whole cluster.

Which node answered a request is read from nginx's access log, which the harness writes with
`$upstream_addr` (tests.cluster.Cluster.routes); the routing test checks it against each node's
own /metrics request counter. Versions of an image are solid colours (tests.cluster.PALETTE),
compared on decoded pixels; every GET opens a new connection, so it may reach any worker.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from image_repo.adapters.metric_batches import FLUSH_SECONDS
from image_repo.localswift import SwiftEndpoint
from tests.cluster import Cluster, solid_png, version_of

pytestmark = pytest.mark.integration

SIZES = (None, 40, 120)
OLD, NEW = 0, 63  # black and white


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[Cluster]:
    with Cluster(
        tmp_path_factory.mktemp("cluster"), swift_endpoint, containers, nodes=3
    ) as cluster:
        yield cluster


def get(base_url: str, name: str, size: int | None = None, method: str = "GET") -> httpx.Response:
    """One request on a new connection (module-level httpx opens one per call)."""
    params = {"kind": "png"} | ({"xsize": str(size)} if size else {})
    return httpx.request(method, f"{base_url}/images/{name}", params=params, timeout=30)


def put(base_url: str, name: str, version: int) -> None:
    answer = httpx.put(f"{base_url}/images/{name}", content=solid_png(version), timeout=30)
    assert answer.status_code == 201, answer.text


def warm(base_url: str, name: str, version: int, rounds: int = 6) -> None:
    """Every size a few times, each on a new connection: the workers learn the name."""
    for _round in range(rounds):
        for size in SIZES:
            answer = get(base_url, name, size)
            assert answer.status_code == 200, answer.text
            assert version_of(answer.content) == version


def not_version(base_url: str, name: str, version: int, count: int) -> list[tuple[object, ...]]:
    """The answers of `count` GETs (sizes in turn) that are not `version`."""
    wrong: list[tuple[object, ...]] = []
    for attempt in range(count):
        answer = get(base_url, name, SIZES[attempt % len(SIZES)])
        seen = (answer.status_code, version_of(answer.content), answer.headers.get("x-cache"))
        if seen[:2] != (200, version):
            wrong.append(seen)
    return wrong


def summary(wrong: list[tuple[object, ...]]) -> dict[tuple[object, ...], int]:
    return dict(Counter(wrong))


def test_replace_and_delete_are_seen_at_once_through_nginx(cluster: Cluster, unique: str) -> None:
    """Read through nginx and straight from the node nginx routes the name to: nginx reuses a
    few pooled connections to a node, so only direct new connections reach all its workers."""
    name = f"{unique}/through"
    put(cluster.nginx_url, name, OLD)
    owner = cluster.nodes[cluster.owner(name)]
    warm(cluster.nginx_url, name, OLD)
    warm(owner.url, name, OLD)
    cluster.wait_for_cache_writes()
    put(cluster.nginx_url, name, NEW)
    stale = not_version(cluster.nginx_url, name, NEW, 40) + not_version(owner.url, name, NEW, 40)
    answer = httpx.delete(f"{cluster.nginx_url}/images/{name}", timeout=30)
    assert answer.status_code == 204, answer.text
    served = [
        (answer.status_code, answer.headers.get("x-cache"))
        for base_url in (cluster.nginx_url, owner.url)
        for answer in [
            *(get(base_url, name, SIZES[i % len(SIZES)]) for i in range(20)),
            *(get(base_url, name, SIZES[i % len(SIZES)], "HEAD") for i in range(10)),
        ]
        if answer.status_code != 404
    ]
    assert not stale and not served, (
        f"after the 201, {len(stale)} of 80 GETs were not the new image {summary(stale)}; "
        f"after the 204, {len(served)} of 60 GETs and HEADs were not 404 {dict(Counter(served))}"
    )
    through_nginx = cluster.routes_of(name, 1 + 18 + 1 + 40 + 1 + 30)
    assert {route.nodes for route in through_nginx} == {(cluster.nodes.index(owner),)}


def test_every_form_of_a_name_is_routed_to_one_node(cluster: Cluster, unique: str) -> None:
    names = [f"{unique}/route{i}" for i in range(11)] + [f"{unique}/v1.2/cat"]
    time.sleep(FLUSH_SECONDS + 0.5)  # what earlier tests counted is written (metric_batches)
    before = [node.image_requests() for node in cluster.nodes]
    per_name = 0
    for name in names:
        forms = [
            ("PUT", f"/images/{name}.png", {}),
            ("GET", f"/images/{name}.jpg", {}),
            ("GET", f"/images/{name}", {"xsize": "10"}),
            ("GET", f"/images/{name}.PNG", {"xsize": "20", "kind": "webp"}),
            ("GET", f"/images/{name}.JpEg", {"thumbnail": "true"}),
            ("HEAD", f"/images/{name}.gif", {"ysize": "30"}),
            ("GET", f"/images/{name}", {"meta": "true"}),
        ]
        per_name = len(forms)
        for method, path, params in forms:
            content = solid_png(OLD) if method == "PUT" else None
            answer = httpx.request(
                method, cluster.nginx_url + path, params=params, content=content, timeout=30
            )
            assert answer.status_code in (200, 201), (method, path, answer.text)
    owners: dict[str, set[int]] = {}
    for name in names:
        routes = cluster.routes_of(name, per_name)
        assert len(routes) == per_name, routes
        owners[name] = {route.nodes[-1] for route in routes}
    assert all(len(nodes) == 1 for nodes in owners.values()), owners
    assert len({next(iter(nodes)) for nodes in owners.values()}) >= 2, "all names on one node"
    # The nodes' own counters agree with nginx's log: each counted exactly its names' requests.
    expected = [
        per_name * sum(1 for nodes in owners.values() if index in nodes)
        for index in range(len(cluster.nodes))
    ]
    deadline = time.monotonic() + 5
    while True:
        counted = [node.image_requests() - b for node, b in zip(cluster.nodes, before, strict=True)]
        if counted == expected or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert counted == expected


def test_a_node_stopped_and_started_never_serves_the_old_image(
    cluster: Cluster, unique: str
) -> None:
    name = f"{unique}/restarted"
    put(cluster.nginx_url, name, OLD)
    owner = cluster.owner(name)
    warm(cluster.nginx_url, name, OLD)
    cluster.wait_for_cache_writes()  # the owner's disk tier holds the old image
    cluster.stop_node(owner)
    try:
        logged = cluster.logged_count(name)
        put(cluster.nginx_url, name, NEW)  # answered by the next node on the ring
        assert cluster.owner(name, logged_before=logged) != owner
        while_away = not_version(cluster.nginx_url, name, NEW, 12)
    finally:
        cluster.start_node(owner)
    direct = not_version(cluster.nodes[owner].url, name, NEW, 30)
    through = not_version(cluster.nginx_url, name, NEW, 15)
    time.sleep(2.5)  # past fail_timeout: nginx gives the owner its names back
    taken_back = not_version(cluster.nginx_url, name, NEW, 15)
    assert not (while_away or direct or through or taken_back), (
        f"old or wrong image: {len(while_away)} of 12 GETs while the owner was down "
        f"{summary(while_away)}, {len(direct)} of 30 straight from the restarted owner "
        f"{summary(direct)}, {len(through)} + {len(taken_back)} of 30 through nginx after "
        f"{summary(through + taken_back)}"
    )
    logged = cluster.logged_count(name)
    get(cluster.nginx_url, name, None)
    assert cluster.owner(name, logged) == owner  # nginx did give the restarted node its names


def test_a_derivation_made_on_one_node_is_served_by_another_from_swift(
    cluster: Cluster, unique: str
) -> None:
    name = f"{unique}/shared"
    first, second = cluster.nodes[0], cluster.nodes[1]
    put(first.url, name, OLD)
    made = get(first.url, name, 77)
    assert made.status_code == 200
    assert made.headers["x-cache"] == "derived"
    cluster.wait_for_cache_writes()  # the derived image reaches the cache container
    served = get(second.url, name, 77)
    assert served.status_code == 200
    assert served.headers["x-cache"] == "swift"
    assert served.content == made.content
    assert served.headers["etag"] == made.headers["etag"]


def test_a_regex_zip_after_a_replace_through_another_node_holds_the_new_image(
    cluster: Cluster, unique: str
) -> None:
    folder = f"{unique}/album"
    for leaf in ("a", "b"):
        put(cluster.nginx_url, f"{folder}/{leaf}", OLD)

    def zipped() -> dict[str, int | None]:
        answer = httpx.get(
            f"{cluster.nginx_url}/images/{folder}",
            params={"regex": ".", "zip": "true", "kind": "png"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        archive = zipfile.ZipFile(io.BytesIO(answer.content))
        return {entry: version_of(archive.read(entry)) for entry in archive.namelist()}

    for _attempt in range(6):  # the folder's node, all its workers, learn the old images
        assert zipped() == {f"{folder}/a.png": OLD, f"{folder}/b.png": OLD}
    cluster.wait_for_cache_writes()
    folder_owner = cluster.owner(folder)
    other = next(node for index, node in enumerate(cluster.nodes) if index != folder_owner)
    put(other.url, f"{folder}/a", NEW)
    wanted = {f"{folder}/a.png": NEW, f"{folder}/b.png": OLD}
    archives = [zipped() for _attempt in range(10)]
    stale = [archive for archive in archives if archive != wanted]
    assert not stale, f"{len(stale)} of 10 zips were not {wanted}: {stale}"
    assert cluster.owner(folder) == folder_owner
