"""The Container: which adapter implements which port, and the use cases made of them."""

from __future__ import annotations

import functools
from pathlib import Path

from dependency_injector import containers, providers

from image_repo.adapters.cache.background_queue import BackgroundQueue
from image_repo.adapters.cache.clock import SystemClock
from image_repo.adapters.cache.disk_cache import DiskCache
from image_repo.adapters.cache.known_etags import DiskKnownEtags
from image_repo.adapters.cache.memory_cache import MemoryCache
from image_repo.adapters.cache.metrics import PrometheusFetchMetrics
from image_repo.adapters.cache.name_generations import SharedNameGenerations
from image_repo.adapters.cache.write_behind import WriteBehindQueue
from image_repo.adapters.http.blocking import BlockingPool, lower_thread_priority
from image_repo.adapters.http.image_endpoints import HttpSettings, ImageEndpoints, ImageUseCases
from image_repo.adapters.http.memory_hits import MemoryHits
from image_repo.adapters.imaging.formats import writable_formats
from image_repo.adapters.imaging.prepared_cache import PreparedCache
from image_repo.adapters.regex.re2_compiler import Re2PatternCompiler
from image_repo.adapters.swift.derived_store import SwiftDerivedStore
from image_repo.adapters.swift.original_store import SwiftOriginalStore
from image_repo.adapters.swift.temp_urls import SwiftTempUrlSigner
from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.delete_image import DeleteImage
from image_repo.application.derivation_flights import DerivationFlights
from image_repo.application.deriver import Deriver
from image_repo.application.fetch_image import FetchImage
from image_repo.application.first_views import PrepareFirstViews
from image_repo.application.issue_temp_url import IssueTempUrl
from image_repo.application.kept_versions import KeptVersions
from image_repo.application.list_images import ListImages
from image_repo.application.original_looks import OriginalLooks
from image_repo.application.originals import Originals
from image_repo.application.read_meta import ReadMeta
from image_repo.application.read_original import ReadOriginal
from image_repo.application.rename_image import RenameImage
from image_repo.application.select_images import SelectImages
from image_repo.application.tiered_cache import TieredCache
from image_repo.application.upload_image import UploadImage
from image_repo.application.watermarks import Watermarks
from image_repo.container.factories import (
    cache_container_ttl,
    derivation_defaults,
    eager_specs,
    edge_purger,
    image_processor,
    integrity_secret,
    original_versions,
    presets,
    swift_pool,
    watermark_images,
    write_tokens,
)
from image_repo.domain.limits import ImageLimits
from image_repo.domain.url_signatures import UrlSignatures
from image_repo.settings import AppConfig, resolve_credentials

# Two threads keep a disk fsync and a PUT to the cache container going at once.
WRITE_BEHIND_THREADS = 2
# Uploads whose eager presets may wait; past that they are dropped (counted).
EAGER_QUEUE_UPLOADS = 8
# The lowest priority: eager derivations run on what requests leave of the CPU.
EAGER_NICE = 19


class Container(containers.DeclarativeContainer):
    """Singletons for shared adapters and the use cases made of them."""

    config = providers.Dependency(instance_of=AppConfig)
    environ = providers.Dependency(instance_of=dict)

    credentials = providers.Singleton(resolve_credentials, config.provided.swift, environ)
    swift_connections = providers.Singleton(swift_pool, credentials, config)
    original_store = providers.Singleton(
        SwiftOriginalStore, swift_connections, config.provided.swift.container
    )
    versions = providers.Singleton(original_versions, swift_connections, config.provided.swift)
    edge = providers.Singleton(edge_purger, config.provided.edge)
    derived_store = providers.Singleton(
        SwiftDerivedStore,
        swift_connections,
        config.provided.swift.cache_container,
        integrity_secret=providers.Callable(integrity_secret, config.provided.cache, credentials),
        ttl_seconds=providers.Callable(cache_container_ttl, config),
    )
    url_signer = providers.Singleton(
        SwiftTempUrlSigner,
        swift_connections,
        config.provided.swift.cache_container,
        url_key=config.provided.swift.url_key,
        url_digest=config.provided.swift.url_digest,
        public_url=config.provided.swift.public_url,
    )
    limits = providers.Singleton(
        ImageLimits,
        max_pixels=config.provided.images.max_pixels,
        max_frames=config.provided.images.max_frames,
        max_animation_pixels=config.provided.images.max_animation_pixels,
    )
    processor = providers.Singleton(
        image_processor,
        config.provided.images.processor,
        limits,
        config.provided.images.max_decode_seconds,
        config.provided.workers.imaging_threads,
        config.provided.cache.prepared_cache_bytes,
        config.provided.images.webp_effort,
        config.provided.images.avif_speed,
        detect_faces=config.provided.images.detect_faces,
    )
    # eager work derives without taking the decoding slots requests wait for
    eager_processor = providers.Singleton(PreparedCache.without_slots, processor)
    pattern_compiler = providers.Singleton(Re2PatternCompiler)
    blocking_pool = providers.Singleton(
        BlockingPool,
        "image_repo",
        threads=config.provided.workers.swift_threads,
        max_queue=config.provided.workers.max_queue,
        nice=config.provided.workers.nice,
    )

    cache_dir = providers.Callable(Path, config.provided.cache.cache_dir)
    memory_cache = providers.Singleton(MemoryCache, config.provided.cache.memory_cache_bytes)
    originals_cache = providers.Singleton(
        MemoryCache, config.provided.cache.originals_memory_bytes, "originals"
    )
    disk_cache = providers.Singleton(DiskCache, cache_dir, config.provided.cache.disk_cache_bytes)
    name_generations = providers.Singleton(SharedNameGenerations, cache_dir)
    clock = providers.Singleton(SystemClock)
    etags = providers.Singleton(
        CoherentEtags,
        name_generations,
        providers.Singleton(DiskKnownEtags, cache_dir),
        clock,
        ttl_seconds=config.provided.cache.original_ttl_seconds,
        edge=edge,
    )
    kept_versions = providers.Singleton(
        KeptVersions,
        original_store,
        versions,
        etags,
        keep=config.provided.swift.keep_versions,
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
    background_queue = providers.Singleton(
        BackgroundQueue,
        max_weight=EAGER_QUEUE_UPLOADS,
        initializer=providers.Callable(
            lambda: functools.partial(lower_thread_priority, EAGER_NICE)
        ),
    )
    tiered_cache = providers.Singleton(
        TieredCache,
        memory_cache,
        disk_cache,
        derived_store,
        fetch_metrics,
        write_behind,
        shared_enabled=config.provided.cache.swift_cache,
        shared_max_bytes=config.provided.cache.swift_cache_max_bytes,
    )
    originals = providers.Singleton(Originals, original_store, originals_cache, versions)
    watermarks = providers.Singleton(
        Watermarks,
        providers.Callable(watermark_images, config.provided.images),
        original_store,
        originals,
        etags,
    )
    derivation_flights = providers.Singleton(DerivationFlights)
    looks = providers.Singleton(
        OriginalLooks,
        original_store,
        eager_processor,
        etags,
        background_queue,
        describes=config.provided.images.placeholders,
    )
    fetch = providers.Singleton(
        FetchImage,
        originals,
        derivation_flights,
        providers.Singleton(Deriver, processor, tiered_cache, fetch_metrics, watermarks),
        etags,
        tiered_cache,
        looks,
    )
    listing = providers.Singleton(
        ListImages,
        original_store,
        pattern_compiler,
        max_pattern_bytes=config.provided.images.max_regex_bytes,
    )
    output_formats = providers.Singleton(writable_formats)
    delete_image = providers.Singleton(
        DeleteImage, original_store, derived_store, tiered_cache, originals, etags
    )
    use_cases = providers.Singleton(
        ImageUseCases,
        upload=providers.Singleton(
            UploadImage,
            original_store,
            processor,
            limits,
            max_upload_bytes=config.provided.images.max_upload_bytes,
            etags=etags,
            keep_decoded=providers.Callable(bool, config.provided.images.eager_presets),
            kept_versions=kept_versions,
            describes=config.provided.images.placeholders,
        ),
        first_views=providers.Singleton(
            PrepareFirstViews,
            originals,
            derivation_flights,
            providers.Singleton(Deriver, eager_processor, tiered_cache, fetch_metrics, watermarks),
            etags,
            background_queue,
            fetch_metrics,
            specs=providers.Callable(
                eager_specs,
                config.provided.images,
                output_formats,
                providers.Callable(derivation_defaults, config.provided.images),
            ),
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
            looks=looks,
        ),
        temp_url=providers.Singleton(
            IssueTempUrl,
            fetch,
            tiered_cache,
            url_signer,
            ttl_seconds=config.provided.swift.url_ttl,
        ),
        delete=delete_image,
        versions=kept_versions,
        watermarks=watermarks,
        looks=looks,
        rename=providers.Singleton(RenameImage, original_store, etags, delete_image),
        original=providers.Singleton(ReadOriginal, original_store),
    )
    http_settings = providers.Singleton(
        HttpSettings,
        max_upload_bytes=config.provided.images.max_upload_bytes,
        max_dimension=config.provided.images.max_dimension,
        output_formats=output_formats,
        defaults=providers.Callable(derivation_defaults, config.provided.images),
        cache_max_age_seconds=config.provided.cache.original_ttl_seconds,
        write_tokens=providers.Callable(write_tokens, config.provided.server),
        max_zip_bytes=config.provided.images.max_zip_bytes,
        presets=providers.Callable(presets, config.provided.images, output_formats),
        signatures=providers.Callable(UrlSignatures, config.provided.server.url_signing_keys),
        max_upload_inflight_bytes=config.provided.server.max_upload_inflight_bytes,
        body_timeout_seconds=config.provided.server.body_timeout_seconds,
        watermarks=providers.Callable(
            lambda images: frozenset(images.watermarks), config.provided.images
        ),
        url_ttl_seconds=config.provided.swift.url_ttl,
        serve_originals=config.provided.images.serve_originals,
    )
    endpoints = providers.Singleton(ImageEndpoints, use_cases, blocking_pool, http_settings)
    memory_hits = providers.Singleton(
        MemoryHits,
        etags=etags,
        cache=tiered_cache,
        settings=http_settings,
        watermarks=watermarks,
    )
