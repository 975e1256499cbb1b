"""HttpPurger against a real HTTP listener on loopback: what a PURGE carries, and that an edge
that is down or hangs never fails or stalls a write past its bound, and gets its keys later."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from image_repo.adapters.edge.purger import PURGES, SECOND_PURGE_SECONDS, HttpPurger


class Edge(http.server.ThreadingHTTPServer):
    """Records each PURGE's path and keys; answers `status`, after `delay` seconds."""

    status = 200
    delay = 0.0

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.purged: list[tuple[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/purge"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Edge

    def do_PURGE(self) -> None:
        time.sleep(self.server.delay)
        self.server.purged.append((self.path, self.headers.get("xkey-purge", "")))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def edge() -> Iterator[Edge]:
    server = Edge()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def sent(outcome: str) -> float:
    return PURGES.labels(outcome)._value.get()  # type: ignore[no-any-return]


def wait_for(condition: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)


def test_a_purge_sends_every_key_in_one_header_and_again_a_little_later(edge: Edge) -> None:
    before = sent("sent")
    purger = HttpPurger((edge.url,), "xkey-purge", 2.0)
    purger.purge(("a/b", "list:a/", "list:"))
    assert edge.purged == [("/purge", "a/b list:a/ list:")]
    assert sent("sent") == before + 1
    # an answer that left a server just before the write may reach the edge after the purge
    wait_for(lambda: purger.owed() == 0, SECOND_PURGE_SECONDS + 5)
    assert edge.purged == [("/purge", "a/b list:a/ list:")] * 2


def test_a_refused_purge_is_retried_until_it_lands(edge: Edge) -> None:
    edge.status = 503
    purger = HttpPurger((edge.url,), "xkey-purge", 2.0)
    failed = sent("failed")
    purger.purge(("a",))
    assert purger.owed() == 1 and sent("failed") > failed
    edge.status = 200
    wait_for(lambda: purger.owed() == 0)
    assert purger.owed() == 0
    assert edge.purged[-1] == ("/purge", "a")


def test_an_edge_that_hangs_holds_a_write_no_longer_than_the_timeout(edge: Edge) -> None:
    edge.delay = 1.5
    purger = HttpPurger((edge.url,), "xkey-purge", 0.3)
    started = time.monotonic()
    purger.purge(("a",))
    assert time.monotonic() - started < 1.0
    assert purger.owed() == 1
    edge.delay = 0.0
    wait_for(lambda: purger.owed() == 0)
    assert purger.owed() == 0


def test_an_edge_that_is_down_never_fails_the_write() -> None:
    purger = HttpPurger(("http://127.0.0.1:9/",), "xkey-purge", 0.5)
    purger.purge(("a", "b"))
    assert purger.owed() == 2
