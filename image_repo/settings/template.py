"""The configuration as commented YAML: the template (`image_repo -Yt`) and the effective
configuration with its secrets masked (`image_repo -Y`)."""

from __future__ import annotations

import json

import attrs

from image_repo.settings.tree import AppConfig, SwiftConfig

CREDENTIAL_OPTIONS = frozenset(
    {"auth_url", "user", "key", "key_file", "rc_file", "auth_version", "project_name",
     "project_domain_name", "user_domain_name", "region_name", "endpoint_type",
     "application_credential_id", "application_credential_secret"}
)  # fmt: skip
MASK = "<masked>"
_LOOK_FURTHER = (
    "# Empty credentials mean 'look further': files named here, then ST_*/OS_* variables."
)


def _yaml_scalar(value: object) -> str:
    """JSON scalars and lists are valid YAML flow values, and quote strings unambiguously."""
    return json.dumps(value)


def masked(value: object) -> object:
    """A secret's stand-in that loads as the same type and passes the same checks: each
    non-empty string (alone or in a list) becomes MASK; empty stays empty (it says unset)."""
    if isinstance(value, tuple):
        return [MASK if item else item for item in value]
    return MASK if value else value


def _is_published(section: str, option: attrs.Attribute[object], value: object) -> bool:
    """swift.url_key at its default is printed in every copy of the README: no secret, and
    seeing it tells the reader the insecure default is in use."""
    return section == "swift" and option.name == "url_key" and value == SwiftConfig().url_key


def _render(config: AppConfig, header: list[str], mask_secrets: bool) -> str:
    lines = list(header)
    for section in attrs.fields(AppConfig):
        lines += ["", f"# {section.metadata['doc']}", f"{section.name}:"]
        values = getattr(config, section.name)
        for option in attrs.fields(type(values)):
            value = getattr(values, option.name)
            is_secret = option.metadata.get("is_secret", False)
            if mask_secrets and is_secret and not _is_published(section.name, option, value):
                value = masked(value)
            lines.append(f"  # {option.metadata['doc']}")
            lines.append(f"  {option.name}: {_yaml_scalar(value)}")
    return "\n".join(lines) + "\n"


def render_template() -> str:
    """Every option with its default and its comment; loading this text gives AppConfig()."""
    header = ["# image_repo configuration: every option with its default.", _LOOK_FURTHER]
    return _render(AppConfig(), header, mask_secrets=False)


def render_config(config: AppConfig) -> str:
    """`config` as a file that loads back to it, but for the secrets (swift.key,
    application_credential_secret, url_key, cache.integrity_key, server.write_tokens and
    url_signing_keys), each shown as MASK."""
    header = [
        "# image_repo effective configuration: the defaults, then what -c FILE sets.",
        f"# Secrets show as {MASK!r}: put them back before loading this as a file.",
        _LOOK_FURTHER,
    ]
    return _render(config, header, mask_secrets=True)
