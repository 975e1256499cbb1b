"""`image_repo -Y`: the effective configuration as YAML that loads back, secrets masked."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from image_repo.cli import main
from image_repo.settings import MASK, AppConfig, load_config, render_config

OWN_CONFIG = """\
server:
  port: 5123
  write_tokens: [token-one, token-two]
  url_signing_keys: [signing-key]
swift:
  user: bob
  key: swift-password
  application_credential_secret: app-secret
  url_key: my-url-key
  container: 'phótos "quoted"'
cache:
  cache_dir: /srv/cache
  integrity_key: integrity-secret
images:
  thumbnail_size: [80, 60]
  presets: {thumb: "thumbnail=true&kind=webp"}
"""
SECRETS = (
    "token-one",
    "token-two",
    "signing-key",
    "swift-password",
    "app-secret",
    "my-url-key",
    "integrity-secret",
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def with_masks(config: AppConfig) -> AppConfig:
    """What OWN_CONFIG becomes once every secret is replaced by MASK."""
    return attrs.evolve(
        config,
        server=attrs.evolve(config.server, write_tokens=(MASK, MASK), url_signing_keys=(MASK,)),
        swift=attrs.evolve(
            config.swift, key=MASK, application_credential_secret=MASK, url_key=MASK
        ),
        cache=attrs.evolve(config.cache, integrity_key=MASK),
    )


def test_the_effective_configuration_loads_back_with_secrets_masked(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, "own.yaml", OWN_CONFIG))
    printed = render_config(loaded)
    assert not [secret for secret in SECRETS if secret in printed]
    assert load_config(write(tmp_path, "printed.yaml", printed)) == with_masks(loaded)


def test_defaults_print_as_defaults_with_the_published_url_key_shown(tmp_path: Path) -> None:
    printed = render_config(AppConfig())
    assert load_config(write(tmp_path, "printed.yaml", printed)) == AppConfig()
    assert 'url_key: "123456789"' in printed


@pytest.mark.parametrize("with_file", [True, False])
def test_dash_y_prints_the_effective_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], with_file: bool
) -> None:
    config = write(tmp_path, "own.yaml", OWN_CONFIG)
    assert main(["-c", str(config), "-Y"] if with_file else ["-Y"]) == 0
    printed = capsys.readouterr().out
    expected = with_masks(load_config(config)) if with_file else AppConfig()
    assert load_config(write(tmp_path, "printed.yaml", printed)) == expected
    assert ("port: 5123" in printed) is with_file


def test_dash_yt_still_prints_the_template(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-Yt"]) == 0
    assert "every option with its default" in capsys.readouterr().out
