"""Swift credentials, option by option: the file, then files it names, then the environment."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path

import attrs

from image_repo.settings.loading import ConfigError
from image_repo.settings.tree import SwiftConfig

# Environment variables per option, in order: the v1 (tempauth) names first, as the swift CLI.
ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "auth_url": ("ST_AUTH", "OS_AUTH_URL"),
    "user": ("ST_USER", "OS_USERNAME"),
    "key": ("ST_KEY", "OS_PASSWORD"),
    "auth_version": ("ST_AUTH_VERSION", "OS_IDENTITY_API_VERSION", "OS_AUTH_VERSION"),
    "project_name": ("OS_PROJECT_NAME", "OS_TENANT_NAME"),
    "project_domain_name": ("OS_PROJECT_DOMAIN_NAME",),
    "user_domain_name": ("OS_USER_DOMAIN_NAME",),
    "region_name": ("OS_REGION_NAME",),
    "endpoint_type": ("OS_INTERFACE", "OS_ENDPOINT_TYPE"),
    "application_credential_id": ("OS_APPLICATION_CREDENTIAL_ID",),
    "application_credential_secret": ("OS_APPLICATION_CREDENTIAL_SECRET",),
}
OS_OPTIONS = (
    "project_name",
    "project_domain_name",
    "user_domain_name",
    "region_name",
    "endpoint_type",
    "application_credential_id",
    "application_credential_secret",
)

HOW_TO = (
    "give Swift credentials in the configuration (swift.auth_url, swift.user, swift.key or "
    "swift.key_file, or swift.rc_file naming an OpenStack RC file), or in the environment "
    "(ST_AUTH, ST_USER, ST_KEY for v1/tempauth; OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, "
    "OS_PROJECT_NAME, ... or OS_APPLICATION_CREDENTIAL_ID and _SECRET for Keystone)"
)


class CredentialsError(ConfigError):
    pass


@attrs.frozen
class SwiftCredentials:
    auth_url: str
    user: str
    key: str = attrs.field(repr=False)
    auth_version: str
    # holds an application credential's secret when one is used: kept out of reprs too
    os_options: dict[str, str] = attrs.field(factory=dict, repr=False)


def read_rc_file(path: Path) -> dict[str, str]:
    """`export NAME=value` lines, as the OpenStack dashboard writes them; shell quoting honoured,
    anything else (prompts, echo, if-blocks) ignored."""
    variables: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        if words[:1] == ["export"]:
            words = words[1:]
        if len(words) == 1 and "=" in words[0]:
            name, value = words[0].split("=", 1)
            if value and not value.startswith("$"):
                variables[name] = value
    return variables


def _read(path_text: str, what: str) -> str:
    try:
        return Path(path_text).expanduser().read_text(encoding="utf-8")
    except OSError as error:
        raise CredentialsError(f"cannot read swift.{what} {path_text}: {error.strerror}") from error


def resolve_credentials(swift: SwiftConfig, environ: Mapping[str, str]) -> SwiftCredentials:
    rc: dict[str, str] = {}
    if swift.rc_file:
        _read(swift.rc_file, "rc_file")
        rc = read_rc_file(Path(swift.rc_file).expanduser())
    key_file = _read(swift.key_file, "key_file").rstrip("\r\n") if swift.key_file else ""
    sources: dict[str, str] = {}

    def pick(option: str) -> str:
        configured = getattr(swift, option)
        if configured:
            sources[option] = "config"
            return str(configured)
        if option == "key" and key_file:
            return key_file
        for variables in (rc, environ):
            for variable in ENVIRONMENT[option]:
                if variables.get(variable):
                    sources[option] = variable
                    return variables[variable]
        return ""

    values = {option: pick(option) for option in ENVIRONMENT}
    # An application credential stands for user and password (Keystone v3 only).
    needed: tuple[str, ...] = ("auth_url", "application_credential_secret")
    if not values["application_credential_id"]:
        needed = ("auth_url", "user", "key")
    missing = [o for o in needed if not values[o]]
    if missing:
        raise CredentialsError(f"no Swift {', '.join(missing)}: {HOW_TO}")
    return SwiftCredentials(
        auth_url=values["auth_url"],
        user=values["user"],
        key=values["key"],
        auth_version=values["auth_version"] or _infer_version(values["auth_url"], sources),
        os_options={o: values[o] for o in OS_OPTIONS if values[o]},
    )


def _infer_version(auth_url: str, sources: Mapping[str, str]) -> str:
    url = auth_url.rstrip("/")
    if sources.get("auth_url") == "ST_AUTH" or url.endswith("/v1.0"):
        return "1.0"
    if url.endswith("/v2.0"):
        return "2.0"
    return "3"
