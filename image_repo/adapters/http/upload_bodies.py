"""Upload bodies: admitted by bytes in flight, read into one buffer, dropped when they stall."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import tempfile
from collections.abc import AsyncIterator
from typing import IO

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from image_repo.domain.errors import BodyTimeoutError, SaturatedError, UploadTooLargeError

logger = logging.getLogger(__name__)

# A body past this waits in an unnamed temporary file (TMPDIR) while it arrives, so a stalled
# upload holds at most this much memory, whatever it declared.
SPOOL_MEMORY_BYTES = 4 << 20
CLIENT_CLOSED_REQUEST = 499  # nginx's status for a client gone before its answer
# A refused upload's body is read and dropped up to the upload limit plus this, so that a proxy
# whose own limit is a little higher (the nginx sites' client_max_body_size 51m) gets to send it.
DISCARD_SLACK_BYTES = 2 << 20
_BODY_COMPLETE = "image_repo.body_complete"  # scope key: the whole body was received


class UploadBodies:
    """Reads upload bodies within three limits: `max_bytes` for one body (413), `max_inflight_bytes`
    for all bodies this process holds at once (503 + Retry-After, decided from Content-Length
    before the body is read; chunked bodies count as they arrive), and `timeout_seconds` of
    silence (408). Bytes stay counted until the upload's block ends, use case included.

    Lives on the event loop alone, so the count needs no lock; each process counts its own."""

    def __init__(self, max_bytes: int, max_inflight_bytes: int, timeout_seconds: float) -> None:
        self._max_bytes = max_bytes
        self._max_inflight_bytes = max_inflight_bytes
        self._timeout_seconds = timeout_seconds
        self.inflight_bytes = 0

    @contextlib.asynccontextmanager
    async def read(self, request: Request) -> AsyncIterator[SpooledBody]:
        """The whole body; its bytes count against the budget until the block ends."""
        declared = _declared_length(request)
        if declared is not None and declared > self._max_bytes:
            raise UploadTooLargeError(f"the limit is {self._max_bytes} bytes")
        body, held = SpooledBody(), 0
        try:
            if declared is not None:
                held = self._admit(declared)
            await self._receive(request, body, reserve=declared is None)
            request.scope[_BODY_COMPLETE] = True
            yield body
        finally:
            self.inflight_bytes -= held if declared is not None else body.size
            body.close()

    async def discard(self, request: Request) -> None:
        """Read and drop what is left of the body of an upload refused before it was read
        (401, 413, a bad name), within the upload limit plus DISCARD_SLACK_BYTES and
        `timeout_seconds`. A server that answers and closes with the body unread makes the
        kernel reset the connection; nginx, still sending the body it buffered, then answers
        its own HTML 502 instead of ours. Past the bound (a client far over the limit, with no
        proxy limiting it) the connection is left to close as before. Not for a 503 of a full
        upload budget (SaturatedError): that answer comes before the body by design."""
        if request.scope.get(_BODY_COMPLETE):
            return
        if request.headers.get("expect", "").lower() == "100-continue":
            return  # the client waits for our word before sending: nothing is on its way
        bound = self._max_bytes + DISCARD_SLACK_BYTES
        declared = _declared_length(request)
        if declared is not None and declared > bound:
            return
        dropped = 0
        with contextlib.suppress(TimeoutError, ClientDisconnect, OSError):
            async with asyncio.timeout(self._timeout_seconds):
                while dropped <= bound:
                    message = await request.receive()
                    if message["type"] != "http.request":
                        return
                    dropped += len(message.get("body", b""))
                    if not message.get("more_body", False):
                        return

    def _admit(self, count: int) -> int:
        if self.inflight_bytes + count > self._max_inflight_bytes:
            raise SaturatedError(
                "too many upload bytes in flight (server.max_upload_inflight_bytes); retry shortly"
            )
        self.inflight_bytes += count
        return count

    async def _receive(self, request: Request, spool: SpooledBody, *, reserve: bool) -> None:
        loop, chunks = asyncio.get_running_loop(), request.stream()
        try:
            async with asyncio.timeout(None) as deadline:
                while True:
                    deadline.reschedule(loop.time() + self._timeout_seconds)
                    chunk = await anext(chunks, None)
                    if chunk is None:
                        return
                    if spool.size + len(chunk) > self._max_bytes:
                        raise UploadTooLargeError(f"the limit is {self._max_bytes} bytes")
                    if reserve:
                        self._admit(len(chunk))
                    spool.write(chunk)
        except TimeoutError:
            raise BodyTimeoutError(
                f"nothing arrived for {self._timeout_seconds:g} s after {spool.size} bytes"
            ) from None
        except ClientDisconnect:
            raise ClientDisconnect(f"after {spool.size} bytes of the body") from None


class SpooledBody:
    """The body in memory up to SPOOL_MEMORY_BYTES, past that in a temporary file; `value()`
    reads it back whole, so the body is in memory once (BytesIO.getvalue hands over its own
    buffer, and a raw readall reads straight into the bytes object it returns)."""

    def __init__(self, memory_bytes: int = SPOOL_MEMORY_BYTES) -> None:
        self._memory_bytes = memory_bytes
        self._memory: io.BytesIO | None = io.BytesIO()
        self._file: IO[bytes] | None = None
        self.size = 0

    def write(self, chunk: bytes) -> None:
        if self._memory is not None and self.size + len(chunk) > self._memory_bytes:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
            self._file.write(self._memory.getbuffer())
            self._memory = None
        (self._file or self._memory or io.BytesIO()).write(chunk)
        self.size += len(chunk)

    def value(self) -> bytes:
        """Blocking when spooled to disk: run it off the event loop."""
        if self._memory is not None:
            data = self._memory.getvalue()
            self._memory = None
            return data
        assert self._file is not None
        self._file.flush()
        with open(self._file.fileno(), "rb", buffering=0, closefd=False) as raw:
            raw.seek(0)
            return raw.readall()

    def close(self) -> None:
        self._memory = None
        if self._file is not None:
            self._file.close()


def _declared_length(request: Request) -> int | None:
    """Content-Length, or None for a chunked body. The server's parser has already refused a
    malformed or overflowing one; the length guard keeps int() off absurd digit strings."""
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        return None
    return int(declared) if len(declared) <= 18 else 1 << 62


async def handle_client_disconnect(request: Request, exc: Exception) -> Response:
    """A client gone mid-request is its own doing: one line, no traceback, no 5xx counted.
    Nothing reaches the client (the server drops what is sent to a closed connection); the
    status is what the metrics and the access log record."""
    detail = f" {exc}" if str(exc) else ""
    logger.info("%s %s: the client disconnected%s", request.method, request.url.path, detail)
    return Response(status_code=CLIENT_CLOSED_REQUEST)


class CloseUnreadBodies:
    """An answer sent before the request body was read whole (413, 408, 503 before the body)
    closes the connection: the server would otherwise go on reading, and discarding, what the
    client still sends, and a stalled client would hold the connection after its answer."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD"):
            await self._app(scope, receive, send)
            return
        body_read = not _has_body(scope)

        async def tracked_receive() -> Message:
            nonlocal body_read
            message = await receive()
            body_read = body_read or not message.get("more_body", False)
            return message

        async def closing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and not body_read:
                headers = message.get("headers", ())
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self._app(scope, tracked_receive, closing_send)


def _has_body(scope: Scope) -> bool:
    return any(
        name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0")
        for name, value in scope["headers"]
    )
