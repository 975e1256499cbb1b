"""The composition root: the one place that reads configuration and wires adapters to ports."""

from image_repo.container.startup import build_app, install_url_key
from image_repo.container.wiring import Container

__all__ = ["Container", "build_app", "install_url_key"]
