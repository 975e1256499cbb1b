"""A small pool of swiftclient connections, and the translation of their failures."""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import requests
from swiftclient.client import ClientException, Connection

from image_repo.adapters.swift.metrics import SWIFT_ERRORS
from image_repo.domain.errors import (
    AlreadyExistsError,
    ImageNotFoundError,
    StoreUnavailableError,
)


class SwiftConnectionPool:
    """swiftclient's Connection is not thread-safe but keeps its token and HTTP session, so each
    worker thread borrows one instead of logging in per request."""

    def __init__(self, factory: Callable[[], Connection], size: int) -> None:
        self._factory = factory
        self._idle: queue.LifoQueue[Connection] = queue.LifoQueue(maxsize=size)

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._factory()
        try:
            yield conn
        finally:
            try:
                self._idle.put_nowait(conn)
            except queue.Full:
                conn.close()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


@contextmanager
def translated_errors(action: str, subject: str) -> Iterator[None]:
    """Swift's failures as domain errors: 404 is absence, 412 a taken name, and anything
    unreachable or 5xx (or a refused login, which the client cannot fix) is a 503 the client
    may retry. Messages say in plain words what failed (`action` on `subject`, e.g. "storing"
    "a/b") and never quote swiftclient, whose text can carry a repr, a URL or a token; the
    original exception stays chained for the logs."""
    try:
        yield
    except ClientException as error:
        status = int(error.http_status or 0)
        if status == 404:
            raise ImageNotFoundError(f"{subject} not found") from error
        if status == 412:
            raise AlreadyExistsError(f"{subject} exists") from error
        SWIFT_ERRORS.labels(f"http_{status}" if status else "client").inc()
        # No status: swiftclient gave up without an answer (e.g. it cannot resend a body).
        failed = f"failed (HTTP {status})" if status else "unreachable"
        raise StoreUnavailableError(f"object store {failed} while {action} {subject}") from error
    except (requests.RequestException, OSError) as error:
        SWIFT_ERRORS.labels("unreachable").inc()
        raise StoreUnavailableError(f"object store unreachable while {action} {subject}") from error


def connection_factory(
    *,
    auth_url: str,
    user: str,
    key: str,
    auth_version: str,
    os_options: dict[str, str],
    timeout_seconds: float,
    retries: int,
) -> Callable[[], Connection]:
    """Connections with short timeouts and few, quick retries: with Swift unreachable a request
    must answer its 503 within seconds, not after swiftclient's default back-off of minutes."""

    def connect() -> Connection:
        return Connection(
            authurl=auth_url,
            user=user,
            key=key,
            auth_version=auth_version,
            os_options=dict(os_options),
            retries=retries,
            timeout=timeout_seconds,
            starting_backoff=0.2,
            max_backoff=1,
        )

    return connect
