"""gunicorn settings for image_repo: uvicorn workers behind nginx.

    IMAGE_REPO_CONFIG=/etc/image_repo.yaml gunicorn -c deploy/gunicorn.conf.py

Environment: IMAGE_REPO_BIND (default 127.0.0.1:8000), IMAGE_REPO_WORKERS (default: cores).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

wsgi_app = "image_repo.asgi:app"
# uvicorn's worker, running the protocol that answers memory hits as soon as their headers are
# parsed (image_repo/adapters/http/hit_protocol.py)
worker_class = "image_repo.adapters.http.gunicorn_worker.MemoryHitWorker"
bind = os.environ.get("IMAGE_REPO_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("IMAGE_REPO_WORKERS", str(os.cpu_count() or 2)))

# A cold derivation of a 75 MP original can take seconds; a worker silent for this long is
# hung and is replaced. On SIGTERM, in-flight requests get graceful_timeout to finish.
timeout = 120
graceful_timeout = 30
keepalive = 5
# Each worker builds its own app after the fork: thread pools and Swift connections must not
# be shared across processes.
preload_app = False

# Prometheus samples from every worker are merged through files in this folder; it must be set
# before any worker imports prometheus_client, and emptied when the master starts.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), "image_repo-metrics")
)


def on_starting(_server: Any) -> None:
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def child_exit(_server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
