"""Keystone logins and the translation of their failures, without a network (the real Keystone
runs in tests/integration/test_keystone.py)."""

from __future__ import annotations

import pytest
from keystoneauth1 import exceptions as keystone_errors
from keystoneauth1.identity import v2, v3
from swiftclient.client import ClientException

from image_repo.adapters.swift.connection import translated_errors
from image_repo.adapters.swift.keystone import (
    describe_login,
    keystone_session,
    swiftclient_options,
)
from image_repo.domain.errors import StoreLoginError, StoreUnavailableError

URL = "http://127.0.0.1:5000/v3"


def session_plugin(auth_version: str, **os_options: str) -> object:
    session = keystone_session(
        auth_url=URL,
        user="demo",
        key="secret",
        auth_version=auth_version,
        os_options=os_options,
        timeout_seconds=5,
    )
    return session.auth


def test_the_plugin_follows_the_credentials() -> None:
    assert isinstance(session_plugin("3", project_name="p"), v3.Password)
    assert isinstance(session_plugin("2.0", project_name="p"), v2.Password)
    app = session_plugin("3", application_credential_id="i", application_credential_secret="s")
    assert isinstance(app, v3.ApplicationCredential)


def test_interfaces_are_named_either_way() -> None:
    assert swiftclient_options({"endpoint_type": "internalURL", "region_name": "R2"}) == {
        "service_type": "object-store",
        "endpoint_type": "internal",
        "region_name": "R2",
    }
    assert swiftclient_options({})["service_type"] == "object-store"


def test_a_login_is_described_without_its_secret() -> None:
    described = describe_login(URL, "demo", {"project_name": "p", "user_domain_name": "Default"})
    assert described == f"user demo (domain Default) in project p at {URL}"
    app = {"application_credential_id": "app", "application_credential_secret": "s3cr3t"}
    assert "s3cr3t" not in describe_login(URL, "", app)


@pytest.mark.parametrize(
    "failure",
    [
        keystone_errors.Unauthorized(),
        keystone_errors.EndpointNotFound(),
        ClientException("refused", http_status=401),
        ClientException("forbidden", http_status=403),
    ],
)
def test_refused_logins_are_login_errors_naming_who(failure: Exception) -> None:
    refused = pytest.raises(StoreLoginError, match=r"authentication failed.*user demo")
    with refused, translated_errors("reading", "a/b", "user demo in project p"):
        raise failure


@pytest.mark.parametrize(
    "failure",
    [keystone_errors.ConnectFailure(), keystone_errors.ConnectTimeout(), OSError("reset")],
)
def test_an_unreachable_keystone_is_an_outage(failure: Exception) -> None:
    with (
        pytest.raises(StoreUnavailableError) as caught,
        translated_errors("reading", "a/b", "user demo"),
    ):
        raise failure
    assert not isinstance(caught.value, StoreLoginError)
