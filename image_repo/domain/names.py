"""ImageName: the one validated form of an image's name (SPEC §2)."""

from __future__ import annotations

import attrs

from image_repo.domain.errors import InvalidNameError
from image_repo.domain.formats import ImageFormat

MAX_NAME_BYTES = 1000


def _is_control(char: str) -> bool:
    """C0, DEL and C1 controls: they break logs, headers and terminals, so no name holds one."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F


# Bidirectional formatting (LRE..RLO, LRI..PDI, LRM, RLM, ALM) makes a name display as
# another ("gpj.exe" shown as "exe.jpg"); line and paragraph separators break lines in logs
# and listings as a newline would.
_DECEPTIVE = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_LINE_BREAKING = frozenset("\u2028\u2029\x85")


def check_name_rules(value: str) -> None:
    """Raise InvalidNameError naming the first rule `value` breaks (checked in a fixed order)."""
    if not value:
        raise InvalidNameError("the name is empty")
    if len(value.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise InvalidNameError(f"the name is longer than {MAX_NAME_BYTES} bytes of UTF-8")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise InvalidNameError("the name is not valid UTF-8")
    if any(_is_control(c) for c in value):
        raise InvalidNameError("the name contains a control character")
    if "\\" in value:
        raise InvalidNameError("the name contains a backslash")
    if any(c in _DECEPTIVE for c in value):
        raise InvalidNameError("the name contains a bidirectional formatting character")
    if any(c in _LINE_BREAKING for c in value):
        raise InvalidNameError("the name contains a line or paragraph separator")
    for segment in value.split("/"):
        if segment == "":
            raise InvalidNameError("the name has an empty segment (leading, trailing or '//')")
        if segment in (".", ".."):
            raise InvalidNameError(f"the name has a '{segment}' segment")


def split_format_extension(raw: str) -> tuple[str, ImageFormat | None]:
    """Split a final extension naming an image format off `raw`; other dots stay part of it."""
    last_segment = raw.rsplit("/", 1)[-1]
    _, dot, extension = last_segment.rpartition(".")
    image_format = ImageFormat.from_extension(extension) if dot else None
    if image_format is None:
        return raw, None
    return raw[: len(raw) - len(extension) - 1], image_format


@attrs.frozen(cache_hash=True)
class ImageName:
    """An image's name without any format extension: `cats/tom.png` and `cats/tom` are one image.

    Only `parse`/`from_object_name` should build one; the validator keeps invalid names from
    existing at all.
    """

    value: str = attrs.field()

    @value.validator
    def _check(self, _attribute: attrs.Attribute[str], value: str) -> None:
        check_name_rules(value)
        if split_format_extension(value)[1] is not None:
            raise InvalidNameError("the name ends in a format extension")

    @classmethod
    def parse(cls, raw: str) -> ImageName:
        return cls.parse_with_format(raw)[0]

    @classmethod
    def parse_with_format(cls, raw: str) -> tuple[ImageName, ImageFormat | None]:
        """The name and the format its extension asked for (None when it had none)."""
        check_name_rules(raw)
        stem, image_format = split_format_extension(raw)
        if image_format is not None and split_format_extension(stem)[1] is not None:
            raise InvalidNameError("the name ends in two format extensions")
        return cls(stem), image_format

    @classmethod
    def from_object_name(cls, object_name: str) -> ImageName | None:
        """The image an object in the data container holds, or None for an object no image
        name can address (put there by other tools)."""
        try:
            return cls.parse(object_name)
        except InvalidNameError:
            return None

    def child_path(self, relative: str) -> ImageName:
        return ImageName.parse(f"{self.value}/{relative}")

    def __str__(self) -> str:
        return self.value
