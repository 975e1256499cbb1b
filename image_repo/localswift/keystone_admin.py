"""Keystone's v3 API through the stdlib (the service's venv needs no Keystone client): logins,
and the projects, users, roles and catalog entries a LocalKeystone provides."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

# Marks LocalKeystone's own logins in the access log; login_count() leaves them out.
HELPER_HEADER = "X-LocalKeystone-Helper"
REGION = "RegionOne"
DOMAIN = "default"


class KeystoneError(RuntimeError):
    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url}: {status} {body[:300]}")
        self.status = status


def login(auth_url: str, user: str, password: str, project: str | None) -> tuple[str, Any]:
    """A token (project-scoped, or system-scoped without `project`) and its body."""
    scope: dict[str, Any] = (
        {"system": {"all": True}}
        if project is None
        else {"project": {"name": project, "domain": {"id": DOMAIN}}}
    )
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "domain": {"id": DOMAIN}, "password": password}
                },
            },
            "scope": scope,
        }
    }
    headers, answer = call(auth_url, "POST", "/auth/tokens", None, body)
    return headers["X-Subject-Token"], answer["token"]


def call(
    auth_url: str, method: str, path: str, token: str | None, body: Any = None
) -> tuple[Any, Any]:
    """One request to `auth_url + path`: (headers, decoded JSON or None)."""
    headers = {HELPER_HEADER: "1", "Content-Type": "application/json"}
    if token is not None:
        headers["X-Auth-Token"] = token
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(auth_url + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raise KeystoneError(method, auth_url + path, error.code, error.read().decode()) from None


class Admin:
    """The bootstrap admin with a system-scoped token, kept until Keystone refuses it."""

    def __init__(self, auth_url: str, password: str) -> None:
        self._auth_url = auth_url
        self._password = password
        self._token: str | None = None

    def request(self, method: str, path: str, body: Any = None) -> Any:
        for attempt in (1, 2):
            if self._token is None:
                self._token, _ = login(self._auth_url, "admin", self._password, None)
            try:
                return call(self._auth_url, method, path, self._token, body)[1]
            except KeystoneError as error:
                if error.status != 401 or attempt == 2:
                    raise
                self._token = None
        raise AssertionError("unreachable")

    def find(self, collection: str, **query: str) -> dict[str, Any] | None:
        params = "&".join(f"{k}={v}" for k, v in query.items())
        found = self.request("GET", f"/{collection}?{params}")[collection]
        return found[0] if found else None

    def ensure(self, collection: str, entity: dict[str, Any], **query: str) -> str:
        """The id of the entity matching `query`, created from `entity` if absent."""
        found = self.find(collection, **query)
        if found is None:
            found = self.request("POST", f"/{collection}", {collection[:-1]: entity})[
                collection[:-1]
            ]
        return str(found["id"])

    def user_id(self, name: str) -> str:
        found = self.find("users", name=name, domain_id=DOMAIN)
        if found is None:
            raise RuntimeError(f"keystone has no user {name!r}")
        return str(found["id"])

    def ensure_user(self, name: str, password: str, project: str, role: str) -> None:
        project_id = self.ensure(
            "projects", {"name": project, "domain_id": DOMAIN}, name=project, domain_id=DOMAIN
        )
        user = {"name": name, "password": password, "domain_id": DOMAIN}
        user_id = self.ensure("users", user | {"default_project_id": project_id}, name=name)
        role_id = self.ensure("roles", {"name": role}, name=role)
        self.request("PUT", f"/projects/{project_id}/users/{user_id}/roles/{role_id}")

    def ensure_service(self, service_type: str, name: str, url: str) -> None:
        """The service with public, internal and admin endpoints at `url` in RegionOne (moved
        there if they point elsewhere, e.g. after a restart on other ports)."""
        service_id = self.ensure(
            "services", {"type": service_type, "name": name}, type=service_type
        )
        endpoints = self.request("GET", f"/endpoints?service_id={service_id}")["endpoints"]
        for interface in ("public", "internal", "admin"):
            mine = [e for e in endpoints if e["interface"] == interface]
            if not mine:
                endpoint = {"service_id": service_id, "interface": interface, "url": url}
                self.request("POST", "/endpoints", {"endpoint": endpoint | {"region_id": REGION}})
            elif mine[0]["url"] != url:
                self.request("PATCH", f"/endpoints/{mine[0]['id']}", {"endpoint": {"url": url}})
