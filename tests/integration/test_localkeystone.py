"""LocalKeystone and a Swift behind it: logins, roles, revocation, application credentials and
a Keystone outage, through python-swiftclient with a keystoneauth1 session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1.identity import v3
from keystoneauth1.session import Session
from swiftclient.client import ClientException, Connection

from tests.integration.conftest import KeystoneSwift

pytestmark = pytest.mark.integration


def password_session(environ: dict[str, str]) -> Session:
    auth = v3.Password(
        auth_url=environ["OS_AUTH_URL"],
        username=environ["OS_USERNAME"],
        password=environ["OS_PASSWORD"],
        project_name=environ["OS_PROJECT_NAME"],
        user_domain_name=environ["OS_USER_DOMAIN_NAME"],
        project_domain_name=environ["OS_PROJECT_DOMAIN_NAME"],
    )
    return Session(auth=auth)


def connect(session: Session) -> Connection:
    return Connection(session=session, os_options={"region_name": "RegionOne"}, retries=1)


@pytest.fixture
def container(keystone_swift: KeystoneSwift) -> Iterator[str]:
    name = f"ks_{uuid.uuid4().hex[:8]}"
    connection = connect(password_session(keystone_swift.keystone.member_environ()))
    connection.put_container(name)
    yield name
    connection.close()


def test_member_writes_and_reads(keystone_swift: KeystoneSwift, container: str) -> None:
    session = password_session(keystone_swift.keystone.member_environ())
    connection = connect(session)
    connection.put_object(container, "a.txt", b"hello")
    assert connection.get_object(container, "a.txt")[1] == b"hello"
    project_id = session.get_project_id()
    storage_url = connection.get_auth()[0]
    assert (
        storage_url
        == f"http://127.0.0.1:{keystone_swift.swift.endpoint.proxy_port}/v1/AUTH_{project_id}"
    )


def test_reader_may_not_write(keystone_swift: KeystoneSwift, container: str) -> None:
    connection = connect(password_session(keystone_swift.keystone.reader_environ()))
    with pytest.raises(ClientException) as refused:
        connection.put_object(container, "r.txt", b"no")
    assert refused.value.http_status == 403


def test_login_count_counts_logins(keystone_swift: KeystoneSwift) -> None:
    keystone = keystone_swift.keystone
    before, before_demo = keystone.login_count(), keystone.login_count("demo")
    session = password_session(keystone.member_environ())
    session.get_token()
    session.get_token()  # the same token: no second login
    password_session(keystone.reader_environ()).get_token()
    assert keystone.login_count() == before + 2
    assert keystone.login_count("demo") == before_demo + 1


def test_revoked_token_is_refused_and_a_new_login_works(
    keystone_swift: KeystoneSwift, container: str
) -> None:
    keystone = keystone_swift.keystone
    session = password_session(keystone.member_environ())
    connection = connect(session)
    connection.put_object(container, "before.txt", b"1")
    storage_url, old_token = connection.get_auth()
    logins = keystone.login_count("demo")

    keystone.revoke_member_tokens()

    answer = httpx.head(storage_url, headers={"X-Auth-Token": old_token}, timeout=10)
    assert answer.status_code == 401
    # swiftclient invalidates the session on the 401 and logs in again, once (a retried
    # put_object would need contents it can rewind: it refuses to resend bytes).
    assert connection.get_object(container, "before.txt")[1] == b"1"
    assert connection.get_auth()[1] != old_token
    connection.put_object(container, "after.txt", b"2")
    assert keystone.login_count("demo") == logins + 1
    fresh = connect(password_session(keystone.member_environ()))
    assert fresh.get_object(container, "after.txt")[1] == b"2"


def test_application_credential(keystone_swift: KeystoneSwift, container: str) -> None:
    keystone = keystone_swift.keystone
    credential_id, secret = keystone.create_application_credential()
    auth = v3.ApplicationCredential(
        auth_url=keystone.auth_url,
        application_credential_id=credential_id,
        application_credential_secret=secret,
    )
    connection = connect(Session(auth=auth))
    connection.put_object(container, "app.txt", b"app")
    assert connection.get_object(container, "app.txt")[1] == b"app"
    assert keystone.login_count(f"application_credential={credential_id}") == 1


def test_keystone_down_then_back(keystone_swift: KeystoneSwift, container: str) -> None:
    keystone = keystone_swift.keystone
    keystone.stop()
    try:
        with pytest.raises(ks_exceptions.ConnectFailure):
            password_session(keystone.member_environ()).get_token()
    finally:
        keystone.start()
    assert keystone.is_running
    connection = connect(password_session(keystone.member_environ()))
    connection.put_object(container, "back.txt", b"back")
    assert connection.get_object(container, "back.txt")[1] == b"back"
