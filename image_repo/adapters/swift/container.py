"""SwiftContainer: every request the Swift adapters make, on one container, in one place."""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

from swiftclient.client import ClientException, Connection

from image_repo.adapters.swift.arriving_body import Abandoned, ArrivingBody
from image_repo.adapters.swift.connection import SwiftConnectionPool, translated_errors
from image_repo.domain.errors import (
    ImageNotFoundError,
    ImageRepoError,
    StoreLoginError,
    StoreUnavailableError,
)

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 10_000  # the most entries Swift returns in one listing page
_CHUNK_BYTES = 64 * 1024  # what a streamed body is read in: a decoder's read size

# One listing entry: {"name", "hash", "bytes", ...}, or {"subdir"} for a folder when listed
# with a delimiter.
Entry = dict[str, Any]

_T = TypeVar("_T")


class SwiftContainer:
    """One container over the connection pool. Each request borrows a connection for its own
    duration only and raises domain errors only: ImageNotFoundError for a 404, AlreadyExistsError
    for a failed If-None-Match, StoreUnavailableError when Swift cannot answer."""

    def __init__(
        self, pool: SwiftConnectionPool, name: str, *, page_size: int = MAX_PAGE_SIZE
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1 to {MAX_PAGE_SIZE}, not {page_size}")
        self._pool = pool
        self.name = name
        self._page_size = page_size

    def create(self, headers: dict[str, str] | None = None) -> None:
        """Create the container; on an existing one only `headers` (metadata) are applied."""
        self._request(
            "creating container", self.name, lambda c: c.put_container(self.name, headers=headers)
        )

    def metadata(self) -> dict[str, str]:
        """The container's headers, names in lower case."""
        return self._request(
            "reading container", self.name, lambda c: dict(c.head_container(self.name))
        )

    def head(
        self, obj: str, *, newest: bool = False, query_string: str | None = None
    ) -> dict[str, str]:
        """The object's headers, names in lower case. With `newest`, see `_newest`;
        `query_string` (e.g. `version-id=ID`) goes with the request."""

        def head(conn: Connection) -> dict[str, str]:
            headers = conn.head_object(
                self.name, obj, headers=_newest(newest), query_string=query_string
            )
            return dict(headers)

        return self._request("reading", obj, head)

    def post(self, obj: str, headers: dict[str, str]) -> None:
        """Replace the object's metadata (its content type and every user metadata header:
        what `headers` leaves out is dropped), leaving its bytes and ETag as they are."""
        self._request("describing", obj, lambda c: c.post_object(self.name, obj, headers))

    def get(self, obj: str, *, newest: bool = False) -> tuple[dict[str, str], bytes]:
        def get(conn: Connection) -> tuple[dict[str, str], bytes]:
            headers, body = conn.get_object(self.name, obj, headers=_newest(newest))
            return dict(headers), bytes(body)

        return self._request("reading", obj, get)

    def stream(
        self, obj: str, *, newest: bool = False, query_string: str | None = None
    ) -> tuple[dict[str, str], ArrivingBody]:
        """GET `obj`, returning once its headers are in: the body goes on arriving into the
        ArrivingBody on a thread of its own, which holds the connection until the last byte
        (or until the body is abandoned). A failure before the headers raises here (a 404 as
        ImageNotFoundError); one after, from the body's reads. With `newest`, see `_newest`;
        `query_string` (e.g. `version-id=ID`) goes with the request."""
        opened: Future[tuple[dict[str, str], ArrivingBody]] = Future()

        def download(conn: Connection) -> None:
            headers, chunks = conn.get_object(
                self.name, obj, headers=_newest(newest), resp_chunk_size=_CHUNK_BYTES,
                query_string=query_string,
            )  # fmt: skip
            length = str(headers.get("content-length", ""))
            body = ArrivingBody(int(length) if length.isdigit() else None)
            opened.set_result((dict(headers), body))
            try:
                for chunk in chunks:
                    body.append(chunk)
            except Abandoned:
                chunks.close()
                return
            body.finish()

        def run() -> None:
            try:
                self._request("reading", obj, download)
            except Exception as error:  # whatever it is, no reader may be left waiting
                if not isinstance(error, ImageRepoError):
                    logger.exception("reading %s failed", obj)
                    error = StoreUnavailableError(f"reading {obj} failed")
                if opened.done():
                    opened.result()[1].fail(error)
                else:
                    opened.set_exception(error)

        threading.Thread(target=run, name="swift-body", daemon=True).start()
        return opened.result()

    def put(
        self, obj: str, data: bytes, *, content_type: str, headers: dict[str, str] | None = None
    ) -> str:
        """Store `data` and return its ETag. Swift compares the MD5 sent as ETag with what it
        wrote and refuses a mismatch, so a return means the bytes are stored as sent. A missing
        container is created and the write tried once more.

        The body goes as a seekable stream (sharing `data`'s buffer), which swiftclient rewinds
        to send again after a 401 (a revoked or expired token: it logs in anew) or a failure it
        retries; given bytes, it gives up instead. A retried `If-None-Match: *` whose first
        attempt did land answers 412: rare, and the client then sees the name taken."""
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()

        def put(conn: Connection) -> str:
            etag = conn.put_object(
                self.name, obj, io.BytesIO(data), content_length=len(data), etag=md5,
                content_type=content_type, headers=headers,
            )  # fmt: skip
            return str(etag)

        try:
            etag = self._request("storing", obj, put)
        except ImageNotFoundError:
            self.create()
            try:
                etag = self._request("storing", obj, put)
            except ImageNotFoundError:
                raise StoreUnavailableError(
                    f"object store lost container {self.name} while storing {obj}"
                ) from None
        return etag.strip('"')

    def delete(self, obj: str, *, query_string: str | None = None) -> bool:
        """False when there was no such object. `query_string` (e.g. `version-id=ID`) goes
        with the request."""
        try:
            self._request(
                "deleting",
                obj,
                lambda c: c.delete_object(self.name, obj, query_string=query_string),
            )
        except ImageNotFoundError:
            return False
        return True

    def copy(self, source: str, obj: str, *, query_string: str | None = None) -> dict[str, str]:
        """Server-side copy of `source` (in this container) onto `obj`: a zero-byte PUT with
        `X-Copy-From`, so the bytes never leave Swift; the copy keeps the source's content type
        and user metadata. Swift's copy middleware reads the source with the request's
        `query_string` (e.g. `version-id=ID`, an older version) and drops `version-id` from
        the write. Returns the PUT's answer headers (names in lower case; `etag` the copy's).
        A missing source is ImageNotFoundError."""
        copy_from = urllib.parse.quote(f"{self.name}/{source}")

        def copy(conn: Connection) -> dict[str, str]:
            answer: dict[str, Any] = {}
            conn.put_object(
                self.name, obj, None, content_length=0, headers={"X-Copy-From": copy_from},
                query_string=query_string, response_dict=answer,
            )  # fmt: skip
            return dict(answer.get("headers", {}))

        return self._request("copying", f"{source} to {obj}", copy)

    def page(
        self,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        marker: str = "",
        limit: int | None = None,
    ) -> list[Entry]:
        """One page of the listing in byte order, after `marker`, of at most `limit` entries
        (the page size by default). A container not made yet holds nothing: an empty page."""

        def get_page(conn: Connection) -> list[Entry]:
            _headers, entries = conn.get_container(
                self.name, prefix=prefix, delimiter=delimiter, marker=marker,
                limit=limit or self._page_size,
            )  # fmt: skip
            return list(entries)

        try:
            return self._request("listing", self.name, get_page)
        except ImageNotFoundError:
            return []

    def versions_page(
        self,
        prefix: str = "",
        *,
        marker: str = "",
        version_marker: str = "",
        limit: int | None = None,
    ) -> list[Entry]:
        """One page of Swift's object-versioning listing (`GET container?versions`): every
        version of every object under `prefix`, in name order and, for one name, newest first;
        entries carry `version_id` and `is_latest`, delete markers the content type
        `application/x-deleted;swift_versions_deleted=1`. The next page starts after
        (`marker`, `version_marker`): the last entry's name and version id (Swift refuses a
        `version_marker` without a `marker`). A container not made yet holds nothing."""

        def get_page(conn: Connection) -> list[Entry]:
            _headers, entries = conn.get_container(
                self.name, prefix=prefix, marker=marker or None,
                version_marker=version_marker or None, limit=limit or self._page_size,
                query_string="versions",
            )  # fmt: skip
            return list(entries)

        try:
            return self._request("listing versions in", self.name, get_page)
        except ImageNotFoundError:
            return []

    def listing(
        self,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        marker: str = "",
        page_size: int | None = None,
    ) -> Iterator[Entry]:
        """Every entry under `prefix` after `marker`, page by page (of `page_size`, at most the
        container's). The next page is asked for once this one is consumed, after the last
        entry seen, so the caller may delete entries meanwhile; a `subdir` entry as marker
        skips the rest of its folder. A page shorter than the page size is the last: Swift
        fills each page while entries remain."""
        size = min(page_size or self._page_size, self._page_size)
        while True:
            entries = self.page(prefix, delimiter=delimiter, marker=marker, limit=size)
            yield from entries
            if len(entries) < size:
                return
            marker = entries[-1].get("name") or entries[-1]["subdir"]

    def url(self) -> str:
        """The container's URL (not quoted), from the storage URL learnt at login: no request
        once the borrowed connection has logged in."""

        def storage_url(conn: Connection) -> str:
            return str(conn.url or conn.get_auth()[0])

        return f"{self._request('logging in to', 'the object store', storage_url)}/{self.name}"

    def _request(self, action: str, subject: str, request: Callable[[Connection], _T]) -> _T:
        breaker = self._pool.breaker
        breaker.check(f"{action} {subject}")
        started_at = breaker.now()
        try:
            with (
                translated_errors(action, subject, self._pool.login),
                self._pool.connection() as conn,
            ):
                result = request(conn)
        except StoreLoginError:
            raise  # Swift answered: refusing credentials is not an outage
        except StoreUnavailableError:
            breaker.failed(started_at)
            raise
        except ImageRepoError:
            breaker.answered()  # a 404 or 412 is an answer
            raise
        breaker.answered()
        return result

    def get_start(
        self, obj: str, max_bytes: int, *, newest: bool = False
    ) -> tuple[dict[str, str], bytes]:
        """The object's first `max_bytes` (all of them when it is shorter: one Range GET) and
        its headers as a whole GET gives them: `content-length` is the object's size, taken
        from the 206's Content-Range. An empty object has no first byte (Swift answers 416): it
        is read whole. With `newest`, see `_newest`."""
        wanted = {**_newest(newest), "Range": f"bytes=0-{max_bytes - 1}"}

        def get(conn: Connection) -> tuple[dict[str, str], bytes]:
            try:
                headers, body = conn.get_object(self.name, obj, headers=wanted)
            except ClientException as error:
                if error.http_status != 416:
                    raise
                headers, body = conn.get_object(self.name, obj, headers=_newest(newest))
            headers = dict(headers)
            size = headers.get("content-range", "").rpartition("/")[2]
            if size.isdigit():
                headers["content-length"] = size
            return headers, bytes(body)

        return self._request("reading", obj, get)


def _newest(newest: bool) -> dict[str, str]:
    """`X-Newest: true` makes the proxy ask every replica and answer with the newest version,
    a deletion included: a storage server that was down during the last PUT or DELETE and came
    back still holds the old object until replication reaches it, and without the header the
    proxy may answer from it."""
    return {"X-Newest": "true"} if newest else {}
