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
    plus one read (256 KiB)."""

    limits: ClassVar[HeaderLimits] = HeaderLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading_headers = False
        self._header_bytes = 0
        self._header_deadline: asyncio.TimerHandle | None = None

    @classmethod
    def configured(cls, limits: HeaderLimits) -> type[BoundedHttpToolsProtocol]:
        return type(cls.__name__, (cls,), {"limits": limits})

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
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
        if not self._reading_headers:  # the next request on a kept-alive connection
            self._expect_headers()

    def on_headers_complete(self) -> None:
        self._reading_headers = False
        self._cancel_deadline()
        super().on_headers_complete()

    def _expect_headers(self) -> None:
        self._reading_headers, self._header_bytes = True, 0
        self._cancel_deadline()
        self._header_deadline = self.loop.call_later(
            self.limits.timeout_seconds, self._headers_too_slow
        )

    def _cancel_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        if self._reading_headers:
            timeout = self.limits.timeout_seconds
            self._refuse(408, "header_timeout", f"headers incomplete after {timeout:g} s")

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
        self._cancel_deadline()
        self.transport.close()
