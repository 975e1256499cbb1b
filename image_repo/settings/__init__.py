"""The configuration: one typed tree, loaded strictly from YAML, with credentials resolved."""

from image_repo.settings.credentials import CredentialsError, SwiftCredentials, resolve_credentials
from image_repo.settings.loading import ConfigError, load_config
from image_repo.settings.template import MASK, render_config, render_template
from image_repo.settings.tree import (
    AppConfig,
    CacheConfig,
    EdgeConfig,
    ImagesConfig,
    ServerConfig,
    SwiftConfig,
    WorkersConfig,
)

__all__ = [
    "MASK",
    "AppConfig",
    "CacheConfig",
    "ConfigError",
    "CredentialsError",
    "EdgeConfig",
    "ImagesConfig",
    "ServerConfig",
    "SwiftConfig",
    "SwiftCredentials",
    "WorkersConfig",
    "load_config",
    "render_config",
    "render_template",
    "resolve_credentials",
]
