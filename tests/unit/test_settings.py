"""Configuration: strict loading with dotted paths, the -Yt template, credential order."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from image_repo.settings import (
    AppConfig,
    ConfigError,
    CredentialsError,
    SwiftConfig,
    load_config,
    render_template,
    resolve_credentials,
)


def load(tmp_path: Path, text: str) -> AppConfig:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return load_config(path)


def test_no_file_and_an_empty_file_mean_defaults(tmp_path: Path) -> None:
    assert load_config(None) == AppConfig()
    assert load(tmp_path, "") == AppConfig()
    assert AppConfig().cache.cache_dir == "/var/tmp/image_server"
    assert AppConfig().swift.container == "test_image_repo"


def test_values_are_read(tmp_path: Path) -> None:
    config = load(tmp_path, "images:\n  thumbnail_size: [80, 60]\nswift:\n  timeout_seconds: 2\n")
    assert config.images.thumbnail_size == (80, 60)
    assert config.swift.timeout_seconds == 2.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bogus: 1\n", "bogus: unknown option"),
        ("cache:\n  bogus: 1\n", "cache.bogus: unknown option"),
        ("swift:\n  url_key: 5\n", "swift.url_key: expected str, got int"),
        ("server:\n  port: '5000'\n", "server.port: expected int, got str"),
        ("server:\n  port: true\n", "server.port: expected int, got bool"),
        ("cache:\n  swift_cache: 1\n", "cache.swift_cache: expected bool, got int"),
        ("images: [1]\n", "images: expected a mapping"),
        ("images:\n  thumbnail_size: 50\n", "images.thumbnail_size: expected a list"),
        ("images:\n  thumbnail_size: [50]\n", "images.thumbnail_size: expected a list of 2"),
        ("images:\n  background: red\n", "images.background: must be a colour"),
        ("server:\n  port: 0\n", "server.port: must be > 0"),
        ("server:\n  log_level: loud\n", "server.log_level: must be in"),
        ("- a\n", "expected a mapping of sections"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_bad_options_are_refused_with_their_dotted_path(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load(tmp_path, text)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")


def test_template_loads_back_as_the_defaults(tmp_path: Path) -> None:
    assert load(tmp_path, render_template()) == AppConfig()


def test_template_comments_every_option() -> None:
    lines = render_template().splitlines()
    for section in attrs.fields(AppConfig):
        values = getattr(AppConfig(), section.name)
        for option in attrs.fields(type(values)):
            line = next(i for i, text in enumerate(lines) if text.startswith(f"  {option.name}:"))
            assert lines[line - 1] == f"  # {option.metadata['doc']}"


ENV = {"ST_AUTH": "http://st/auth/v1.0", "ST_USER": "st:user", "ST_KEY": "st-key"}


def test_credentials_from_the_v1_environment() -> None:
    credentials = resolve_credentials(SwiftConfig(), ENV)
    assert (credentials.auth_url, credentials.user, credentials.key) == (
        "http://st/auth/v1.0",
        "st:user",
        "st-key",
    )
    assert credentials.auth_version == "1.0"


def test_config_beats_key_file_beats_environment_per_option(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("file-key\n")
    swift = SwiftConfig(user="config-user", key_file=str(key_file))
    credentials = resolve_credentials(swift, ENV)
    assert credentials.user == "config-user"
    assert credentials.key == "file-key"
    assert credentials.auth_url == "http://st/auth/v1.0"
    configured = attrs.evolve(swift, key="config-key")
    assert resolve_credentials(configured, ENV).key == "config-key"


def test_v1_variables_beat_openstack_ones() -> None:
    environ = {**ENV, "OS_AUTH_URL": "https://ks/v3", "OS_USERNAME": "os", "OS_PASSWORD": "pw"}
    assert resolve_credentials(SwiftConfig(), environ).user == "st:user"


def test_openstack_rc_variables_give_keystone_v3() -> None:
    environ = {
        "OS_AUTH_URL": "https://keystone/v3",
        "OS_USERNAME": "alice",
        "OS_PASSWORD": "pw",
        "OS_PROJECT_NAME": "images",
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_REGION_NAME": "RegionOne",
    }
    credentials = resolve_credentials(SwiftConfig(), environ)
    assert credentials.auth_version == "3"
    assert credentials.os_options == {
        "project_name": "images",
        "user_domain_name": "Default",
        "region_name": "RegionOne",
    }


def test_rc_file_is_read_before_the_environment(tmp_path: Path) -> None:
    rc = tmp_path / "openrc.sh"
    rc.write_text(
        "#!/usr/bin/env bash\n"
        'export OS_AUTH_URL="https://keystone/v3"\n'
        "export OS_USERNAME='bob smith'\n"
        'echo "Please enter your password: "\n'
        "read -sr OS_PASSWORD_INPUT\n"
        "export OS_PASSWORD=$OS_PASSWORD_INPUT\n"
        "export OS_PROJECT_NAME=proj # comment\n"
    )
    environ = {"OS_USERNAME": "env-user", "OS_PASSWORD": "env-pw"}
    credentials = resolve_credentials(SwiftConfig(rc_file=str(rc)), environ)
    assert credentials.user == "bob smith"
    assert credentials.key == "env-pw"
    assert credentials.os_options["project_name"] == "proj"


def test_missing_credentials_say_how_to_give_them() -> None:
    with pytest.raises(CredentialsError, match=r"ST_AUTH.*OS_AUTH_URL") as caught:
        resolve_credentials(SwiftConfig(), {})
    assert "swift.key_file" in str(caught.value)


def test_an_unreadable_key_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match=r"swift\.key_file .*nope"):
        resolve_credentials(SwiftConfig(key_file=str(tmp_path / "nope")), ENV)


def test_the_key_never_shows_in_a_repr() -> None:
    assert "st-key" not in repr(resolve_credentials(SwiftConfig(), ENV))


def test_an_application_credential_stands_for_user_and_password() -> None:
    environ = {
        "OS_AUTH_URL": "https://keystone/v3",
        "OS_AUTH_TYPE": "v3applicationcredential",
        "OS_APPLICATION_CREDENTIAL_ID": "app-id",
        "OS_APPLICATION_CREDENTIAL_SECRET": "app-secret",
        "OS_INTERFACE": "internal",
    }
    credentials = resolve_credentials(SwiftConfig(), environ)
    assert credentials.auth_version == "3"
    assert credentials.os_options == {
        "application_credential_id": "app-id",
        "application_credential_secret": "app-secret",
        "endpoint_type": "internal",
    }
    assert "app-secret" not in repr(credentials)
    without_secret = {k: v for k, v in environ.items() if not k.endswith("SECRET")}
    with pytest.raises(CredentialsError, match="application_credential_secret"):
        resolve_credentials(SwiftConfig(), without_secret)
