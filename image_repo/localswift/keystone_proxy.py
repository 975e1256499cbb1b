"""A Swift proxy that authenticates through Keystone: its authtoken and keystoneauth filters,
and the check that a Keystone user reaches its account through it."""

from __future__ import annotations

import urllib.error
import urllib.request

import attrs

from image_repo.localswift.keystone import (
    SERVICE_PROJECT,
    SWIFT_PASSWORD,
    SWIFT_USER,
    LocalKeystone,
)
from image_repo.localswift.keystone_admin import KeystoneError


@attrs.frozen
class KeystoneAuth:
    """The proxy's service user (`swift` with role `service` in project `service`)."""

    auth_url: str
    user: str
    password: str = attrs.field(repr=False)
    project: str

    @classmethod
    def of(cls, keystone: LocalKeystone) -> KeystoneAuth:
        return cls(keystone.auth_url, SWIFT_USER, SWIFT_PASSWORD, SERVICE_PROJECT)

    def pipeline(self) -> str:
        return "authtoken keystoneauth"

    def filters(self) -> str:
        """`delay_auth_decision`: a request without a token (a TempURL) reaches tempurl and
        keystoneauth instead of a 401 from authtoken. `operator_roles`: after bootstrap there
        is no `swiftoperator` role; `member` is what a project's users hold.
        `token_cache_time = -1`: every request validates its token with Keystone (~4 ms with
        Keystone's cache), so a revoked token is refused at once rather than for up to
        5 minutes (keystonemiddleware's default cache)."""
        return (
            "[filter:authtoken]\n"
            "paste.filter_factory = keystonemiddleware.auth_token:filter_factory\n"
            f"www_authenticate_uri = {self.auth_url}\nauth_url = {self.auth_url}\n"
            "auth_type = password\n"
            f"username = {self.user}\npassword = {self.password}\n"
            f"project_name = {self.project}\n"
            "user_domain_id = default\nproject_domain_id = default\n"
            "delay_auth_decision = true\ntoken_cache_time = -1\n\n"
            "[filter:keystoneauth]\nuse = egg:swift#keystoneauth\n"
            "operator_roles = admin, member\n\n"
        )


def member_reaches_account(keystone: LocalKeystone, proxy_port: int) -> bool:
    """Whether `demo` logs in to Keystone and then HEADs its account through the proxy."""
    try:
        token, project_id = keystone.member_token()
        request = urllib.request.Request(
            f"http://127.0.0.1:{proxy_port}/v1/AUTH_{project_id}",
            method="HEAD",
            headers={"X-Auth-Token": token},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return bool(200 <= response.status < 300)
    except (urllib.error.URLError, OSError, KeystoneError):
        return False
