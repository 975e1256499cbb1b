"""The query modifiers of a GET (SPEC §3), parsed strictly into one record."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.spec import OUTPUT_FORMATS

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
KIND_NAMES: dict[str, ImageFormat] = {
    "jpg": ImageFormat.JPEG,
    **{image_format.value: image_format for image_format in OUTPUT_FORMATS},
}
IMAGE_PARAMETERS = ("kind", "xsize", "ysize", "thumbnail", "meta", "url", "regex", "zip")
LIST_PARAMETERS = ("regex",)


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


def parse_bool(name: str, raw: str) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidParameterError(f"{name} must be one of true/false/1/0/yes/no, not {raw!r}")


def parse_size(name: str, raw: str, max_dimension: int) -> int:
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= max_dimension:
        raise InvalidParameterError(
            f"{name} must be a whole number from 1 to {max_dimension}, not {raw!r}"
        )
    return int(raw)


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


def parse_image_request(
    params: Mapping[str, str], *, max_dimension: int, available: frozenset[ImageFormat]
) -> ImageRequest:
    """Every value checked; an unknown parameter is an error, not ignored, so typos surface."""
    reject_unknown(params, IMAGE_PARAMETERS)
    request = ImageRequest(
        kind=parse_kind(params["kind"], available) if "kind" in params else None,
        xsize=parse_size("xsize", params["xsize"], max_dimension) if "xsize" in params else None,
        ysize=parse_size("ysize", params["ysize"], max_dimension) if "ysize" in params else None,
        is_thumbnail=parse_bool("thumbnail", params.get("thumbnail", "false")),
        wants_meta=parse_bool("meta", params.get("meta", "false")),
        wants_url=parse_bool("url", params.get("url", "false")),
        regex=params.get("regex"),
        force_zip=parse_bool("zip", params.get("zip", "false")),
    )
    if request.wants_meta and request.wants_url:
        raise InvalidParameterError("meta and url cannot be combined")
    return request
