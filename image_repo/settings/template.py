"""render_template: the whole configuration as commented YAML (`image_repo -Yt`)."""

from __future__ import annotations

import json

import attrs

from image_repo.settings.tree import AppConfig

CREDENTIAL_OPTIONS = frozenset(
    {"auth_url", "user", "key", "key_file", "rc_file", "auth_version", "project_name",
     "project_domain_name", "user_domain_name", "region_name", "endpoint_type",
     "application_credential_id", "application_credential_secret"}
)  # fmt: skip


def _yaml_scalar(value: object) -> str:
    """JSON scalars and lists are valid YAML flow values, and quote strings unambiguously."""
    return json.dumps(value)


def render_template() -> str:
    """Every option with its default and its comment; loading this text gives AppConfig()."""
    lines = [
        "# image_repo configuration: every option with its default.",
        "# Empty credentials mean 'look further': files named here, then ST_*/OS_* variables.",
    ]
    defaults = AppConfig()
    for section in attrs.fields(AppConfig):
        lines += ["", f"# {section.metadata['doc']}", f"{section.name}:"]
        values = getattr(defaults, section.name)
        for option in attrs.fields(type(values)):
            lines.append(f"  # {option.metadata['doc']}")
            lines.append(f"  {option.name}: {_yaml_scalar(getattr(values, option.name))}")
    return "\n".join(lines) + "\n"
