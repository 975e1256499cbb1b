"""From raw HTTP bytes to domain values: the path validated before anything else (SPEC §2).

The functions take the ASGI scope's raw bytes, so the memory-hit front can use them without
building a Starlette Request."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.requests import Request
from starlette.types import Scope

from image_repo.domain.errors import InvalidNameError, InvalidParameterError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName

IMAGES_PREFIX = b"/images/"


def raw_path_of(scope: Scope) -> bytes:
    """Servers decode `path` with replacement characters, which would turn `%FF` into a
    different, valid name, so the raw bytes are used whenever the server provides them."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
    return raw


def image_path_text(raw_path: bytes) -> str:
    """The name part of the path, percent-decoded as strict UTF-8."""
    if not raw_path.startswith(IMAGES_PREFIX):
        raise InvalidNameError("image paths start with /images/")
    try:
        return unquote_to_bytes(raw_path[len(IMAGES_PREFIX) :]).decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidNameError("the name is not valid UTF-8") from error


def image_name_of(raw_path: bytes) -> tuple[ImageName, ImageFormat | None]:
    return ImageName.parse_with_format(image_path_text(raw_path))


def image_name(request: Request) -> tuple[ImageName, ImageFormat | None]:
    return image_name_of(raw_path_of(request.scope))


def parse_query(query_string: bytes) -> dict[str, str]:
    """Query parameters decoded strictly; a parameter given twice is ambiguous, so refused."""
    try:
        pairs = parse_qsl(
            query_string.decode("latin-1"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
        )
    except UnicodeDecodeError as error:
        raise InvalidParameterError("the query string is not valid UTF-8") from error
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise InvalidParameterError(f"parameter {key} is given more than once")
        params[key] = value
    return params


def query_params(request: Request) -> dict[str, str]:
    return parse_query(request.scope.get("query_string", b""))
