"""From raw HTTP bytes to domain values: the path validated before anything else (SPEC §2).

The functions take the ASGI scope's raw bytes, so the memory-hit front can use them without
building a Starlette Request."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.types import Scope

from image_repo.domain.errors import InvalidNameError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName
from image_repo.domain.request import parse_query

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


def query_params(request: Request) -> dict[str, str]:
    return parse_query(request.scope.get("query_string", b""))
