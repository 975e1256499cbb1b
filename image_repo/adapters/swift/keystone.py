"""Keystone logins for python-swiftclient: one keystoneauth1 session per process."""

from __future__ import annotations

from collections.abc import Mapping

from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v2, v3
from keystoneauth1.identity.base import BaseIdentityPlugin

KEYSTONE_VERSIONS = ("2", "2.0", "3")
# OpenStack RC files name interfaces either way ("public" or the v2 "publicURL").
_INTERFACES = {"publicURL": "public", "internalURL": "internal", "adminURL": "admin"}


def uses_keystone(auth_version: str) -> bool:
    return auth_version in KEYSTONE_VERSIONS


def keystone_session(
    *,
    auth_url: str,
    user: str,
    key: str,
    auth_version: str,
    os_options: Mapping[str, str],
    timeout_seconds: float,
) -> ksa_session.Session:
    """A session that logs in once and keeps its token until it is about to expire; every
    swiftclient Connection of the process shares it (keystoneauth locks the login), and on a
    401 from Swift swiftclient invalidates it, so a revoked token costs one new login. It also
    holds the service catalog: the storage URL of temporary URLs comes from it, no login per
    URL. No I/O here: the first request logs in."""
    return ksa_session.Session(
        auth=_plugin(auth_url, user, key, auth_version, os_options), timeout=timeout_seconds
    )


def swiftclient_options(os_options: Mapping[str, str]) -> dict[str, str]:
    """What swiftclient reads beside a session: which catalog endpoint to use."""
    options = {"service_type": "object-store"}
    if os_options.get("endpoint_type"):
        interface = os_options["endpoint_type"]
        options["endpoint_type"] = _INTERFACES.get(interface, interface)
    if os_options.get("region_name"):
        options["region_name"] = os_options["region_name"]
    return options


def describe_login(auth_url: str, user: str, os_options: Mapping[str, str]) -> str:
    """Who logs in where, for messages: never the password or secret."""
    if os_options.get("application_credential_id"):
        who = f"application credential {os_options['application_credential_id']}"
    else:
        who = f"user {user}"
        if os_options.get("user_domain_name"):
            who += f" (domain {os_options['user_domain_name']})"
    project = os_options.get("project_name")
    if project:
        who += f" in project {project}"
    return f"{who} at {auth_url}"


def _plugin(
    auth_url: str, user: str, key: str, auth_version: str, os_options: Mapping[str, str]
) -> BaseIdentityPlugin:
    if auth_version.startswith("2"):
        return v2.Password(
            auth_url=auth_url,
            username=user,
            password=key,
            tenant_name=os_options.get("project_name"),
        )
    if os_options.get("application_credential_id"):
        return v3.ApplicationCredential(
            auth_url=auth_url,
            application_credential_id=os_options["application_credential_id"],
            application_credential_secret=os_options.get("application_credential_secret", ""),
        )
    return v3.Password(
        auth_url=auth_url,
        username=user,
        password=key,
        project_name=os_options.get("project_name"),
        user_domain_name=os_options.get("user_domain_name") or "Default",
        project_domain_name=os_options.get("project_domain_name") or "Default",
    )
