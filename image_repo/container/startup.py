"""Building the ASGI app from a configuration: wiring, start-up checks and warnings."""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Mapping

from starlette.types import ASGIApp

from image_repo.adapters.http.app import create_app
from image_repo.adapters.http.worker_health import WorkerHealth
from image_repo.adapters.swift.connection import quiet_client_logs
from image_repo.container.factories import write_tokens
from image_repo.container.process import limit_memory, stop_gracefully, tune_process
from image_repo.container.wiring import Container
from image_repo.domain.errors import ImageRepoError, StoreLoginError, StoreUnavailableError
from image_repo.logging_setup import access_sink
from image_repo.settings import AppConfig, SwiftConfig

logger = logging.getLogger(__name__)


def _host_ip(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return "127.0.0.1" if host == "localhost" else "0.0.0.0"  # a name: assume exposed


def build_app(
    config: AppConfig,
    environ: Mapping[str, str] | None = None,
    warn_default_url_key: bool = True,
    supervised: bool = False,
) -> ASGIApp:
    """Resolve credentials (failing fast when there are none), wire everything, and return the
    ASGI app. Containers in Swift are created here when Swift answers, else on first write.
    `warn_default_url_key=False` where the default key is fine: `image_repo dev`, whose
    loopback Swift has it set by the command itself. `supervised`: a process manager
    (gunicorn) replaces a worker that exits, so a sick worker stops itself; the plain server
    has nobody to start it again and stays up, not ready."""
    container = Container(config=config, environ=dict(os.environ if environ is None else environ))
    container.credentials()
    tune_process(config.workers.malloc_arenas)
    limit_memory(config.workers.max_memory_bytes)
    quiet_client_logs()
    tokens = write_tokens(config.server)
    if not tokens and not ipaddress.ip_address(_host_ip(config.server.host)).is_loopback:
        logger.warning(
            "listening on %s with no server.write_tokens: anyone who can reach it can upload "
            "and delete images",
            config.server.host,
        )
    if warn_default_url_key and config.swift.url_key == SwiftConfig().url_key:
        logger.warning(
            "swift.url_key is the insecure default %r: anyone can sign temporary URLs to the "
            "cache container. Set a secret key and run `image_repo set-url-key`.",
            config.swift.url_key,
        )
    store = container.original_store()
    pool = container.blocking_pool()
    try:
        store.ensure_container()
        container.derived_store().ensure_container()
        _enable_versions(container)
        for missing in container.watermarks().missing():
            logger.warning(
                "images.watermarks: the watermark %s is not in Swift: requests for it answer 422",
                missing,
            )
    except StoreLoginError as error:
        logger.error("%s: check the Swift credentials (swift.* or OS_*/ST_*)", error)
    except StoreUnavailableError as error:
        logger.warning("Swift is not reachable at start (%s); serving what can be served", error)
    signer = container.url_signer()
    key_problem = signer.key_problem()
    if key_problem is not None:
        logger.warning("%s", key_problem)

    def shut_down() -> None:
        pool.shutdown()
        container.background_queue().close()
        container.originals().close()
        container.write_behind().close()
        container.swift_connections().close()

    disk = container.disk_cache()
    generations = container.name_generations()

    def readiness() -> dict[str, str | None]:
        # the generations table lives in cache_dir too: one report for the folder
        return {
            "swift": store.readiness_problem(),
            "disk_cache": disk.problem or generations.problem,
            "url_key": signer.key_problem(),
        }

    return create_app(
        container.endpoints(),
        container.memory_hits(),
        readiness=readiness,
        on_shutdown=shut_down,
        access_sink=access_sink(),
        health=WorkerHealth(
            pool,
            config.workers.max_wait_seconds,
            on_sick=stop_gracefully if supervised else lambda: None,
        ),
    )


def _enable_versions(container: Container) -> None:
    """`swift.versions`: Swift's object versioning on the originals container. A Swift whose
    proxy does not allow it refuses; said once, clearly, at start."""
    versions = container.versions()
    if versions is None:
        return
    try:
        versions.enable()
    except StoreUnavailableError:
        raise
    except ImageRepoError as error:
        logger.error(
            "swift.versions is on, but Swift refused to turn on object versioning for the "
            "originals container (%s): its proxy needs versioned_writes with "
            "allow_object_versioning = true",
            error,
        )


def install_url_key(config: AppConfig, environ: Mapping[str, str]) -> None:
    """What `image_repo set-url-key` does: no Swift command-line client needed."""
    container = Container(config=config, environ=dict(environ))
    container.url_signer().install_key()
