"""LocalSwift with memcached, as the benchmarks run it: the proxy caches in it and still works."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from swiftclient.client import Connection

from image_repo.localswift import LocalSwift
from tests.debian import ensure_debian_package
from tests.integration.conftest import SWIFT_VENV

pytestmark = pytest.mark.integration


def memcached_items(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"stats\r\n")
        reply = b""
        while not reply.endswith(b"END\r\n"):
            reply += sock.recv(65536)
    for line in reply.decode().splitlines():
        if line.startswith("STAT curr_items "):
            return int(line.split()[2])
    raise AssertionError(reply)


def test_the_proxy_caches_in_memcached(tmp_path: Path, local_swift: LocalSwift) -> None:
    """`local_swift`: the session's Swift is installed (its venv is shared)."""
    memcached = ensure_debian_package("memcached", "memcached")
    with LocalSwift(tmp_path, SWIFT_VENV, memcached=memcached) as swift:
        endpoint = swift.endpoint
        conn = Connection(authurl=endpoint.auth_url, user=endpoint.user, key=endpoint.key)
        conn.put_container("cached")
        conn.put_object("cached", "object", b"bytes")
        assert conn.get_object("cached", "object")[1] == b"bytes"
        assert "cache" in (tmp_path / "etc" / "proxy-server.conf").read_text()
        assert swift.memcached_port is not None
        assert memcached_items(swift.memcached_port) > 0  # token, account and container info
