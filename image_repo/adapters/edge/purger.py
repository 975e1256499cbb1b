"""HttpPurger: the EdgePurger port as Varnish and Fastly take purges: `PURGE <url>` with the
surrogate keys in one header (`edge.purge_header`, Varnish xkey's `xkey-purge` by default)."""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from urllib.parse import urlsplit

import attrs
from prometheus_client import Counter

logger = logging.getLogger(__name__)

PURGES = Counter(
    "image_repo_edge_purges",
    "Purge requests to the edge by outcome: sent (answered 2xx), failed (an attempt that was "
    "not; retried), dropped (keys given up, the retry queue full)",
    ["outcome"],
)

FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0
# Keys waiting for a purger that is down, per purger; past this the oldest are dropped (and
# counted): an edge down for hours must not grow a worker's memory without bound.
MAX_PENDING_KEYS = 100_000
# Keys sent in one request: a header of a few KiB, which every proxy accepts.
KEYS_PER_REQUEST_BYTES = 4096
# Every purge is sent again this long after it landed: an answer that left a server just before
# the write (a memory hit in the socket, an edge still receiving it) may reach the edge's cache
# after the first purge. Answers that were still being made when the write was answered are
# not shared at all (FetchedImage.is_settled), so this covers milliseconds, with room to spare.
SECOND_PURGE_SECONDS = 2.0


def _batches(keys: list[str]) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for key in keys:
        if batches[-1] and size + len(key) + 1 > KEYS_PER_REQUEST_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(key)
        size += len(key) + 1
    return batches


@attrs.define
class _Owed:
    """A key owed to a purger: `write` counts the purges that owed it (a retry that lands
    clears only what it sent, not the same key owed again by a later write meanwhile), `due`
    when it is to be sent."""

    write: int
    due: float


class _Target:
    """One purger: where PURGE goes, and the keys owed to it, the oldest owed first."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"edge.purge_urls: {url!r} is not an http(s) URL")
        self.url = url
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.pending: dict[str, _Owed] = {}
        self.backoff = FIRST_RETRY_SECONDS

    def first_due(self) -> float:
        return min(owed.due for owed in self.pending.values())


class HttpPurger:
    """A write waits for its purge at most `timeout_seconds` (all purgers asked at once), so a
    slow edge costs a write that long at worst, and a purger that is down never fails it: what
    did not land is owed to that purger and sent again by one background thread, with backoff
    (1 s doubling to 30 s), every owed key in as few requests as fit, until it lands. A purge
    that landed is sent once more SECOND_PURGE_SECONDS later (see there).

    Owed keys live in this process only: a worker that exits owes nothing any more, so an edge
    down while workers restart may keep an answer until its TTL (the unpinned max-age is
    short for that reason; pinned URLs change with the image)."""

    def __init__(
        self,
        urls: tuple[str, ...],
        header: str,
        timeout_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._targets = [_Target(url) for url in urls]
        self._header = header
        self._timeout = timeout_seconds
        self._clock = clock
        self._senders = ThreadPoolExecutor(max(1, len(self._targets)), "edge-purge")
        self._owed = threading.Condition()
        self._retrier: threading.Thread | None = None
        self._writes = 0  # purges owed so far

    def purge(self, keys: tuple[str, ...]) -> None:
        if not self._targets:
            return
        sent = [self._senders.submit(self._send, t, list(keys)) for t in self._targets]
        wait_for(sent, timeout=self._timeout)
        for target, future in zip(self._targets, sent, strict=True):
            landed = future.done() and future.exception() is None and future.result()
            self._owe(target, keys, SECOND_PURGE_SECONDS if landed else target.backoff)

    def _send(self, target: _Target, keys: list[str]) -> bool:
        """One PURGE per batch of keys; True when every one was answered 2xx."""
        return all(self._request(target, batch) for batch in _batches(keys))

    def _request(self, target: _Target, keys: list[str]) -> bool:
        connection_class = (
            http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(target.host, target.port, timeout=self._timeout)
        try:
            connection.request("PURGE", target.path, headers={self._header: " ".join(keys)})
            response = connection.getresponse()
            response.read()
            landed = 200 <= response.status < 300
        except (OSError, http.client.HTTPException) as error:
            logger.warning("purging %d key(s) at %s failed: %s", len(keys), target.url, error)
            landed = False
        else:
            if not landed:
                logger.warning(
                    "purging %d key(s) at %s: answered %d", len(keys), target.url, response.status
                )
        finally:
            connection.close()
        PURGES.labels("sent" if landed else "failed").inc()
        return landed

    def _owe(self, target: _Target, keys: tuple[str, ...], after_seconds: float) -> None:
        """`keys` are to be purged at `target` in `after_seconds`."""
        with self._owed:
            self._writes += 1
            due = self._clock() + after_seconds
            for key in keys:
                target.pending.pop(key, None)
                target.pending[key] = _Owed(self._writes, due)
            dropped = len(target.pending) - MAX_PENDING_KEYS
            for _ in range(max(0, dropped)):
                del target.pending[next(iter(target.pending))]
            if dropped > 0:
                PURGES.labels("dropped").inc(dropped)
                logger.error("edge purger %s: %d owed key(s) dropped", target.url, dropped)
            if self._retrier is None:
                self._retrier = threading.Thread(
                    target=self._retry_forever, name="edge-purge-retry", daemon=True
                )
                self._retrier.start()
            self._owed.notify()

    def owed(self) -> int:
        """Keys not purged yet, over every purger."""
        with self._owed:
            return sum(len(t.pending) for t in self._targets)

    def _retry_forever(self) -> None:
        while True:
            target, due = self._next_due()
            if self._send(target, list(due)):
                with self._owed:
                    for key, owed in due.items():
                        if target.pending.get(key) is owed:
                            del target.pending[key]
                    target.backoff = FIRST_RETRY_SECONDS
            else:
                with self._owed:
                    retry_at = self._clock() + target.backoff
                    for owed in due.values():
                        owed.due = max(owed.due, retry_at)
                    target.backoff = min(target.backoff * 2, MAX_RETRY_SECONDS)

    def _next_due(self) -> tuple[_Target, dict[str, _Owed]]:
        """Wait for the first purger with a key due; every key due there now."""
        with self._owed:
            while True:
                owing = [t for t in self._targets if t.pending]
                if not owing:
                    self._owed.wait()
                    continue
                first = min(owing, key=_Target.first_due)
                now = self._clock()
                delay = first.first_due() - now
                if delay <= 0:
                    return first, {k: o for k, o in first.pending.items() if o.due <= now}
                self._owed.wait(delay)
