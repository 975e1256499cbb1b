"""The HTTP protocol both servers run: uvicorn's httptools protocol with header bounds
(bounded_protocol.py), answering memory hits as soon as their headers are parsed.

Through ASGI, a memory hit costs uvicorn a request cycle, a task, two `send`s and two socket
writes (status line and headers, then the body). Over loopback, the first write alone cost as
much as everything else in the hit (py-spy; bench/RESULTS.md). Here a hit is one write of the
bytes the ASGI lane would send: uvicorn's Date and Server headers, the image's headers
(MemoryHits), then SECURITY_HEADERS. It is counted and logged like every request
(RequestRecorder). Everything else goes to uvicorn as usual, and so does a request this lane
cannot answer in order and at once: one behind an answer still being made on its connection,
one to a client that does not read, one with a body, HTTP/1.0 or `Connection: close`.

The application hands its lane over in the lifespan state (HIT_LANE, app.py). uvicorn gives that
state to every connection, so no global is needed; with no lifespan, there is no lane."""

from __future__ import annotations

import time
from typing import Any

import attrs
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from image_repo.adapters.http.bounded_protocol import BoundedHttpToolsProtocol
from image_repo.adapters.http.memory_hits import MemoryHits
from image_repo.adapters.http.observability import IMAGES_ROUTE, RequestRecorder
from image_repo.adapters.http.request_parsing import IMAGES_PREFIX
from image_repo.adapters.http.security_headers import SECURITY_HEADERS

HIT_LANE = "image_repo.memory_hits"
# What SecurityHeaders adds in the ASGI lane, then the blank line.
_END_OF_HEADERS = (
    b"".join(name + b": " + value + b"\r\n" for name, value in SECURITY_HEADERS) + b"\r\n"
)
_READS = {b"GET": "GET", b"HEAD": "HEAD"}
# Headers that make a request more than its line and headers: uvicorn reads what follows.
_NOT_FOR_THIS_LANE = frozenset({b"content-length", b"transfer-encoding", b"expect", b"upgrade"})


@attrs.frozen
class HitLane:
    hits: MemoryHits
    recorder: RequestRecorder


class MemoryHitProtocol(BoundedHttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lane: HitLane | None = self.app_state.get(HIT_LANE)
        self._answered = False
        self._server_lines: tuple[object, bytes] = (None, b"")

    def on_message_begin(self) -> None:
        """uvicorn's makes the request's ASGI scope here. A hit needs none, so the scope is
        made only once the request turns out not to be one (`on_headers_complete`)."""
        self.url, self.expect_100_continue, self.headers = b"", False, []
        self._begin_request()

    def on_headers_complete(self) -> None:
        self._headers_arrived()
        if self._lane is not None and self._answer_from_memory(self._lane):
            return
        url, headers, expects = self.url, self.headers, self.expect_100_continue
        HttpToolsProtocol.on_message_begin(self)  # the scope, as uvicorn makes it, then what
        self.url, self.expect_100_continue = url, expects  # the parser has passed since
        self.headers.extend(headers)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        if self._answered:  # uvicorn's looks for a request cycle; an answered hit has none
            self._answered = False
            return
        super().on_message_complete()

    def _answer_from_memory(self, lane: HitLane) -> bool:
        started = time.perf_counter()
        method = _READS.get(self.parser.get_method())
        if method is None or not self._may_answer_at_once():
            return False
        url: bytes = self.url
        # The origin form only: uvicorn parses any other, refuses a path that is not ASCII
        # (400), and would prefix root_path.
        if not url.startswith(IMAGES_PREFIX) or b"#" in url or not url.isascii() or self.root_path:
            return False
        raw_path, _, query = url.partition(b"?")
        if_none_match = accept = None
        for name, value in self.headers:
            if name in _NOT_FOR_THIS_LANE:
                return False
            if name == b"if-none-match":
                if_none_match = value
            elif name == b"accept":
                accept = value
        answer = lane.hits.answer(raw_path, query, if_none_match, accept)
        if answer is None:
            return False
        head, body = answer
        if method == "HEAD":
            body = b""
        status_and_server = STATUS_LINE[head.status] + self._server_header_lines()
        self.transport.write(b"".join((status_and_server, head.lines, _END_OF_HEADERS, body)))
        self._answered = True
        seconds = time.perf_counter() - started
        lane.recorder.record(IMAGES_ROUTE, method, head.status, len(body), seconds, raw_path)
        self.on_response_complete()  # uvicorn's: counts the request, arms keep-alive
        return True

    def _may_answer_at_once(self) -> bool:
        """In order (nothing before it still being answered on this connection), to a client
        that reads, and complete: HTTP/1.1, kept alive."""
        return (
            (self.cycle is None or self.cycle.response_complete)
            and not self.pipeline
            and not self.flow.write_paused
            and self.parser.get_http_version() == "1.1"
            and self.parser.should_keep_alive()
        )

    def _server_header_lines(self) -> bytes:
        """uvicorn's Date and Server headers, rendered again when it renews them (each second)."""
        headers = self.server_state.default_headers
        seen, lines = self._server_lines
        if headers is not seen:
            lines = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
            self._server_lines = (headers, lines)
        return lines
