"""From raw HTTP bytes to domain values: the path validated before anything else (SPEC §2)."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.requests import Request

from image_repo.domain.errors import InvalidNameError, InvalidParameterError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName

IMAGES_PREFIX = b"/images/"


def raw_image_path(request: Request) -> str:
    """The name part of the path, percent-decoded as strict UTF-8. Servers decode paths with
    replacement characters, which would turn `%FF` into a different, valid name, so the raw
    bytes are decoded here instead."""
    raw = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
    if not raw.startswith(IMAGES_PREFIX):
        raise InvalidNameError("image paths start with /images/")
    try:
        return unquote_to_bytes(raw[len(IMAGES_PREFIX) :]).decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidNameError("the name is not valid UTF-8") from error


def image_name(request: Request) -> tuple[ImageName, ImageFormat | None]:
    return ImageName.parse_with_format(raw_image_path(request))


def query_params(request: Request) -> dict[str, str]:
    """Query parameters decoded strictly; a parameter given twice is ambiguous, so refused."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise InvalidParameterError("the query string is not valid UTF-8") from error
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise InvalidParameterError(f"parameter {key} is given more than once")
        params[key] = value
    return params
