"""Memory hits answered by the HTTP protocol (hit_protocol.py) as soon as their headers are
parsed: the same bytes as the application's answer, in order behind pipelined requests, and
HTTP/1.0 or `Connection: close` left to uvicorn. Raw sockets on loopback."""

from __future__ import annotations

import socket

import attrs
import httpx
import pytest

from tests.images import jpeg_with_gps
from tests.integration.conftest import RunningServer

pytestmark = pytest.mark.integration


@attrs.frozen
class Answer:
    status: int
    headers: list[tuple[str, str]]  # in the order sent, names lowercased
    body: bytes

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name), None)


class RawConnection:
    """One connection; answers framed by Content-Length (HEAD and 304: none)."""

    def __init__(self, server: RunningServer) -> None:
        port = int(server.base_url.rsplit(":", 1)[1])
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def send(self, *requests: str) -> None:
        self.sock.sendall("".join(requests).encode("latin-1"))

    def answer(self, method: str = "GET") -> Answer:
        head = self._until(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = [(k.lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines)]
        answer = Answer(int(status_line.split()[1]), headers, b"")
        length = int(answer.header("content-length") or 0)
        if method == "HEAD" or answer.status == 304:
            length = 0
        while len(self.buffer) < length:
            self._receive()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return attrs.evolve(answer, body=body)

    def is_closed(self) -> bool:
        self.sock.settimeout(5)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()

    def _until(self, end: bytes) -> bytes:
        while end not in self.buffer:
            self._receive()
        head, _, self.buffer = self.buffer.partition(end)
        return head

    def _receive(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-answer")
        self.buffer += chunk


def request(method: str, path: str, *headers: str, version: str = "1.1") -> str:
    return "".join([f"{method} {path} HTTP/{version}\r\nHost: x\r\n", *headers, "\r\n"])


@pytest.fixture
def hit(server: RunningServer, unique: str) -> str:
    """A path whose derived image is in the server's memory."""
    url = f"{server.base_url}/images/{unique}/lane"
    assert httpx.put(url, content=jpeg_with_gps(300, 200), timeout=30).status_code == 201
    path = f"/images/{unique}/lane?xsize=60"
    assert httpx.get(f"{server.base_url}{path}", timeout=30).headers["x-cache"] == "derived"
    return path


def without_date(answer: Answer) -> list[tuple[str, str]]:
    return [(k, v) for k, v in answer.headers if k not in ("date", "connection")]


def test_the_protocol_answers_with_the_applications_headers_and_bytes(
    server: RunningServer, hit: str
) -> None:
    """`Connection: close` is left to uvicorn, whose answer comes from the GET route: the
    same answer but for the Connection header uvicorn adds."""
    kept, closing = RawConnection(server), RawConnection(server)
    try:
        kept.send(request("GET", hit))
        closing.send(request("GET", hit, "Connection: close\r\n"))
        fast, routed = kept.answer(), closing.answer()
    finally:
        kept.close()
        closing.close()
    assert (fast.status, fast.header("x-cache")) == (200, "memory")
    assert (routed.header("x-cache"), routed.header("connection")) == ("memory", "close")
    assert [name for name, _ in fast.headers][:2] == ["date", "server"]
    assert without_date(fast) == without_date(routed)
    assert fast.body == routed.body and len(fast.body) == int(fast.header("content-length") or 0)


def test_pipelined_requests_are_answered_in_their_order(
    server: RunningServer, hit: str, unique: str
) -> None:
    """Hits queued behind a request the application answers wait for its answer."""
    expected = httpx.get(f"{server.base_url}{hit}", timeout=30).content
    other_size = f"/images/{unique}/lane?xsize=40"
    connection = RawConnection(server)
    try:
        connection.send(
            request("GET", hit),
            request("GET", other_size),  # derived: the full route, on a thread
            request("GET", hit),
            request("HEAD", hit),
            request("GET", "/healthz"),
            request("GET", hit),
        )
        answers = [connection.answer(method) for method in ("GET",) * 3 + ("HEAD", "GET", "GET")]
    finally:
        connection.close()
    assert [a.status for a in answers] == [200] * 6
    assert [a.header("x-cache") for a in answers] == [
        "memory", "derived", "memory", "memory", None, "memory"
    ]  # fmt: skip
    assert [a.body == expected for a in answers] == [True, False, True, False, False, True]
    assert answers[3].body == b"" and answers[3].header("content-length") == str(len(expected))
    assert answers[4].body == b'{"status":"alive"}'


def test_an_http_1_0_request_is_answered_then_closed(server: RunningServer, hit: str) -> None:
    connection = RawConnection(server)
    try:
        connection.send(request("GET", hit, version="1.0"))
        answer = connection.answer()
        assert (answer.status, answer.header("x-cache")) == (200, "memory")
        assert connection.is_closed()
    finally:
        connection.close()


def test_a_matching_etag_is_a_304_and_the_connection_goes_on(
    server: RunningServer, hit: str
) -> None:
    etag = httpx.get(f"{server.base_url}{hit}", timeout=30).headers["etag"]
    connection = RawConnection(server)
    try:
        connection.send(request("GET", hit, f"If-None-Match: {etag}\r\n"), request("GET", hit))
        not_modified, whole = connection.answer(), connection.answer()
    finally:
        connection.close()
    assert (not_modified.status, not_modified.body, not_modified.header("etag")) == (304, b"", etag)
    assert not_modified.header("content-length") is None
    assert (whole.status, whole.header("etag")) == (200, etag)
