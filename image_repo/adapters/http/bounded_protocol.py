"""uvicorn's httptools protocol with a bound on header bytes and on the time headers take."""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar

import attrs
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from image_repo.adapters.http.security_headers import SECURITY_HEADERS


@attrs.frozen
class HeaderLimits:
    max_bytes: int = 64 * 1024
    timeout_seconds: float = 10.0


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """httptools keeps a header being received in a growing buffer and uvicorn sets no deadline
    on headers (its keep-alive timer restarts on every byte), so one connection could hold
    gigabytes, or stay open forever sending a byte at a time. Here the bytes received while a
    request's line and headers are incomplete are counted (past `max_bytes`: 431, closed) and
    they must be complete `timeout_seconds` after the connection opened or the request began
    (else 408, closed). The count is of whole reads, so the parser holds at most `max_bytes`
    plus one read (256 KiB).

    One timer per connection keeps both its deadlines: the headers', and between requests
    uvicorn's keep-alive (closed when idle that long). A request or an answer only moves a
    deadline; the timer, when it fires before the deadline it finds, waits again for the rest.
    uvicorn arms and cancels a keep-alive timer per request, which cost more than a memory
    hit's lookup."""

    limits: ClassVar[HeaderLimits] = HeaderLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading_headers = False
        self._header_bytes = 0
        # Deadlines on the event loop's clock; idle: kept alive, waiting for a request.
        self._headers_due = 0.0
        self._idle_due: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_due = 0.0

    @classmethod
    def configured(cls, limits: HeaderLimits) -> type[BoundedHttpToolsProtocol]:
        return type(cls.__name__, (cls,), {"limits": limits})

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        if self._reading_headers:
            self._header_bytes += len(data)
        super().data_received(data)
        if self._reading_headers and self._header_bytes > self.limits.max_bytes:
            self._refuse(431, "headers_too_large", f"over {self.limits.max_bytes} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._begin_request()

    def _begin_request(self) -> None:
        if not self._reading_headers:  # the next request on a kept-alive connection
            self._expect_headers()

    def on_headers_complete(self) -> None:
        self._headers_arrived()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        """uvicorn's, with the keep-alive deadline kept by the connection's timer."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:
            self._idle_due = None
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        else:
            self._idle_due = self.loop.time() + self.timeout_keep_alive
            self._wake_at(self._idle_due)

    def _unset_keepalive_if_required(self) -> None:
        """uvicorn calls it on every read: the connection is not idle."""
        self._idle_due = None

    def _headers_arrived(self) -> None:
        self._reading_headers = False

    def _expect_headers(self) -> None:
        self._reading_headers, self._header_bytes = True, 0
        self._headers_due = self.loop.time() + self.limits.timeout_seconds
        self._wake_at(self._headers_due)

    def _wake_at(self, due: float) -> None:
        if self._timer is not None and self._timer_due <= due:
            return
        self._stop_timer()
        self._timer, self._timer_due = self.loop.call_at(due, self._on_timer), due

    def _on_timer(self) -> None:
        self._timer = None
        now = self.loop.time()
        if self._reading_headers:
            if now < self._headers_due:
                self._wake_at(self._headers_due)
                return
            timeout = self.limits.timeout_seconds
            self._refuse(408, "header_timeout", f"headers incomplete after {timeout:g} s")
        elif self._idle_due is not None:
            if now < self._idle_due:
                self._wake_at(self._idle_due)
                return
            self.timeout_keep_alive_handler()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _refuse(self, status: int, code: str, detail: str) -> None:
        """A JSON error like every other, unless an answer to an earlier request is still
        being written on this connection (then it is only closed)."""
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            body = json.dumps({"error": code, "detail": detail}).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *SECURITY_HEADERS,
            ]
            head = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
            self.transport.write(STATUS_LINE[status] + head + b"\r\n" + body)
        self._reading_headers = False
        self._stop_timer()
        self.transport.close()
