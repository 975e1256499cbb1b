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


def status_of(error: ClientException) -> int:
    return int(error.http_status or 0)


@contextmanager
def translated_errors(what: str) -> Iterator[None]:
    """Swift's failures as domain errors: 404 is absence, anything unreachable or 5xx (or a
    refused login, which the client cannot fix) is a 503 the client may retry."""
    try:
        yield
    except ClientException as error:
        status = status_of(error)
        if status == 404:
            raise ImageNotFoundError(what) from error
        if status == 412:
            raise AlreadyExistsError(f"{what} exists") from error
        SWIFT_ERRORS.labels(f"http_{status}" if status else "client").inc()
        raise StoreUnavailableError(f"object store error on {what}: {status or error}") from error
    except (requests.RequestException, OSError) as error:
        SWIFT_ERRORS.labels("unreachable").inc()
        raise StoreUnavailableError(f"object store unreachable ({type(error).__name__})") from error


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
