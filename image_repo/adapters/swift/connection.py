"""A small pool of swiftclient connections, and the translation of their failures."""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import requests
from keystoneauth1 import exceptions as keystone_errors
from swiftclient.client import ClientException, Connection

from image_repo.adapters.swift.circuit_breaker import CircuitBreaker
from image_repo.adapters.swift.keystone import (
    describe_login,
    keystone_session,
    swiftclient_options,
    uses_keystone,
)
from image_repo.adapters.swift.metrics import SWIFT_ERRORS
from image_repo.domain.errors import (
    AlreadyExistsError,
    ImageNotFoundError,
    StoreLoginError,
    StoreUnavailableError,
)

# Keystone's answers that mean "these credentials will not do", as opposed to "not now".
_REFUSED_LOGINS = (
    keystone_errors.Unauthorized,
    keystone_errors.Forbidden,
    keystone_errors.NotFound,
    keystone_errors.EndpointNotFound,
    keystone_errors.AuthorizationFailure,
    keystone_errors.MissingAuthPlugin,
)


class SwiftConnectionPool:
    """swiftclient's Connection is not thread-safe but keeps its token and HTTP session, so each
    worker thread borrows one instead of logging in per request. `login` says who logs in
    where (never the secret), for the message of a refused login; `breaker` is shared by every
    container on the pool (one Swift behind them all)."""

    def __init__(
        self,
        factory: Callable[[], Connection],
        size: int,
        login: str = "the Swift account",
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._factory = factory
        self._idle: queue.LifoQueue[Connection] = queue.LifoQueue(maxsize=size)
        self.login = login
        self.breaker = breaker or CircuitBreaker(open_seconds=0)

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        try:
            conn = self._idle.get_nowait()
            if conn.session is not None:
                # Take the session's current token (no login while it is valid): a connection
                # that kept a token revoked since would meet a 401 and log in once more itself.
                conn.token = None
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
def translated_errors(
    action: str, subject: str, login: str = "the Swift account"
) -> Iterator[None]:
    """Swift's and Keystone's failures as domain errors: 404 is absence, 412 a taken name, a
    refused login or a 401/403 from Swift a StoreLoginError (a configuration to fix, told apart
    from an outage), anything unreachable or 5xx a StoreUnavailableError the client may retry.
    Messages say in plain words what failed (`action` on `subject`, e.g. "storing" "a/b") and
    never quote swiftclient, whose text can carry a repr, a URL or a token; the original
    exception stays chained for the logs."""
    try:
        yield
    except ClientException as error:
        status = int(error.http_status or 0)
        if status == 404:
            raise ImageNotFoundError(f"{subject} not found") from error
        if status == 412:
            raise AlreadyExistsError(f"{subject} exists") from error
        SWIFT_ERRORS.labels(f"http_{status}" if status else "client").inc()
        if status in (401, 403):
            raise StoreLoginError(
                f"authentication failed: the object store refused {login} (HTTP {status}) "
                f"while {action} {subject}"
            ) from error
        # No status: swiftclient gave up without an answer (e.g. it cannot resend a body).
        failed = f"failed (HTTP {status})" if status else "unreachable"
        raise StoreUnavailableError(f"object store {failed} while {action} {subject}") from error
    except _REFUSED_LOGINS as error:
        SWIFT_ERRORS.labels("login_refused").inc()
        raise StoreLoginError(
            f"authentication failed: Keystone refused the login of {login} ({type(error).__name__})"
        ) from error
    except (keystone_errors.ClientException, requests.RequestException, OSError) as error:
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
    must answer its 503 within seconds, not after swiftclient's default back-off of minutes.
    Keystone (v2.0, v3) logins go through one keystoneauth1 session shared by every connection
    this factory makes; v1 (tempauth) connections log in on their own."""
    session = (
        keystone_session(
            auth_url=auth_url,
            user=user,
            key=key,
            auth_version=auth_version,
            os_options=os_options,
            timeout_seconds=timeout_seconds,
        )
        if uses_keystone(auth_version)
        else None
    )

    retrying = {
        "retries": retries,
        "timeout": timeout_seconds,
        "starting_backoff": 0.2,
        "max_backoff": 1,
    }

    def connect() -> Connection:
        if session is not None:
            options = swiftclient_options(os_options)
            return Connection(session=session, os_options=options, **retrying)
        return Connection(
            authurl=auth_url,
            user=user,
            key=key,
            auth_version=auth_version,
            os_options=dict(os_options),
            **retrying,
        )

    return connect


def login_description(
    auth_url: str, user: str, auth_version: str, os_options: dict[str, str]
) -> str:
    """Who the connections log in as, and where: for the message of a refused login."""
    if uses_keystone(auth_version):
        return describe_login(auth_url, user, os_options)
    return f"user {user} at {auth_url}"


def quiet_client_logs() -> None:
    """swiftclient logs every request that did not succeed at INFO as a `curl` command line
    with its headers (the auth token cut short among them) and the response: a cache-container
    miss alone is four lines. A 404 is an expected answer here and no token, whole or cut, may
    reach a log, so only its warnings are kept; our own lines say what failed."""
    logging.getLogger("swiftclient").setLevel(logging.WARNING)
