"""Adapters built from the configuration, where a constructor alone will not do."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from image_repo.adapters.edge.purger import HttpPurger
from image_repo.adapters.imaging.budget import guard_pillow
from image_repo.adapters.imaging.describing import Describer
from image_repo.adapters.imaging.encode import DEFAULT_EFFORT, EncoderEffort
from image_repo.adapters.imaging.faces import FaceFinder, face_finder
from image_repo.adapters.imaging.pillow_processor import PillowProcessor, ScaledDecode
from image_repo.adapters.imaging.prepared_cache import PreparedCache
from image_repo.adapters.imaging.prepared_images import PreparedImages
from image_repo.adapters.imaging.resampling import Resample, pillow_resample
from image_repo.adapters.swift.circuit_breaker import CircuitBreaker
from image_repo.adapters.swift.connection import (
    SwiftConnectionPool,
    connection_factory,
    login_description,
)
from image_repo.adapters.swift.original_versions import SwiftOriginalVersions
from image_repo.domain.derivation import DerivationDefaults, spec_for
from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.limits import ImageLimits
from image_repo.domain.names import ImageName
from image_repo.domain.request import Presets, parse_image_request
from image_repo.domain.spec import Spec
from image_repo.settings import (
    AppConfig,
    CacheConfig,
    ConfigError,
    EdgeConfig,
    ImagesConfig,
    ServerConfig,
    SwiftConfig,
    SwiftCredentials,
)


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
        max_dimension=images.max_dimension,
        auto_formats=tuple(ImageFormat(name) for name in images.auto_formats),
        animation_frames=images.max_frames if images.keep_animation else 1,
        watermark_all=images.watermark_all,
    )


def presets(images: ImagesConfig, available: frozenset[ImageFormat]) -> Presets:
    """Checked again against the formats this server can write (avif depends on Pillow)."""
    try:
        return Presets.parse(
            images.presets,
            is_exclusive=images.only_presets,
            max_dimension=images.max_dimension,
            available=available,
            watermarks=frozenset(images.watermarks),
        )
    except InvalidParameterError as error:
        raise ConfigError(f"images.presets: {error}") from error


def image_processor(
    name: str,
    limits: ImageLimits,
    max_decode_seconds: float,
    max_concurrent: int,
    prepared_cache_bytes: int,
    webp_effort: int = DEFAULT_EFFORT.webp_effort,
    avif_speed: int = DEFAULT_EFFORT.avif_speed,
    *,
    detect_faces: bool = False,
) -> PreparedCache:
    """`pillow` decodes, resamples and encodes with Pillow alone; libvips still runs its blur
    and sharpen (SPEC 14: one Gaussian for every processor). Pillow's own bomb check is set
    here, once, from the configured pixel limit. The processor keeps what it decoded within
    `prepared_cache_bytes` (PreparedCache); its `without_slots` twin shares that and is the
    one for eager work."""
    guard_pillow(limits.max_pixels)
    effort = EncoderEffort(webp_effort=webp_effort, avif_speed=avif_speed)
    resample: Resample = pillow_resample
    decode_scaled: ScaledDecode | None = None
    if name == "auto":
        from image_repo.adapters.imaging.resampling import vips_resample
        from image_repo.adapters.imaging.scaled_jpeg import decode_scaled as scaled_jpeg

        resample, decode_scaled = vips_resample, scaled_jpeg
    pillow = PillowProcessor(
        limits,
        max_concurrent=max_concurrent,
        max_decode_seconds=max_decode_seconds,
        resample=resample,
        effort=effort,
        decode_scaled=decode_scaled,
        describer=Describer(face_finder_for(detect_faces)),
    )
    prepared = PreparedImages(prepared_cache_bytes)
    if name == "pillow":
        return PreparedCache(pillow, prepared)
    try:
        from image_repo.adapters.imaging.vips_processor import VipsProcessor
    except ImportError as error:
        raise ConfigError(
            f"images.processor: {name} needs pyvips (pip install pyvips pyvips-binary),"
            " or choose pillow"
        ) from error
    return PreparedCache(
        VipsProcessor(pillow, max_concurrent=max_concurrent, effort=effort), prepared
    )


def face_finder_for(detect_faces: bool) -> FaceFinder | None:
    """images.detect_faces: OpenCV's cascade, which the optional `faces` extra installs."""
    if not detect_faces:
        return None
    finder = face_finder()
    if finder is None:
        raise ConfigError(
            "images.detect_faces needs OpenCV: pip install 'image_repo[faces]'"
            " (opencv-python-headless)"
        )
    return finder


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
    login = login_description(
        credentials.auth_url, credentials.user, credentials.auth_version, credentials.os_options
    )
    return SwiftConnectionPool(
        factory,
        size=config.workers.swift_threads,
        login=login,
        breaker=CircuitBreaker(config.swift.circuit_open_seconds),
    )


def integrity_secret(cache: CacheConfig, credentials: SwiftCredentials) -> bytes:
    """The key of the cache container's integrity tags: configured, or derived from the Swift
    secret every node already shares (whoever holds that can write anywhere anyway; a TempURL
    key holder cannot learn it)."""
    if cache.integrity_key:
        return cache.integrity_key.encode()
    secret = credentials.key or credentials.os_options.get("application_credential_secret", "")
    return hmac.new(secret.encode(), b"image_repo cache integrity", hashlib.sha256).digest()


def cache_container_ttl(config: AppConfig) -> int:
    """Objects outlive every temporary URL that may point at them."""
    ttl = config.cache.swift_cache_ttl_seconds
    return max(ttl, config.swift.url_ttl) if ttl else 0


def eager_specs(
    images: ImagesConfig, available: frozenset[ImageFormat], defaults: DerivationDefaults
) -> tuple[Spec, ...]:
    """The specs `images.eager_presets` name, as a request with only `preset=NAME` (and no
    Accept negotiation) would ask for them."""
    named = presets(images, available)
    return tuple(
        spec_for(
            parse_image_request(
                {"preset": name},
                max_dimension=images.max_dimension,
                available=available,
                presets=named,
            ),
            None,
            defaults,
        )
        for name in images.eager_presets
    )


def original_versions(
    pool: SwiftConnectionPool, swift: SwiftConfig
) -> SwiftOriginalVersions | None:
    """The kept versions of the originals, with `swift.versions` on; None otherwise."""
    return SwiftOriginalVersions(pool, swift.container) if swift.versions else None


def edge_purger(edge: EdgeConfig) -> HttpPurger | None:
    """Purges to the configured edges; None when there is none (nothing to wait for)."""
    if not edge.purge_urls:
        return None
    return HttpPurger(edge.purge_urls, edge.purge_header, edge.purge_timeout_seconds)


def watermark_images(images: ImagesConfig) -> dict[str, ImageName]:
    return {name: ImageName.parse(image) for name, image in images.watermarks.items()}
