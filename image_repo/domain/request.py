"""The query modifiers of a GET (SPEC §3) and presets of them (SPEC §8), parsed strictly."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl

import attrs

from image_repo.domain.edit_parsing import EDIT_PARAMETERS, parse_edits
from image_repo.domain.edits import NO_EDITS, Edits
from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.listing import ListingQuery
from image_repo.domain.looks import Region
from image_repo.domain.params import parse_bool, parse_choice, parse_size
from image_repo.domain.params import quoted as _quoted
from image_repo.domain.spec import OUTPUT_FORMATS, Fit, Gravity

# SPEC 3: `jpg`, `jpeg` and `jpe` all name JPEG, as the extensions do.
KIND_NAMES: dict[str, ImageFormat] = {
    "jpg": ImageFormat.JPEG,
    "jpe": ImageFormat.JPEG,
    **{image_format.value: image_format for image_format in OUTPUT_FORMATS},
}
# What shapes the derived image: what a preset may set, and what only_presets refuses.
MODIFIERS = (
    "kind", "xsize", "ysize", "thumbnail", "fit", "gravity", "dpr", "quality", *EDIT_PARAMETERS
)  # fmt: skip
# `sig` is checked (or not needed) before parsing, by the HTTP adapter; here it is only allowed.
# `v` and `version` choose the original, not what is made of it: presets and only_presets
# leave them to the client.
IMAGE_PARAMETERS = (
    *MODIFIERS, "meta", "url", "ttl", "regex", "zip", "preset", "sig", "v", "version", "versions",
    "original",
)  # fmt: skip
LIST_PARAMETERS = ("regex", "prefix", "delimiter", "limit", "marker", "details", "sig")
# SPEC 13: `v=` is the first 12 hex characters of the original's ETag (an MD5).
PIN_LENGTH = 12
_PIN = re.compile(r"[0-9a-f]{12}")
# Swift's version ids are timestamps (`1733305200.12345`, sometimes with `_` and an offset).
_VERSION_ID = re.compile(r"null|[0-9][0-9._a-f]{0,63}")
MAX_LIST_LIMIT = 10_000  # as Swift's own page limit
MAX_TTL_SECONDS = 10 * 365 * 24 * 3600  # `ttl=`'s parse bound; swift.url_ttl bounds it after
MAX_DPR = 4.0
# At most 1 digit, a point and 1 to 6 decimals: checked before float() sees it (SPEC 8).
_DPR = re.compile(r"[0-9](\.[0-9]{1,6})?")
# A focus's coordinate: 0 to 1, at most 6 decimals, checked before float() sees it.
_FRACTION = re.compile(r"(0(\.[0-9]{1,6})?|1(\.0{1,6})?|\.[0-9]{1,6})")


@attrs.frozen
class ImageRequest:
    """What a client asked of `GET /images/<name>`, before config fills in defaults."""

    kind: ImageFormat | None = None
    xsize: int | None = None
    ysize: int | None = None
    is_thumbnail: bool = False
    wants_meta: bool = False
    wants_url: bool = False
    regex: str | None = None
    force_zip: bool = False
    fit: Fit = Fit.CONTAIN
    gravity: Gravity = Gravity.CENTER
    dpr: float = 1.0
    quality: int | None = None
    edits: Edits = NO_EDITS  # SPEC 14; a watermark's ETag is learnt later (empty here)
    pin: str | None = None  # `v=`: the original's version, by its ETag's start
    version: str | None = None  # `version=`: a kept version, by its id
    wants_versions: bool = False
    wants_original: bool = False  # `original=true`: the bytes as uploaded (write token)
    ttl: int | None = None  # `ttl=` with url=true: seconds the temporary URL lives

    @property
    def is_pinned(self) -> bool:
        """The answer names one version of the original, so it never changes (SPEC 13)."""
        return self.pin is not None or self.version is not None


def parse_pin(raw: str) -> str:
    pin = raw.lower()
    if not _PIN.fullmatch(pin):
        raise InvalidParameterError(
            f"v must be the first {PIN_LENGTH} hex characters of the image's ETag, "
            f"not {_quoted(raw)}"
        )
    return pin


def parse_version_id(raw: str) -> str:
    if not _VERSION_ID.fullmatch(raw):
        raise InvalidParameterError(
            f"version must be a version id as versions=true lists them, not {_quoted(raw)}"
        )
    return raw


def parse_query(query: bytes) -> dict[str, str]:
    """Query parameters decoded strictly; a parameter given twice is ambiguous, so refused."""
    try:
        pairs = parse_qsl(
            query.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError as error:
        raise InvalidParameterError("the query string is not valid UTF-8") from error
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise InvalidParameterError(f"parameter {key} is given more than once")
        params[key] = value
    return params


def parse_dpr(raw: str) -> float:
    """A device pixel ratio: 1 to 4, decimals allowed (`1.5`)."""
    value = float(raw) if _DPR.fullmatch(raw) else 0.0
    if not 1.0 <= value <= MAX_DPR:
        raise InvalidParameterError(
            f"dpr must be a number from 1 to {MAX_DPR:g} (decimals allowed, e.g. 1.5),"
            f" not {_quoted(raw)}"
        )
    return value


def parse_kind(raw: str, available: frozenset[ImageFormat]) -> ImageFormat:
    image_format = KIND_NAMES.get(raw.lower())
    if image_format is None or image_format not in available:
        accepted = ", ".join(k for k, f in KIND_NAMES.items() if f in available)
        raise InvalidParameterError(f"kind {raw!r} is not supported; accepted: {accepted}")
    return image_format


def reject_unknown(params: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise InvalidParameterError(
            f"unknown parameter(s) {', '.join(unknown)}; accepted: {', '.join(allowed)}"
        )


@attrs.frozen
class Presets:
    """Named sets of modifiers (`images.presets`). With `is_exclusive` (`images.only_presets`)
    a client can ask for nothing but them, so the number of variants of an image is bounded
    by configuration rather than by whoever sends requests."""

    queries: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict, hash=False)
    is_exclusive: bool = False

    @classmethod
    def parse(
        cls,
        raw: Mapping[str, str],
        *,
        is_exclusive: bool = False,
        max_dimension: int,
        available: frozenset[ImageFormat],
        watermarks: frozenset[str] = frozenset(),
    ) -> Presets:
        """Each query parsed and checked as a request would be; the error names the preset.
        `watermarks`: the names of images.watermarks a preset may use."""
        queries: dict[str, Mapping[str, str]] = {}
        for name, query in raw.items():
            try:
                if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
                    raise InvalidParameterError("a name is ASCII letters, digits, - and _")
                params = parse_query(query.encode("utf-8"))
                reject_unknown(params, MODIFIERS)
                parse_image_request(
                    params,
                    max_dimension=max_dimension,
                    available=available,
                    is_whole=False,
                    watermarks=watermarks,
                )
            except InvalidParameterError as error:
                raise InvalidParameterError(f"preset {name!r}: {error.detail}") from error
            queries[name] = params
        return cls(queries, is_exclusive)

    def expand(self, params: Mapping[str, str]) -> Mapping[str, str]:
        """The preset's modifiers under the ones given beside it (those win)."""
        if self.is_exclusive:
            refused = sorted(set(params) & set(MODIFIERS))
            if refused:
                raise InvalidParameterError(
                    f"only presets are served here (preset=NAME), not {', '.join(refused)}; "
                    f"presets: {self._known()}"
                )
        name = params.get("preset")
        if name is None:
            return params
        preset = self.queries.get(name)
        if preset is None:
            raise InvalidParameterError(f"unknown preset {name!r}; presets: {self._known()}")
        given = {key: value for key, value in params.items() if key != "preset"}
        return {**preset, **given}

    def _known(self) -> str:
        return ", ".join(sorted(self.queries)) or "(none configured)"


NO_PRESETS = Presets()


def parse_image_request(
    params: Mapping[str, str],
    *,
    max_dimension: int,
    available: frozenset[ImageFormat],
    presets: Presets = NO_PRESETS,
    is_whole: bool = True,
    watermarks: frozenset[str] = frozenset(),
) -> ImageRequest:
    """Every value checked; an unknown parameter is an error, not ignored, so typos surface.
    `is_whole` is false for a preset's own query, which the request may complete (a preset
    `fit=cover` used with `xsize` and `ysize`). `watermarks`: the names images.watermarks
    configures."""
    reject_unknown(params, IMAGE_PARAMETERS)
    params = presets.expand(params)
    request = ImageRequest(
        kind=parse_kind(params["kind"], available) if "kind" in params else None,
        xsize=parse_size("xsize", params["xsize"], max_dimension) if "xsize" in params else None,
        ysize=parse_size("ysize", params["ysize"], max_dimension) if "ysize" in params else None,
        is_thumbnail=parse_bool("thumbnail", params.get("thumbnail", "false")),
        wants_meta=parse_bool("meta", params.get("meta", "false")),
        wants_url=parse_bool("url", params.get("url", "false")),
        regex=params.get("regex"),
        force_zip=parse_bool("zip", params.get("zip", "false")),
        fit=parse_choice("fit", params["fit"], Fit) if "fit" in params else Fit.CONTAIN,
        gravity=(
            parse_choice("gravity", params["gravity"], Gravity)
            if "gravity" in params
            else Gravity.CENTER
        ),
        dpr=parse_dpr(params["dpr"]) if "dpr" in params else 1.0,
        quality=parse_size("quality", params["quality"], 100) if "quality" in params else None,
        edits=parse_edits(params, watermarks),
        pin=parse_pin(params["v"]) if "v" in params else None,
        version=parse_version_id(params["version"]) if "version" in params else None,
        wants_versions=parse_bool("versions", params.get("versions", "false")),
        wants_original=parse_bool("original", params.get("original", "false")),
        ttl=parse_size("ttl", params["ttl"], MAX_TTL_SECONDS) if "ttl" in params else None,
    )
    if request.wants_meta and request.wants_url:
        raise InvalidParameterError("meta and url cannot be combined")
    if request.ttl is not None and not request.wants_url:
        raise InvalidParameterError("ttl is the lifetime of a temporary URL: it goes with url=true")
    if request.wants_original and (
        any(p in params for p in MODIFIERS)
        or request.wants_meta
        or request.wants_url
        or request.regex is not None
        or request.wants_versions
    ):
        raise InvalidParameterError(
            "original=true serves the bytes as uploaded: no modifier, meta, url, regex or versions"
        )
    _check_versions(request)
    has_box = request.is_thumbnail or (request.xsize is not None and request.ysize is not None)
    if is_whole and request.fit is Fit.COVER and not has_box:
        raise InvalidParameterError(
            "fit=cover needs both sides of a box: xsize and ysize, or thumbnail=true"
        )
    return request


def _check_versions(request: ImageRequest) -> None:
    if request.pin is not None and request.version is not None:
        raise InvalidParameterError("v and version both choose the original: give one")
    if request.regex is not None and request.is_pinned:
        raise InvalidParameterError("v and version name one image: they cannot go with regex")
    if request.wants_versions and (
        request.wants_meta or request.wants_url or request.regex is not None or request.is_pinned
    ):
        raise InvalidParameterError("versions=true lists one image's versions: nothing beside it")


def parse_focus(raw: str) -> Region | None:
    """`POST ?focus=x,y` (fractions of the width and height from the top-left, SPEC 15), or
    `focus=clear` (None)."""
    if raw == "clear":
        return None
    parts = raw.split(",")
    if len(parts) != 2 or not all(_FRACTION.fullmatch(p) for p in parts):
        raise InvalidParameterError(
            f"focus must be x,y (fractions from 0 to 1, e.g. 0.5,0.3) or clear, not {_quoted(raw)}"
        )
    return Region.parse(raw)


def parse_listing_query(params: Mapping[str, str]) -> ListingQuery:
    """`GET /images`'s listing parameters (SPEC §11); `regex` and `sig` are read elsewhere."""
    reject_unknown(params, LIST_PARAMETERS)
    delimiter = params.get("delimiter") or None
    if delimiter not in (None, "/"):
        raise InvalidParameterError(f"delimiter must be '/', not {_quoted(str(delimiter))}")
    for key in ("prefix", "marker"):
        if len(params.get(key, "").encode("utf-8", "surrogatepass")) > 1024:
            raise InvalidParameterError(f"{key} is longer than 1024 bytes")
    raw_limit = params.get("limit")
    return ListingQuery(
        prefix=params.get("prefix", ""),
        delimiter=delimiter,
        marker=params.get("marker", ""),
        limit=None if raw_limit is None else parse_size("limit", raw_limit, MAX_LIST_LIMIT),
    )
