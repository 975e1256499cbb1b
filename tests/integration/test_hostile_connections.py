"""Hostile connections against the plain server (SPEC 8, "Hostile traffic"): stalled and
oversubscribed uploads, clients that leave mid-upload, giant and endless headers. Raw sockets
on loopback, every loop bounded in count and time."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from swiftclient.client import Connection
from swiftclient.exceptions import ClientException

from image_repo.localswift import SwiftEndpoint
from tests.images import encoded, picture
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration

MIB = 1 << 20


def connect(server: ServerProcess, timeout: float = 10) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=timeout)


def put_head(path: str, length: int) -> bytes:
    return (
        f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def read_answer(sock: socket.socket, timeout: float) -> tuple[int, bytes]:
    """Status and raw head of the answer, read until the connection closes or the head and a
    short body are in; (0, b"") when nothing came within `timeout`."""
    sock.settimeout(timeout)
    received = b""
    try:
        while len(received) < 64 * 1024 and not received.endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    if not received.startswith(b"HTTP/1.1 "):
        return 0, b""
    return int(received[9:12]), received.partition(b"\r\n\r\n")[0].lower()


def is_closed(sock: socket.socket, timeout: float) -> bool:
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


@pytest.fixture
def sockets() -> Iterator[list[socket.socket]]:
    opened: list[socket.socket] = []
    yield opened
    for sock in opened:
        sock.close()


def test_stalled_uploads_are_dropped_with_408_and_cost_little_memory(
    tmp_path: Path,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    unique: str,
    sockets: list[socket.socket],
) -> None:
    """Ten uploads declare 50 MiB, send 16 MiB and stop: bodies past a few MiB wait on disk,
    so memory grows by little, and each is answered 408 once silent for the body timeout."""
    server_options = {"body_timeout_seconds": 3, "max_upload_inflight_bytes": 1024 * MIB}
    with ServerProcess(tmp_path, swift_endpoint, containers, server=server_options) as server:
        httpx.get(f"{server.base_url}/openapi.json", timeout=10)
        before = server.peak_rss_mib()
        chunk = b"\xff" * MIB
        for i in range(10):
            sock = connect(server)
            sockets.append(sock)
            sock.sendall(put_head(f"/images/{unique}/stalled{i}.jpg", 50 * MIB))
            for _ in range(16):
                sock.sendall(chunk)
        started = time.monotonic()
        answers = [read_answer(sock, timeout=10) for sock in sockets]
        waited = time.monotonic() - started
        after = server.peak_rss_mib()
    print(f"10 stalled 50 MiB uploads: peak RSS {before:.0f} -> {after:.0f} MiB")
    assert [status for status, _ in answers] == [408] * 10
    assert all(b"connection: close" in head for _, head in answers)
    assert waited < 10
    assert after - before < 80  # 10 x 4 MiB held in memory before spooling, plus slack


def test_uploads_past_the_inflight_budget_are_503_before_their_bodies(
    tmp_path: Path,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    unique: str,
    sockets: list[socket.socket],
) -> None:
    """A budget of 120 MiB admits two declared 50 MiB uploads; the four after them are refused
    from their headers alone, and the budget is free again once the two are gone."""
    server_options = {"max_upload_inflight_bytes": 120 * MIB, "body_timeout_seconds": 20}
    with ServerProcess(tmp_path, swift_endpoint, containers, server=server_options) as server:
        for i in range(6):
            sock = connect(server)
            sockets.append(sock)
            sock.sendall(put_head(f"/images/{unique}/big{i}.jpg", 50 * MIB))
        answers = [read_answer(sock, timeout=1.5) for sock in sockets]
        statuses = sorted(status for status, _ in answers)
        assert statuses == [0, 0, 503, 503, 503, 503], statuses
        assert all(b"retry-after:" in head for status, head in answers if status == 503)
        for sock, (status, _) in zip(sockets, answers, strict=True):
            if status == 0:
                sock.close()
        body = encoded(picture(64, 48), "JPEG")
        url = f"{server.base_url}/images/{unique}/after"
        for _ in range(50):  # the two closed uploads are released as the server sees them go
            answer = httpx.put(url, content=body, timeout=10)
            if answer.status_code != 503:
                break
            time.sleep(0.1)
        assert answer.status_code == 201, answer.text


def test_a_client_gone_mid_upload_is_one_log_line_and_no_server_error(
    tmp_path: Path,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    unique: str,
    swift: Connection,
) -> None:
    with ServerProcess(
        tmp_path, swift_endpoint, containers, server={"log_level": "info"}
    ) as server:
        with connect(server) as sock:
            sock.sendall(put_head(f"/images/{unique}/gone.jpg", 8 * MIB))
            sock.sendall(b"\xff" * MIB)
        deadline = time.monotonic() + 10
        while (
            server.metric(
                "image_repo_http_requests_total", method="PUT", route="/images/{name}", status="499"
            )
            != 1
        ):
            assert time.monotonic() < deadline, "the disconnect was not recorded"
            time.sleep(0.1)
        errors = server.metric(
            "image_repo_http_requests_total", method="PUT", route="/images/{name}", status="500"
        )
    log = server.log_path.read_text()
    assert errors == 0
    assert "Traceback" not in log
    assert len([line for line in log.splitlines() if "disconnected" in line]) == 1, log
    with pytest.raises(ClientException) as missing:
        swift.head_object(containers[0], f"{unique}/gone")
    assert missing.value.http_status == 404


def test_a_giant_header_is_cut_off_early(
    tmp_path: Path,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    sockets: list[socket.socket],
) -> None:
    """Eight connections try to send a 64 MB header each: each is refused (431) and closed
    after little more than server.max_header_bytes, and memory stays flat."""
    with ServerProcess(tmp_path, swift_endpoint, containers) as server:
        httpx.get(f"{server.base_url}/openapi.json", timeout=10)
        before = server.peak_rss_mib()
        chunk = b"a" * (64 * 1024)
        accepted = []
        for _ in range(8):
            sock = connect(server, timeout=5)
            sockets.append(sock)
            sent = 0
            try:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
                for _ in range(1024):  # 64 MiB at most
                    sock.sendall(chunk)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            accepted.append(sent)
        after = server.peak_rss_mib()
        assert httpx.get(f"{server.base_url}/healthz", timeout=5).status_code == 200
    print(f"8 x 64 MB headers: peak RSS {before:.0f} -> {after:.0f} MiB; sent {accepted}")
    assert max(accepted) < 16 * MIB  # the socket buffers' worth, not the 64 MiB tried
    assert after - before < 32


def test_headers_that_never_finish_are_closed_after_the_header_timeout(
    tmp_path: Path,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    sockets: list[socket.socket],
) -> None:
    """Slowloris: connections that send part of a head (or nothing) are closed once
    server.header_timeout_seconds have passed, while other clients are answered at once."""
    server_options = {"header_timeout_seconds": 1}
    with ServerProcess(tmp_path, swift_endpoint, containers, server=server_options) as server:
        for i in range(20):
            sock = connect(server)
            sockets.append(sock)
            if i % 2:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        started = time.monotonic()
        assert httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200
        assert all(is_closed(sock, timeout=5) for sock in sockets)
        assert time.monotonic() - started < 5


def test_kept_alive_connections_close_when_idle_and_stay_open_while_used(
    tmp_path: Path,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    sockets: list[socket.socket],
) -> None:
    """server.keepalive_timeout_seconds after its last answer an idle connection is closed,
    one that goes on asking stays open, and a later request whose head stalls is closed after
    server.header_timeout_seconds (one timer per connection keeps both deadlines)."""
    healthz = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    options = {"keepalive_timeout_seconds": 1, "header_timeout_seconds": 2}
    with ServerProcess(tmp_path, swift_endpoint, containers, server=options) as server:
        busy, idle = connect(server), connect(server)
        sockets += [busy, idle]
        for sock in (busy, idle):
            sock.sendall(healthz)
            assert read_answer(sock, timeout=5)[0] == 200
        for _ in range(6):  # 2.4 s of use, more than the keep-alive timeout
            time.sleep(0.4)
            busy.sendall(healthz)
            assert read_answer(busy, timeout=5)[0] == 200
        assert is_closed(idle, timeout=1)
        busy.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        stalled = time.monotonic()
        assert is_closed(busy, timeout=5)
        assert 1.5 < time.monotonic() - stalled < 4
