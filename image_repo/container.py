"""The composition root: the one place that reads configuration and wires adapters to ports."""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from dependency_injector import containers, providers
from starlette.types import ASGIApp

from image_repo.adapters.cache.clock import SystemClock
from image_repo.adapters.cache.disk_cache import DiskCache
from image_repo.adapters.cache.known_etags import (
    DiskKnownEtags,
    LayeredKnownEtags,
    MemoryKnownEtags,
)
from image_repo.adapters.cache.memory_cache import MemoryCache
from image_repo.adapters.cache.metrics import PrometheusFetchMetrics
from image_repo.adapters.cache.write_behind import WriteBehindQueue
from image_repo.adapters.http.app import create_app
from image_repo.adapters.http.blocking import BlockingPool, lower_thread_priority
from image_repo.adapters.http.image_endpoints import HttpSettings, ImageEndpoints, ImageUseCases
from image_repo.adapters.imaging.formats import writable_formats
from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.adapters.regex.re2_compiler import Re2PatternCompiler
from image_repo.adapters.swift.connection import SwiftConnectionPool, connection_factory
from image_repo.adapters.swift.derived_store import SwiftDerivedStore
from image_repo.adapters.swift.original_store import SwiftOriginalStore
from image_repo.adapters.swift.temp_urls import SwiftTempUrlSigner
from image_repo.application.current_etag import CurrentEtag
from image_repo.application.delete_image import DeleteImage
from image_repo.application.fetch_image import FetchImage, LocalTier
from image_repo.application.issue_temp_url import IssueTempUrl
from image_repo.application.list_images import ListImages
from image_repo.application.lookup_cached_image import LookupCachedImage
from image_repo.application.ports import ImageProcessor
from image_repo.application.read_meta import ReadMeta
from image_repo.application.select_images import SelectImages
from image_repo.application.upload_image import UploadImage
from image_repo.domain.derivation import DerivationDefaults
from image_repo.domain.errors import StoreUnavailableError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.limits import ImageLimits
from image_repo.logging_setup import access_sink
from image_repo.settings import (
    AppConfig,
    ConfigError,
    ImagesConfig,
    ServerConfig,
    SwiftConfig,
    SwiftCredentials,
    resolve_credentials,
)

logger = logging.getLogger(__name__)

# Two threads keep a disk fsync and a PUT to the cache container going at once.
WRITE_BEHIND_THREADS = 2


def derivation_defaults(images: ImagesConfig) -> DerivationDefaults:
    width, height = images.thumbnail_size
    return DerivationDefaults(
        default_kind=ImageFormat.JPEG
        if images.default_kind == "jpg"
        else ImageFormat(images.default_kind),
        thumbnail_width=width,
        thumbnail_height=height,
        jpeg_quality=images.jpeg_quality,
        webp_quality=images.webp_quality,
        avif_quality=images.avif_quality,
        thumbnail_sharpen=images.thumbnail_sharpen,
        background=images.background.removeprefix("#").lower(),
        strip_metadata=images.strip_metadata,
    )


def image_processor(name: str, max_concurrent: int, prepared_cache_bytes: int) -> ImageProcessor:
    """libvips is optional (the `vips` extra), so it is imported only when chosen."""
    pillow = PillowProcessor(
        max_concurrent=max_concurrent, prepared_cache_bytes=prepared_cache_bytes
    )
    if name != "vips":
        return pillow
    try:
        from image_repo.adapters.imaging.vips_processor import VipsProcessor
    except ImportError as error:
        raise ConfigError(
            "images.processor: vips needs pyvips (pip install 'image_repo[vips]')"
        ) from error
    return VipsProcessor(pillow, max_concurrent=max_concurrent)


def write_tokens(server: ServerConfig) -> tuple[str, ...]:
    """Tokens from the file and from the file it names (one per line, blank lines ignored)."""
    tokens = list(server.write_tokens)
    if server.write_tokens_file:
        try:
            text = Path(server.write_tokens_file).read_text(encoding="utf-8")
        except OSError as error:
            reason = f"cannot read {server.write_tokens_file}: {error.strerror}"
            raise ConfigError(f"server.write_tokens_file: {reason}") from error
        tokens += [line.strip() for line in text.splitlines() if line.strip()]
    return tuple(tokens)


def swift_pool(credentials: SwiftCredentials, config: AppConfig) -> SwiftConnectionPool:
    factory = connection_factory(
        auth_url=credentials.auth_url,
        user=credentials.user,
        key=credentials.key,
        auth_version=credentials.auth_version,
        os_options=dict(credentials.os_options),
        timeout_seconds=config.swift.timeout_seconds,
        retries=config.swift.retries,
    )
    return SwiftConnectionPool(factory, size=config.workers.swift_threads)


class Container(containers.DeclarativeContainer):
    """Singletons for shared adapters and the use cases made of them."""

    config = providers.Dependency(instance_of=AppConfig)
    environ = providers.Dependency(instance_of=dict)

    credentials = providers.Singleton(resolve_credentials, config.provided.swift, environ)
    swift_connections = providers.Singleton(swift_pool, credentials, config)
    original_store = providers.Singleton(
        SwiftOriginalStore, swift_connections, config.provided.swift.container
    )
    derived_store = providers.Singleton(
        SwiftDerivedStore, swift_connections, config.provided.swift.cache_container
    )
    url_signer = providers.Singleton(
        SwiftTempUrlSigner,
        swift_connections,
        config.provided.swift.cache_container,
        url_key=config.provided.swift.url_key,
        url_digest=config.provided.swift.url_digest,
    )
    processor = providers.Singleton(
        image_processor,
        config.provided.images.processor,
        config.provided.workers.imaging_threads,
        config.provided.cache.prepared_cache_bytes,
    )
    pattern_compiler = providers.Singleton(Re2PatternCompiler)
    limits = providers.Singleton(
        ImageLimits,
        max_pixels=config.provided.images.max_pixels,
        max_frames=config.provided.images.max_frames,
    )
    blocking_pool = providers.Singleton(
        BlockingPool,
        "image_repo",
        threads=config.provided.workers.swift_threads,
        max_queue=config.provided.workers.max_queue,
        nice=config.provided.workers.nice,
    )

    cache_dir = providers.Callable(Path, config.provided.cache.cache_dir)
    memory_cache = providers.Singleton(MemoryCache, config.provided.cache.memory_cache_bytes)
    disk_cache = providers.Singleton(DiskCache, cache_dir, config.provided.cache.disk_cache_bytes)
    memory_etags = providers.Singleton(MemoryKnownEtags)
    known_etags = providers.Singleton(
        LayeredKnownEtags,
        memory_etags,
        providers.Singleton(DiskKnownEtags, cache_dir),
        rewrite_seconds=config.provided.cache.original_ttl_seconds,
    )
    clock = providers.Singleton(SystemClock)
    current_etag = providers.Singleton(
        CurrentEtag,
        original_store,
        known_etags,
        clock,
        ttl_seconds=config.provided.cache.original_ttl_seconds,
    )
    # The event-loop lookup must not touch the disk, so it trusts only ETags held in memory.
    current_etag_in_memory = providers.Singleton(
        CurrentEtag,
        original_store,
        memory_etags,
        clock,
        ttl_seconds=config.provided.cache.original_ttl_seconds,
    )
    fetch_metrics = providers.Singleton(PrometheusFetchMetrics)
    write_behind = providers.Singleton(
        WriteBehindQueue,
        threads=WRITE_BEHIND_THREADS,
        max_bytes=config.provided.cache.write_behind_bytes,
        initializer=providers.Callable(
            lambda nice: functools.partial(lower_thread_priority, nice),
            config.provided.workers.nice,
        ),
    )
    local_tiers = providers.List(
        providers.Singleton(LocalTier, "memory", memory_cache),
        providers.Singleton(LocalTier, "disk", disk_cache, writes_behind=True),
    )

    fetch = providers.Singleton(
        FetchImage,
        original_store,
        processor,
        limits,
        current_etag,
        local_tiers,
        derived=providers.Callable(
            lambda enabled, store: store if enabled else None,
            config.provided.cache.swift_cache,
            derived_store,
        ),
        metrics=fetch_metrics,
        write_behind=write_behind,
    )
    listing = providers.Singleton(
        ListImages,
        original_store,
        pattern_compiler,
        max_pattern_bytes=config.provided.images.max_regex_bytes,
    )
    use_cases = providers.Singleton(
        ImageUseCases,
        upload=providers.Singleton(
            UploadImage,
            original_store,
            processor,
            limits,
            max_upload_bytes=config.provided.images.max_upload_bytes,
            etags=current_etag,
        ),
        lookup=providers.Singleton(
            LookupCachedImage, current_etag_in_memory, memory_cache, fetch_metrics
        ),
        fetch=fetch,
        list=listing,
        select=providers.Singleton(
            SelectImages, listing, max_images=config.provided.images.max_zip_images
        ),
        meta=providers.Singleton(
            ReadMeta,
            original_store,
            processor,
            include_gps=config.provided.images.meta_include_gps,
        ),
        temp_url=providers.Singleton(
            IssueTempUrl,
            providers.Singleton(
                FetchImage,
                original_store,
                processor,
                limits,
                current_etag,
                local_tiers,
                derived=derived_store,
                metrics=fetch_metrics,
                write_behind=write_behind,
            ),
            derived_store,
            url_signer,
            ttl_seconds=config.provided.swift.url_ttl,
        ),
        delete=providers.Singleton(
            DeleteImage,
            original_store,
            derived_store,
            providers.List(memory_cache, disk_cache),
            current_etag,
        ),
    )
    http_settings = providers.Singleton(
        HttpSettings,
        max_upload_bytes=config.provided.images.max_upload_bytes,
        max_dimension=config.provided.images.max_dimension,
        output_formats=providers.Callable(writable_formats),
        defaults=providers.Callable(derivation_defaults, config.provided.images),
        cache_max_age_seconds=config.provided.cache.original_ttl_seconds,
        write_tokens=providers.Callable(write_tokens, config.provided.server),
        max_zip_bytes=config.provided.images.max_zip_bytes,
    )
    endpoints = providers.Singleton(ImageEndpoints, use_cases, blocking_pool, http_settings)


def _host_ip(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return "127.0.0.1" if host == "localhost" else "0.0.0.0"  # a name: assume exposed


def build_app(config: AppConfig, environ: Mapping[str, str] | None = None) -> ASGIApp:
    """Resolve credentials (failing fast when there are none), wire everything, and return the
    ASGI app. Containers in Swift are created here when Swift answers, else on first write."""
    container = Container(config=config, environ=dict(os.environ if environ is None else environ))
    container.credentials()
    # The event loop shares the GIL with the Swift and imaging threads; with the default 5 ms
    # switch interval a memory hit could wait that long per hand-over behind a busy thread.
    sys.setswitchinterval(0.0005)
    tokens = write_tokens(config.server)
    if not tokens and not ipaddress.ip_address(_host_ip(config.server.host)).is_loopback:
        logger.warning(
            "listening on %s with no server.write_tokens: anyone who can reach it can upload "
            "and delete images",
            config.server.host,
        )
    if config.swift.url_key == SwiftConfig().url_key:
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
    except StoreUnavailableError as error:
        logger.warning("Swift is not reachable at start (%s); serving what can be served", error)

    def shut_down() -> None:
        pool.shutdown()
        container.write_behind().close()
        container.swift_connections().close()

    disk = container.disk_cache()

    def readiness() -> dict[str, str | None]:
        return {"swift": store.readiness_problem(), "disk_cache": disk.problem}

    return create_app(
        container.endpoints(),
        pool,
        readiness=readiness,
        on_shutdown=shut_down,
        access_sink=access_sink(),
    )


def install_url_key(config: AppConfig, environ: Mapping[str, str]) -> None:
    """What `image_repo set-url-key` does: no Swift command-line client needed."""
    container = Container(config=config, environ=dict(environ))
    container.url_signer().install_key()
