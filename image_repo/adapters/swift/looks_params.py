"""An original's Looks (SPEC 15) as parameters of its Content-Type in Swift.

Swift's container listing gives each object's `content_type` with its parameters (and no user
metadata), so what rides there reaches `details=true` with no request per entry:
`image/jpeg;for=0cc175b9c0f1;wh=6000x4000;color=8a6f4c;thumbhash=<base64url>;blurhash=<base64url>`
`;focus=0.3_0.42;faces=0.41_0.12_0.6_0.38`.

A value holds letters, digits, `.`, `_` and `-` only, measured on Swift 2.38: a comma ends a
value when a POST updates the listing (Swift parses RFC 9110 tokens there), and swiftclient
percent-decodes the headers it returns (so a %-encoded BlurHash would come back decoded, with
its `;` and `,`).

`for=` is the start of the ETag of the bytes they describe. Swift cannot make a metadata POST
conditional on the ETag, so a POST racing a PUT may leave the older bytes' parameters on the
newer bytes: they are then ignored (no placeholder, no focus), never shown for the wrong image;
the placeholder is made again the next time the original is decoded."""

from __future__ import annotations

import base64
import binascii

from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.looks import NO_LOOKS, Looks, Placeholder, Region, Subject

FOR_LENGTH = 12
_OURS = ("for", "wh", "color", "thumbhash", "blurhash", "focus", "faces")


def split_media_type(content_type: str) -> tuple[str, dict[str, str]]:
    """The bare media type (lower case) and the parameters, names in lower case."""
    media_type, *parts = content_type.split(";")
    params = {}
    for part in parts:
        key, _, value = part.strip().partition("=")
        params[key.strip().lower()] = value.strip()
    return media_type.strip().lower(), params


def looks_of(content_type: str, etag: str) -> Looks:
    """The Looks the content type records for the bytes whose ETag is `etag`; NO_LOOKS when
    it records none, or records them for other bytes, or cannot be read."""
    _, params = split_media_type(content_type)
    if not etag or params.get("for") != etag[:FOR_LENGTH]:
        return NO_LOOKS
    try:
        return Looks(
            size=_size(params.get("wh")),
            placeholder=_placeholder(params),
            subject=Subject(_region(params.get("focus")), _region(params.get("faces"))),
        )
    except (ValueError, InvalidParameterError, binascii.Error, UnicodeDecodeError):
        return NO_LOOKS


def with_looks(content_type: str, etag: str, looks: Looks) -> str:
    """`content_type` recording `looks` for the bytes whose ETag is `etag`: its own
    parameters, but for these, are kept."""
    media_type, params = split_media_type(content_type)
    kept = [f"{k}={v}" for k, v in params.items() if k not in _OURS and k]
    ours = [f"for={etag[:FOR_LENGTH]}"]
    if looks.size is not None:
        ours.append(f"wh={looks.size[0]}x{looks.size[1]}")
    if looks.placeholder is not None:
        placeholder = looks.placeholder
        ours += [
            f"color={placeholder.color}",
            f"thumbhash={_base64(placeholder.thumbhash)}",
            f"blurhash={_base64(placeholder.blurhash.encode())}",
        ]
    if looks.subject.focus is not None:
        ours.append(f"focus={_numbers(looks.subject.focus)}")
    if looks.subject.faces is not None:
        ours.append(f"faces={_numbers(looks.subject.faces)}")
    return ";".join((media_type, *kept, *ours))


def _size(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    width, _, height = text.partition("x")
    return int(width), int(height)


def _placeholder(params: dict[str, str]) -> Placeholder | None:
    color, thumbhash, blurhash = (params.get(k) for k in ("color", "thumbhash", "blurhash"))
    if not (color and thumbhash and blurhash):
        return None
    if len(color) != 6 or any(c not in "0123456789abcdef" for c in color):
        return None
    return Placeholder(color, _unbase64(thumbhash), _unbase64(blurhash).decode("ascii"))


def _base64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unbase64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _numbers(region: Region) -> str:
    return region.canonical().replace(",", "_")


def _region(text: str | None) -> Region | None:
    return Region.parse(text.replace("_", ",")) if text else None
