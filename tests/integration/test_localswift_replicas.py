"""LocalSwift with three replicas: one dead object server is harmless, and what it missed is
still found with `X-Newest` once it is back (no replicator runs to repair it)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from swiftclient.client import ClientException, Connection

from image_repo.localswift import LocalSwift

pytestmark = pytest.mark.integration

NEWEST = {"X-Newest": "true"}


@pytest.fixture(scope="module")
def swift(replicated_swift: LocalSwift) -> LocalSwift:
    return replicated_swift


@pytest.fixture(scope="module")
def conn(swift: LocalSwift) -> Connection:
    """retries=0: swiftclient's default retries would hide a failed request."""
    endpoint = swift.endpoint
    conn = Connection(authurl=endpoint.auth_url, user=endpoint.user, key=endpoint.key, retries=0)
    conn.put_container("replicas")
    return conn


@pytest.fixture
def name() -> str:
    return uuid.uuid4().hex


def data_files(swift: LocalSwift, index: int) -> list[Path]:
    return sorted((swift.devices("object", index) / "d1" / "objects").rglob("*.data"))


def holders(swift: LocalSwift, timestamp: str) -> list[int]:
    """The object servers whose device holds a .data file written at `timestamp`."""
    return [i for i in range(3) if any(f.stem == timestamp for f in data_files(swift, i))]


def test_each_object_is_stored_on_all_three_devices(
    swift: LocalSwift, conn: Connection, name: str
) -> None:
    conn.put_object("replicas", name, b"three copies")
    timestamp = conn.head_object("replicas", name)["x-timestamp"]
    assert holders(swift, timestamp) == [0, 1, 2]
    folders = {swift.devices("object", i) for i in range(3)}
    assert len(folders) == 3 and all(f.parent.name == "srv" for f in folders)


def test_a_put_succeeds_with_one_object_server_down_and_x_newest_finds_it(
    swift: LocalSwift, conn: Connection, name: str
) -> None:
    conn.put_object("replicas", name, b"old")
    swift.kill_storage_server("object", 1)
    try:
        conn.put_object("replicas", name, b"new")
        assert conn.get_object("replicas", name)[1] == b"new"
    finally:
        swift.start_storage_server("object", 1)
    timestamp = conn.head_object("replicas", name, headers=NEWEST)["x-timestamp"]
    assert holders(swift, timestamp) == [0, 2]  # server 1 still holds "old": nothing repairs it
    assert conn.get_object("replicas", name, headers=NEWEST)[1] == b"new"


def test_a_delete_succeeds_with_one_object_server_down_and_x_newest_sees_it(
    swift: LocalSwift, conn: Connection, name: str
) -> None:
    conn.put_object("replicas", name, b"doomed")
    swift.kill_storage_server("object", 2)
    try:
        conn.delete_object("replicas", name)
    finally:
        swift.start_storage_server("object", 2)
    assert len(data_files(swift, 2)) > 0  # the restarted server still has the object
    with pytest.raises(ClientException) as missing:
        conn.head_object("replicas", name, headers=NEWEST)
    assert missing.value.http_status == 404


def test_a_put_succeeds_with_one_container_server_down(
    swift: LocalSwift, conn: Connection, name: str
) -> None:
    swift.kill_storage_server("container", 0)
    try:
        conn.put_object("replicas", name, b"listed later, maybe")
    finally:
        swift.start_storage_server("container", 0)
    assert conn.get_object("replicas", name, headers=NEWEST)[1] == b"listed later, maybe"


def test_unknown_servers_are_refused(swift: LocalSwift) -> None:
    with pytest.raises(ValueError):
        swift.kill_storage_server("object", 3)
    with pytest.raises(ValueError):
        swift.start_storage_server("proxy", 0)
