"""Every option, its default and its one-line doc, in one tree of frozen attrs classes."""

from __future__ import annotations

import re
from typing import Any

import attrs

from image_repo.domain.errors import InvalidNameError, InvalidParameterError
from image_repo.domain.names import ImageName
from image_repo.domain.request import MODIFIERS, Presets
from image_repo.domain.spec import OUTPUT_FORMATS

MIB = 1 << 20
GIB = 1 << 30


def option(default: Any, doc: str, *validators: Any, is_secret: bool = False) -> Any:
    """A field with its `-Yt` comment; validators run at construction, so a bad value in the
    file is refused at start with the option's path. `is_secret`: `-Y` masks its value."""
    metadata = {"doc": doc, "is_secret": is_secret}
    return attrs.field(default=default, metadata=metadata, validator=list(validators))


positive = attrs.validators.gt(0)
non_negative = attrs.validators.ge(0)


def one_of(*values: str) -> Any:
    return attrs.validators.in_(values)


def _colour(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise ValueError(f"{attribute.name} must be a colour like #ffffff, not {value!r}")


def _size_pair(
    _instance: object, attribute: attrs.Attribute[tuple[int, int]], value: tuple[int, int]
) -> None:
    if len(value) != 2 or any(side < 1 for side in value):
        raise ValueError(f"{attribute.name} must be [width, height] of positive integers")


def _non_empty_items(
    _instance: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    if not all(value):
        raise ValueError(f"{attribute.name} must not hold an empty string")


def _auto_formats(
    _instance: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    offered = ("avif", "webp", "jpeg", "png", "gif")
    unknown = [item for item in value if item not in offered]
    if unknown or len(set(value)) != len(value):
        raise ValueError(
            f"{attribute.name} must list distinct formats of {', '.join(offered)}, not {value!r}"
        )


def _presets(
    instance: ImagesConfig, attribute: attrs.Attribute[dict[str, str]], value: dict[str, str]
) -> None:
    """Checked as requests would be (the formats this Pillow writes are checked at start)."""
    try:
        Presets.parse(
            value,
            max_dimension=instance.max_dimension,
            available=frozenset(OUTPUT_FORMATS),
            watermarks=frozenset(instance.watermarks),
        )
    except InvalidParameterError as error:
        raise ValueError(f"{attribute.name} must be valid queries of modifiers: {error}") from error


def _watermarks(
    _instance: object, attribute: attrs.Attribute[dict[str, str]], value: dict[str, str]
) -> None:
    bad = [name for name in value if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name)]
    if bad:
        raise ValueError(f"{attribute.name}: a name is ASCII letters, digits, - and _, not {bad}")
    try:
        for image in value.values():
            ImageName.parse(image)
    except InvalidNameError as error:
        raise ValueError(f"{attribute.name} must name images of the repository: {error}") from error


def _watermark_all(instance: ImagesConfig, attribute: attrs.Attribute[str], value: str) -> None:
    if value and value not in instance.watermarks:
        known = ", ".join(sorted(instance.watermarks)) or "none are configured"
        raise ValueError(f"{attribute.name} must name one of images.watermarks ({known})")


def _eager_presets(
    instance: ImagesConfig, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    unknown = [name for name in value if name not in instance.presets]
    if unknown:
        known = ", ".join(sorted(instance.presets)) or "none are configured"
        raise ValueError(
            f"{attribute.name} must name presets of images.presets ({known}), not {unknown}"
        )


@attrs.frozen
class ServerConfig:
    host: str = option("127.0.0.1", "address to listen on (a non-loopback address exposes writes)")
    port: int = option(5000, "TCP port to listen on", positive)
    log_level: str = option(
        "info", "debug, info, warning or error", one_of("debug", "info", "warning", "error")
    )
    log_json: bool = option(False, "write log lines as JSON objects")
    write_tokens: tuple[str, ...] = option(
        (), "bearer tokens that may PUT and DELETE; empty: writes are open", is_secret=True
    )
    write_tokens_file: str = option("", "file with one write token per line, added to write_tokens")
    url_signing_keys: tuple[str, ...] = option(
        (),
        "keys of signed URLs: every GET/HEAD under /images needs sig= (image_repo sign PATH "
        "signs with the first; any verifies); empty: reads need no signature",
        _non_empty_items,
        is_secret=True,
    )
    max_upload_inflight_bytes: int = option(
        256 * MIB,
        "upload bytes held at once in one process (a gunicorn worker: each has its own); an "
        "upload that would pass it is a 503 before its body is read",
        positive,
    )
    body_timeout_seconds: float = option(
        30.0, "a request body that sends nothing for this long is dropped (408)", positive
    )
    max_header_bytes: int = option(
        64 * 1024,
        "bytes of a request's line and headers (the image_repo server; nginx bounds them "
        "before); more is a 431 and the connection is closed",
        positive,
    )
    header_timeout_seconds: float = option(
        10.0,
        "seconds a request's line and headers may take to arrive (the image_repo server); "
        "then the connection is closed",
        positive,
    )
    keepalive_timeout_seconds: int = option(
        5, "seconds an idle keep-alive connection is kept open (the image_repo server)", positive
    )


@attrs.frozen
class SwiftConfig:
    auth_url: str = option("", "auth URL; empty: ST_AUTH, then OS_AUTH_URL")
    user: str = option("", "user name; empty: ST_USER, then OS_USERNAME")
    key: str = option(
        "", "key or password; empty: key_file, then ST_KEY, then OS_PASSWORD", is_secret=True
    )
    key_file: str = option("", "file holding the key or password")
    rc_file: str = option("", "OpenStack RC file (export NAME=value lines) read for credentials")
    auth_version: str = option(
        "", "1.0, 2.0 or 3; empty: inferred from where the auth URL came from"
    )
    project_name: str = option("", "Keystone project; empty: OS_PROJECT_NAME or OS_TENANT_NAME")
    project_domain_name: str = option("", "Keystone project domain; empty: OS_PROJECT_DOMAIN_NAME")
    user_domain_name: str = option("", "Keystone user domain; empty: OS_USER_DOMAIN_NAME")
    region_name: str = option("", "region; empty: OS_REGION_NAME")
    endpoint_type: str = option(
        "", "public, internal or admin (or publicURL, ...); empty: OS_INTERFACE, OS_ENDPOINT_TYPE"
    )
    application_credential_id: str = option(
        "",
        "Keystone application credential, instead of user and key; "
        "empty: OS_APPLICATION_CREDENTIAL_ID",
    )
    application_credential_secret: str = option(
        "", "its secret; empty: OS_APPLICATION_CREDENTIAL_SECRET", is_secret=True
    )
    container: str = option(
        "test_image_repo", "container holding the originals", attrs.validators.min_len(1)
    )
    cache_container: str = option(
        "test_image_repo_cache",
        "container holding derived images and TempURL targets",
        attrs.validators.min_len(1),
    )
    url_key: str = option(
        "123456789",
        "TempURL key of the cache container (set it with image_repo set-url-key)",
        attrs.validators.min_len(1),
        is_secret=True,
    )
    url_ttl: int = option(3600, "seconds a temporary URL stays valid", positive)
    public_url: str = option(
        "",
        "scheme://host[:port] temporary URLs are given with, for clients that reach Swift by "
        "another address than this server does; empty: the storage URL's",
    )
    url_digest: str = option(
        "sha256",
        "TempURL signature digest: sha256, sha512 or sha1",
        one_of("sha256", "sha512", "sha1"),
    )
    timeout_seconds: float = option(5.0, "timeout of each Swift request", positive)
    retries: int = option(
        1, "retries of a failed Swift request (kept low: clients wait)", non_negative
    )
    circuit_open_seconds: float = option(
        5.0,
        "after a Swift call waited in vain (timeout, hang), seconds during which calls fail "
        "at once (503) instead of waiting too; 0 always waits",
        non_negative,
    )
    versions: bool = option(
        False,
        "keep earlier versions of each original with Swift's object versioning (the proxy "
        "needs allow_object_versioning): versions=true lists them, version=ID serves one, "
        "restore=ID brings one back",
    )
    keep_versions: int = option(
        10, "earlier versions kept per image with versions on; the oldest go first", positive
    )


def _purge_urls(
    _instance: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    bad = [url for url in value if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", url)]
    if bad:
        raise ValueError(f"{attribute.name} must be http(s) URLs, not {bad!r}")


@attrs.frozen
class EdgeConfig:
    purge_urls: tuple[str, ...] = option(
        (),
        "CDN or Varnish URLs a PURGE goes to after every write, carrying the surrogate keys the "
        "write made stale (e.g. http://127.0.0.1:6081/); empty: no purging",
        _purge_urls,
    )
    purge_header: str = option(
        "xkey-purge",
        "header of the PURGE that carries the keys, space-separated (Varnish xkey's name)",
        attrs.validators.matches_re(r"[A-Za-z0-9-]+"),
    )
    purge_timeout_seconds: float = option(
        1.0,
        "seconds a write waits for its purges; what has not landed by then is retried in the "
        "background, with backoff, and never fails the write",
        positive,
    )


@attrs.frozen
class CacheConfig:
    cache_dir: str = option(
        "/var/tmp/image_server", "local disk cache folder, reused after restarts"
    )
    memory_cache_bytes: int = option(
        256 * MIB, "bytes of derived images kept in memory per process", non_negative
    )
    originals_memory_bytes: int = option(
        64 * MIB,
        "bytes of originals kept in memory per process, apart from derived images, so the next"
        " size of a photo needs no download (never on disk: Swift holds them); 0 keeps none",
        non_negative,
    )
    disk_cache_bytes: int = option(10 * GIB, "bytes kept in cache_dir", non_negative)
    swift_cache: bool = option(True, "store derived images in the Swift cache container")
    swift_cache_max_bytes: int = option(
        16 * MIB,
        "derived images larger than this are served but not stored in the cache container "
        "(url=true excepted)",
        non_negative,
    )
    swift_cache_ttl_seconds: int = option(
        30 * 24 * 3600,
        "seconds a derived image stays in the cache container (X-Delete-After); 0: forever",
        non_negative,
    )
    integrity_key: str = option(
        "",
        "secret of the integrity tags on cache-container objects, the same on every node; "
        "empty: derived from the Swift credentials' secret",
        is_secret=True,
    )
    prepared_cache_bytes: int = option(
        64 * MIB,
        "bytes of decoded originals kept per process, so the next size of a photo skips "
        "decoding (JPEGs decoded at the scale a size needs); 0 turns it off",
        non_negative,
    )
    write_behind_bytes: int = option(
        32 * MIB,
        "bytes of disk and Swift cache writes that may wait to run after their answer; "
        "0 writes before answering",
        non_negative,
    )
    original_ttl_seconds: int = option(
        60,
        "seconds a name's ETag is trusted without asking Swift (writes through this server "
        "are seen at once; through another, within this)",
        non_negative,
    )


@attrs.frozen
class ImagesConfig:
    default_kind: str = option(
        "jpeg",
        "format served when neither kind nor an extension says",
        one_of("jpg", "jpeg", "png", "webp", "gif", "tiff", "bmp", "avif"),
    )
    thumbnail_size: tuple[int, int] = option(
        (50, 50), "[width, height] box of thumbnails", _size_pair
    )
    max_upload_bytes: int = option(50 * MIB, "largest upload accepted", positive)
    max_pixels: int = option(
        75_000_000, "largest image accepted, in pixels (width x height)", positive
    )
    max_frames: int = option(
        100, "most frames an animated upload may have, and an animation served keeps", positive
    )
    max_animation_pixels: int = option(
        100 * 1920 * 1080,
        "largest animation accepted, in pixels (width x height x frames); the default is what"
        " 100 frames of 1920x1080 need",
        positive,
    )
    max_decode_seconds: float = option(
        10.0,
        "CPU seconds one decoding, derivation or metadata read may spend; past it the work is"
        " abandoned with a 413 over_budget",
        positive,
    )
    keep_animation: bool = option(
        True,
        "animated GIF and WebP stay animated when served as gif or webp (every frame resized);"
        " false: the first frame, as other kinds always get",
    )
    max_dimension: int = option(10000, "largest xsize or ysize a request may ask for", positive)
    jpeg_quality: int = option(85, "JPEG quality, 1-100", attrs.validators.in_(range(1, 101)))
    webp_quality: int = option(80, "WebP quality, 1-100", attrs.validators.in_(range(1, 101)))
    avif_quality: int = option(
        60,
        "AVIF quality, 1-100 (avif is served where the installed Pillow supports it)",
        attrs.validators.in_(range(1, 101)),
    )
    avif_speed: int = option(
        9,
        "AVIF encoder speed, 0 (slowest, smallest) - 10 (fastest); 9 costs 0.6x the CPU of 8"
        " for 1.05x the bytes",
        attrs.validators.in_(range(11)),
    )
    webp_effort: int = option(
        2,
        "WebP encoder effort, 0 (fastest) - 6 (smallest); 2 costs 0.7x the CPU of 4 for 1.03x"
        " the bytes",
        attrs.validators.in_(range(7)),
    )
    processor: str = option(
        "auto",
        "imaging library: auto (per format, whichever is fastest: Pillow decodes JPEG and"
        " AVIF with libvips resampling, libvips does PNG, WebP, GIF and TIFF), pillow (Pillow"
        " alone), or vips (as auto, but Pillow resamples what it decodes)",
        one_of("auto", "pillow", "vips"),
    )
    strip_metadata: bool = option(
        True, "strip EXIF, XMP, IPTC, comments and ICC profiles from served images"
    )
    background: str = option(
        "#ffffff", "colour alpha is flattened onto for formats without alpha", _colour
    )
    thumbnail_sharpen: float = option(
        0.5, "unsharp-mask strength after a thumbnail's downscale; 0 disables", non_negative
    )
    meta_include_gps: bool = option(False, "include GPS position in meta=true answers")
    max_zip_images: int = option(100, "most images one regex request may return", positive)
    max_zip_bytes: int = option(512 * MIB, "most bytes of images in one zip", positive)
    max_regex_bytes: int = option(1000, "longest regex accepted", positive)
    auto_formats: tuple[str, ...] = option(
        (),
        "formats offered by Accept to requests naming no format (no kind, no extension), in"
        " order of preference, e.g. [avif, webp]; such answers carry Vary: Accept; empty: off",
        _auto_formats,
    )
    watermarks: dict[str, str] = attrs.field(
        factory=dict,
        metadata={
            "doc": "watermarks by name: NAME -> an image of the repository (e.g. {logo: "
            "brand/logo}), for watermark=NAME; replacing that image re-marks what it marks",
            "is_secret": False,
        },
        validator=_watermarks,
    )
    watermark_all: str = option(
        "",
        "a name of images.watermarks that marks every served image but thumbnails; empty: none",
        _watermark_all,
    )
    serve_originals: str = option(
        "token",
        "who gets original=true (the exact uploaded bytes, metadata and GPS intact): token:"
        " write-token holders only; never: nobody. Signed URLs never get them",
        one_of("token", "never"),
    )
    placeholders: bool = option(
        True,
        "record each original's dominant colour, ThumbHash and BlurHash with it in Swift, from"
        " the upload check's decode (a few ms per upload); meta=true and details=true give them",
    )
    detect_faces: bool = option(
        False,
        "find faces at upload (OpenCV's frontal-face cascade on the upload check's decode; needs"
        " the faces extra: pip install 'image_repo[faces]') and record their bounding box, which"
        " gravity=auto crops around when no focal point is set",
    )
    presets: dict[str, str] = attrs.field(
        factory=dict,
        hash=False,  # a dict: frozen, but not hashable
        validator=_presets,
        metadata={
            "doc": "named modifier sets for preset=NAME, e.g. {thumb: 'thumbnail=true&kind=webp'}; "
            "modifiers given beside preset win. Modifiers: " + ", ".join(MODIFIERS)
        },
    )
    eager_presets: tuple[str, ...] = option(
        (),
        "names of presets derived in the background right after each upload has answered, so"
        " their first views are cache hits (here, and through the cache container elsewhere)",
        _eager_presets,
    )
    only_presets: bool = option(
        False,
        "refuse every image modifier but preset (meta, url, zip, regex and sig stay allowed)",
    )


@attrs.frozen
class WorkersConfig:
    imaging_threads: int = option(2, "threads decoding, resizing and encoding images", positive)
    swift_threads: int = option(8, "threads doing Swift I/O", positive)
    max_queue: int = option(
        64, "requests that may wait for a thread before 503 + Retry-After", non_negative
    )
    nice: int = option(
        10,
        "niceness added to the pool threads (imaging, Swift, cache writes), so the event loop "
        "answering cache hits wins the CPU; 0 keeps one priority (Linux)",
        attrs.validators.in_(range(20)),
    )
    malloc_arenas: int = option(
        2,
        "glibc malloc arenas per process: memory freed by large decodes stays in the arena of "
        "the thread that used it, so fewer arenas keep RSS near the cache budgets; 0: glibc's",
        non_negative,
    )
    max_memory_bytes: int = option(
        4 * GIB,
        "memory ceiling each serving process sets on itself (RLIMIT_DATA), so an allocation past "
        "it is a MemoryError for one request instead of the kernel's OOM killer; 0: none",
        non_negative,
    )
    max_wait_seconds: float = option(
        30.0,
        "seconds a request may wait for a pool thread before /readyz answers 503 (stalled)",
        positive,
    )


@attrs.frozen
class AppConfig:
    server: ServerConfig = attrs.field(factory=ServerConfig, metadata={"doc": "HTTP server"})
    swift: SwiftConfig = attrs.field(
        factory=SwiftConfig, metadata={"doc": "OpenStack Swift store and credentials"}
    )
    cache: CacheConfig = attrs.field(factory=CacheConfig, metadata={"doc": "cache tiers"})
    edge: EdgeConfig = attrs.field(
        factory=EdgeConfig, metadata={"doc": "a CDN or Varnish in front of the servers"}
    )
    images: ImagesConfig = attrs.field(
        factory=ImagesConfig, metadata={"doc": "limits and derived-image settings"}
    )
    workers: WorkersConfig = attrs.field(factory=WorkersConfig, metadata={"doc": "thread pools"})
