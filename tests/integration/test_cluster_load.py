"""A bounded mixed load through nginx's cluster site while something dies (SPEC 7): one image_repo
node SIGKILLed and restarted; then, over a 3-replica Swift, one object server killed and restarted.

Six client threads each own three names, so the last write of every name is well defined: a GET
must return the version that client last got a 201 for, or 404 after its 204. Versions are solid
colours (tests.cluster.PALETTE) told apart on decoded pixels. Afterwards Swift (asked with
`X-Newest: true`, so every replica votes) holds exactly the last 201'd bytes of every name and
nothing of the deleted ones. Loops are bounded in count and time: about 60 s per run at most.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator

import attrs
import httpx
import pytest
from swiftclient.client import ClientException, Connection

from image_repo.localswift import LocalSwift, SwiftEndpoint
from tests.cluster import PALETTE, Cluster, solid_png, version_of

pytestmark = pytest.mark.integration

CLIENTS = 6
NAMES_PER_CLIENT = 3
BEFORE_OUTAGE = 80  # requests answered before the failure is injected
OUTAGE_SECONDS = 4
AFTER_RESTART = 250  # requests answered after the restart before the load stops
RUN_SECONDS = 60  # hard bound of one run
NEWEST = {"X-Newest": "true"}
REPLICATED_CONTAINERS = (f"load3_{uuid.uuid4().hex[:8]}", f"load3_cache_{uuid.uuid4().hex[:8]}")


@attrs.define
class Tally:
    """What every client saw, shared by the threads (under `lock`)."""

    lock: threading.Lock = attrs.field(factory=threading.Lock)
    requests: int = 0
    operations: Counter[str] = attrs.field(factory=Counter)
    failures: list[str] = attrs.field(factory=list)  # 5xx, connection errors, wrong statuses
    stale: list[str] = attrs.field(factory=list)  # an old version, or a deleted image served
    deletes_retried: int = 0  # DELETEs answered 404 after an earlier attempt had removed it

    def record(self, operation: str, failure: str | None = None, stale: str | None = None) -> None:
        with self.lock:
            self.requests += 1
            self.operations[operation] += 1
            if failure is not None:
                self.failures.append(failure)
            if stale is not None:
                self.stale.append(stale)

    def report(self) -> str:
        return (
            f"{self.requests} requests {dict(self.operations)}; {len(self.failures)} failed, "
            f"{len(self.stale)} stale reads, {self.deletes_retried} DELETEs retried into a 404; "
            f"failures: {self.failures[:10]}; stale: {self.stale[:10]}"
        )


class LoadClient:
    """One thread's names and what it last did to each: the expected state of every name."""

    def __init__(
        self, number: int, base_url: str, prefix: str, tally: Tally, swift: SwiftEndpoint, data: str
    ) -> None:
        self.number = number
        self.base_url = base_url
        self.names = [f"{prefix}/c{number}/n{i}" for i in range(NAMES_PER_CLIENT)]
        self.version: dict[str, int | None] = dict.fromkeys(self.names)  # None: absent
        self.body: dict[str, bytes | None] = dict.fromkeys(self.names)  # the last 201'd bytes
        self.written = dict.fromkeys(self.names, 0)
        self.tally = tally
        self.swift = swift_connection(swift)  # its own: a Connection is not thread-safe
        self.data_container = data
        self.random = random.Random(number)

    def run(self, stop: threading.Event, deadline: float) -> None:
        with httpx.Client(base_url=self.base_url, timeout=60) as http:
            while not stop.is_set() and time.monotonic() < deadline:
                self.step(http)

    def step(self, http: httpx.Client) -> None:
        name = self.random.choice(self.names)
        draw = self.random.random()
        if self.version[name] is None:
            operation = "upload" if draw < 0.7 else "get"
        else:
            operation = (
                "replace"
                if draw < 0.2
                else "delete"
                if draw < 0.28
                else "head"
                if draw < 0.36
                else "get"
            )
        try:
            if operation in ("upload", "replace"):
                self.put(http, name, operation)
            elif operation == "delete":
                self.delete(http, name)
            else:
                self.read(http, name, operation)
        except httpx.TransportError as error:
            self.tally.record(operation, failure=f"{operation} {name}: {error!r}")

    def put(self, http: httpx.Client, name: str, operation: str) -> None:
        self.written[name] += 1
        version = self.written[name]  # 1, 2, ...: the colour changes with every write
        body = solid_png(version, width=200 + 10 * (version % 4))
        path = f"/images/{name}" + self.random.choice(("", ".png", ".PNG"))
        answer = http.put(path, content=body)
        if answer.status_code == 201:
            self.version[name], self.body[name] = version, body
            self.tally.record(operation)
        else:
            self.tally.record(operation, failure=f"PUT {path}: {answer.status_code}")

    def delete(self, http: httpx.Client, name: str) -> None:
        answer = http.delete(f"/images/{name}")
        if answer.status_code == 204:
            self.version[name], self.body[name] = None, None
            self.tally.record("delete")
        elif answer.status_code == 404 and self.is_gone(http, name):
            # nginx passed the DELETE to the next node after the first attempt (on a node that
            # was killed before it answered) had already removed the image: that node's 404
            # answers a repeated DELETE truthfully. Accepted only because the image is gone.
            self.version[name], self.body[name] = None, None
            with self.tally.lock:
                self.tally.deletes_retried += 1
            self.tally.record("delete")
        else:
            self.tally.record("delete", failure=f"DELETE {name}: {answer.status_code}")

    def is_gone(self, http: httpx.Client, name: str) -> bool:
        try:
            self.swift.head_object(self.data_container, name, headers=NEWEST)
        except ClientException as error:
            return error.http_status == 404 and http.get(f"/images/{name}").status_code == 404
        return False

    def read(self, http: httpx.Client, name: str, method: str) -> None:
        size = self.random.choice((None, 32, 64, 120))
        params = {"xsize": str(size)} if size else {}
        form = self.random.randrange(4)
        if form == 0:
            path, params = f"/images/{name}", params | {"kind": "png"}
        elif form == 1:
            path = f"/images/{name}." + self.random.choice(("jpg", "webp", "png"))
        elif form == 2:
            path, params = f"/images/{name}", params | {"thumbnail": "true"}
        else:
            path = f"/images/{name}"  # JPEG, the default kind
        answer = http.request(method.upper(), path, params=params)
        expected = self.version[name]
        status = answer.status_code
        what = f"{method.upper()} {path}?{answer.request.url.query.decode()}"
        if status >= 500 or status not in (200, 404):
            self.tally.record(method, failure=f"{what}: {status} {answer.text[:200]}")
        elif expected is None and status == 200:
            cache = answer.headers.get("x-cache")
            self.tally.record(method, stale=f"{what}: 200 ({cache}) after its DELETE")
        elif expected is not None and status == 404:
            self.tally.record(method, stale=f"{what}: 404, expected version {expected}")
        elif expected is not None and method == "get":
            seen = version_of(answer.content)
            if seen != expected % len(PALETTE):
                cache = answer.headers.get("x-cache")
                stale = f"{what}: version {seen} ({cache}), expected {expected}"
                self.tally.record(method, stale=stale)
            else:
                self.tally.record(method)
        else:
            self.tally.record(method)


def run_load(
    base_url: str,
    prefix: str,
    swift: SwiftEndpoint,
    data: str,
    break_something: Callable[[], None],
    repair_it: Callable[[], None],
) -> tuple[Tally, list[LoadClient]]:
    tally = Tally()
    clients = [LoadClient(i, base_url, prefix, tally, swift, data) for i in range(CLIENTS)]
    stop = threading.Event()
    deadline = time.monotonic() + RUN_SECONDS
    threads = [
        threading.Thread(target=client.run, args=(stop, deadline), daemon=True)
        for client in clients
    ]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: tally.requests >= BEFORE_OUTAGE, deadline - 40)
        break_something()
        try:
            time.sleep(OUTAGE_SECONDS)
        finally:
            repair_it()
        restarted_at = tally.requests
        wait_for(lambda: tally.requests >= restarted_at + AFTER_RESTART, deadline)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=max(1, deadline - time.monotonic()) + 60)
    assert not any(thread.is_alive() for thread in threads), "a client thread hangs"
    return tally, clients


def wait_for(condition: Callable[[], bool], until: float) -> None:
    while not condition() and time.monotonic() < until:
        time.sleep(0.05)


def swift_differences(
    swift: Connection, data: str, prefix: str, clients: list[LoadClient]
) -> list[str]:
    """Where Swift does not hold exactly the last 201'd bytes of every name."""
    problems = []
    for client in clients:
        for name in client.names:
            expected = client.body[name]
            try:
                _headers, stored = swift.get_object(data, name, headers=NEWEST)
            except ClientException as error:
                if not (error.http_status == 404 and expected is None):
                    problems.append(f"{name}: Swift answers {error.http_status}")
                continue
            if expected is None:
                problems.append(f"{name}: deleted, but Swift holds {len(stored)} bytes")
            elif stored != expected:
                problems.append(f"{name}: Swift holds other bytes than the last 201'd")
    _headers, listing = swift.get_container(data, prefix=f"{prefix}/", full_listing=True)
    listed = {entry["name"] for entry in listing}
    live = {name for client in clients for name, body in client.body.items() if body is not None}
    if listed != live:
        problems.append(f"listing: extra {sorted(listed - live)}, missing {sorted(live - listed)}")
    return problems


def swift_connection(endpoint: SwiftEndpoint) -> Connection:
    return Connection(endpoint.auth_url, endpoint.user, endpoint.key)


def assert_clean(tally: Tally, differences: list[str]) -> None:
    print(tally.report())  # shown with -s, and in the failure report
    assert tally.requests >= BEFORE_OUTAGE + AFTER_RESTART, tally.report()
    assert not tally.failures, tally.report()
    assert not tally.stale, tally.report()
    assert not differences, differences


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("load")
    with Cluster(root, swift_endpoint, containers, nodes=3) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def replicated_cluster(
    tmp_path_factory: pytest.TempPathFactory, replicated_swift: LocalSwift
) -> Iterator[Cluster]:
    """On conftest's session-wide 3-replica Swift (replicated_swift), in containers of its own."""
    root = tmp_path_factory.mktemp("load3")
    with Cluster(root, replicated_swift.endpoint, REPLICATED_CONTAINERS, nodes=3) as cluster:
        yield cluster


def test_a_node_killed_and_restarted_under_load_fails_nothing_and_loses_nothing(
    cluster: Cluster, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    tally, clients = run_load(
        cluster.nginx_url,
        unique,
        swift_endpoint,
        containers[0],
        lambda: cluster.kill_node(1),
        lambda: cluster.start_node(1),
    )
    routes = cluster.routes()
    passed_on = [route for route in routes if len(route.nodes) > 1]
    print(f"nginx passed {len(passed_on)} requests on to another node")
    assert passed_on, "no request met the dead node: the test did not test"
    assert all(route.nodes[0] == 1 for route in passed_on), passed_on
    assert any(route.nodes == (1,) for route in routes[-AFTER_RESTART // 2 :]), "never back"
    swift = swift_connection(swift_endpoint)
    assert_clean(tally, swift_differences(swift, containers[0], unique, clients))


def test_an_object_server_killed_and_restarted_under_load_fails_nothing_and_loses_nothing(
    replicated_cluster: Cluster, replicated_swift: LocalSwift, unique: str
) -> None:
    tally, clients = run_load(
        replicated_cluster.nginx_url,
        unique,
        replicated_swift.endpoint,
        REPLICATED_CONTAINERS[0],
        lambda: replicated_swift.kill_storage_server("object", 1),
        lambda: replicated_swift.start_storage_server("object", 1),
    )
    swift = swift_connection(replicated_swift.endpoint)
    assert_clean(tally, swift_differences(swift, REPLICATED_CONTAINERS[0], unique, clients))
