"""The ASGI application for process managers: `gunicorn -c deploy/gunicorn.conf.py`.

The configuration file is named by IMAGE_REPO_CONFIG (defaults apply when it is unset). A worker
that runs out of memory or threads stops itself gracefully here, for its manager to replace it.
"""

from __future__ import annotations

import os
from pathlib import Path

from image_repo.container import build_app
from image_repo.logging_setup import configure_logging
from image_repo.settings import load_config

_config_path = os.environ.get("IMAGE_REPO_CONFIG")
config = load_config(Path(_config_path) if _config_path else None)
configure_logging(config.server.log_level, as_json=config.server.log_json)
app = build_app(config, supervised=True)  # a sick worker exits and is replaced
