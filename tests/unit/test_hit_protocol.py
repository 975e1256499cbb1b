"""MemoryHitProtocol: a hit is answered by the protocol in one write, counted and logged, and
the application never sees it; everything else goes to the application."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import attrs
import pytest
from starlette.types import Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.server import ServerState

from image_repo.adapters.http.hit_protocol import HIT_LANE, HitLane, MemoryHitProtocol
from image_repo.adapters.http.observability import RequestRecorder
from tests.fakes import InMemoryNameGenerations
from tests.unit.test_memory_hits import CAT, PATH, QUERY, Worker, worker

SERVER_HEADERS = [(b"date", b"Thu, 03 Dec 2026 10:00:00 GMT"), (b"server", b"uvicorn")]


class Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 40000), "sockname": ("127.0.0.1", 8000)}.get(name)

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def close(self) -> None: ...


@attrs.define
class Connection:
    protocol: MemoryHitProtocol
    transport: Transport
    loop: asyncio.AbstractEventLoop
    writer: Worker  # another worker of the same server
    app_saw: list[str]
    access: list[tuple[str, str, int, int, float]]

    def receive(self, request: bytes) -> None:
        self.protocol.data_received(request)
        self.loop.run_until_complete(asyncio.sleep(0.01))  # whatever the application runs


@pytest.fixture
def connection() -> Iterator[Connection]:
    app_saw: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        app_saw.append(scope["path"])
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    access: list[tuple[str, str, int, int, float]] = []
    generations = InMemoryNameGenerations()
    one, writer = worker(generations=generations), worker(generations=generations)
    one.holds("0ld0ld", b"image bytes")
    config = Config(app, http=MemoryHitProtocol, lifespan="off", access_log=False)
    config.load()
    state = ServerState()
    state.default_headers = SERVER_HEADERS
    loop = asyncio.new_event_loop()
    lane = HitLane(one.hits, RequestRecorder(access.append))
    protocol = MemoryHitProtocol(
        config=config, server_state=state, app_state={HIT_LANE: lane}, _loop=loop
    )
    transport = Transport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    yield Connection(protocol, transport, loop, writer, app_saw, access)
    protocol.connection_lost(None)
    loop.close()


def get(query: bytes = QUERY, method: str = "GET", version: str = "1.1") -> bytes:
    return f"{method} {PATH.decode()}?{query.decode()} HTTP/{version}\r\nHost: x\r\n\r\n".encode()


def test_a_hit_is_one_write_the_application_never_sees(connection: Connection) -> None:
    connection.receive(get())
    assert connection.app_saw == []
    [written] = connection.transport.written
    head, _, body = written.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[:3] == [b"HTTP/1.1 200 OK", *(b"%s: %s" % header for header in SERVER_HEADERS)]
    assert lines[-1] == b"x-content-type-options: nosniff"
    assert b"x-cache: memory" in lines and body == b"image bytes"
    [(method, path, status, sent, _milliseconds)] = connection.access
    assert (method, path, status, sent) == ("GET", PATH.decode(), 200, len(b"image bytes"))


def test_a_head_is_the_same_head_without_body(connection: Connection) -> None:
    connection.receive(get(method="HEAD"))
    [written] = connection.transport.written
    head, _, body = written.partition(b"\r\n\r\n")
    assert b"content-length: 11" in head.split(b"\r\n") and body == b""


def test_keep_alive_requests_one_after_another_are_all_hits(connection: Connection) -> None:
    connection.receive(get() * 3)
    assert len(connection.transport.written) == 3 and connection.app_saw == []


def test_what_memory_cannot_answer_goes_to_the_application(connection: Connection) -> None:
    connection.receive(get(b"xsize=11"))  # not in memory
    connection.receive(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    connection.receive(get(version="1.0"))  # answered, then closed: uvicorn's to do
    assert connection.app_saw == [PATH.decode(), "/healthz", PATH.decode()]
    assert connection.access == []


def test_a_generation_moved_by_another_worker_sends_the_next_request_to_the_application(
    connection: Connection,
) -> None:
    connection.receive(get())
    connection.writer.etags.changed(CAT, "n3wn3w")  # its PUT has answered
    connection.receive(get())
    assert connection.app_saw == [PATH.decode()]
