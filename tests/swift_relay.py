"""SwiftRelay: an HTTP relay in front of the local Swift recording every request a server makes,
for tests of what the server asks of Swift."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import attrs


@attrs.frozen
class Request:
    method: str
    path: str  # unquoted, without the query
    range: str | None
    newest: str | None
    status: int
    body_bytes: int


class SwiftRelay:
    """An HTTP relay in front of the local Swift that records every request. The server logs in
    through it, and tempauth builds the storage URL from the Host it was asked at, so every
    later request the server makes comes through the relay too."""

    def __init__(self, upstream_port: int) -> None:
        self.requests: list[Request] = []
        self._held: dict[str, threading.Event] = {}
        relay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def forward(self) -> None:
                relay.wait_if_held(unquote(urlsplit(self.path).path))
                length = int(self.headers.get("Content-Length", "0"))
                assert "chunked" not in self.headers.get("Transfer-Encoding", "")
                body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                upstream.request(self.command, self.path, body, headers)
                answer = upstream.getresponse()
                content = answer.read()
                upstream.close()
                # recorded before the answer goes back, so a test sees it once the server answers
                path = unquote(urlsplit(self.path).path)
                wanted = self.headers.get("Range"), self.headers.get("X-Newest")
                record = Request(self.command, path, *wanted, answer.status, len(content))
                relay.requests.append(record)
                self.send_response_only(answer.status, answer.reason)
                for key, value in answer.getheaders():
                    if key.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(key, value)
                length_header = answer.getheader("Content-Length", "0")
                sent_length = length_header if self.command == "HEAD" else str(len(content))
                self.send_header("Content-Length", sent_length)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_COPY = forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def hold(self, obj: str) -> threading.Event:
        """Requests about paths ending in `/obj` wait (up to a minute) until the returned event
        is set: a Swift that is slow for one object, holding whichever server thread asked."""
        release = threading.Event()
        self._held[f"/{obj}"] = release
        return release

    def wait_if_held(self, path: str) -> None:
        for suffix, release in list(self._held.items()):
            if path.endswith(suffix):
                release.wait(60)

    def gets(self, container: str, obj: str) -> list[Request]:
        """The GETs of one object, in order."""
        path = f"/{container}/{obj}"
        return [r for r in self.requests if r.method == "GET" and r.path.endswith(path)]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
