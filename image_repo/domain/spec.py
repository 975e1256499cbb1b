"""Spec: what a derived image is (format, box, thumbnail, encoder settings), canonically."""

from __future__ import annotations

import attrs

from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.formats import ImageFormat

SPEC_VERSION = "s1"
OUTPUT_FORMATS: tuple[ImageFormat, ...] = (
    ImageFormat.JPEG,
    ImageFormat.PNG,
    ImageFormat.WEBP,
    ImageFormat.GIF,
    ImageFormat.TIFF,
    ImageFormat.BMP,
    ImageFormat.AVIF,
)


def _positive_or_none(
    _instance: object, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None and value < 1:
        raise InvalidParameterError(f"{attribute.name} must be a positive integer, not {value}")


@attrs.frozen
class Box:
    """A bounding box an image must fit inside; a missing side is unbounded."""

    width: int | None = attrs.field(default=None, validator=_positive_or_none)
    height: int | None = attrs.field(default=None, validator=_positive_or_none)

    @classmethod
    def of(cls, width: int | None, height: int | None) -> Box | None:
        return None if width is None and height is None else cls(width, height)

    def fit(self, width: int, height: int) -> tuple[int, int]:
        """The size of a `width`x`height` image scaled to fit inside the box, keeping its aspect
        ratio and never enlarging; each side is at least 1 pixel."""
        scale = 1.0
        if self.width is not None:
            scale = min(scale, self.width / width)
        if self.height is not None:
            scale = min(scale, self.height / height)
        if scale >= 1.0:
            return width, height
        return max(1, round(width * scale)), max(1, round(height * scale))

    def __str__(self) -> str:
        return f"{self.width or '-'}x{self.height or '-'}"


def _hex_colour(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if len(value) != 6 or any(c not in "0123456789abcdef" for c in value):
        raise InvalidParameterError(f"background must be 6 lowercase hex digits, not {value!r}")


@attrs.frozen(cache_hash=True)
class Spec:
    """Everything that changes a derived image's bytes. Two requests with equal specs must get
    identical bytes, so encoder settings are part of it, not read from config at encode time."""

    kind: ImageFormat = attrs.field(default=ImageFormat.JPEG)
    box: Box | None = None
    is_thumbnail: bool = False
    quality: int = attrs.field(default=85, validator=attrs.validators.in_(range(1, 101)))
    sharpen: float = attrs.field(default=0.0, validator=attrs.validators.ge(0.0))
    background: str = attrs.field(default="ffffff", validator=_hex_colour)
    strip_metadata: bool = True

    @kind.validator
    def _output_only(self, _attribute: attrs.Attribute[ImageFormat], value: ImageFormat) -> None:
        if value not in OUTPUT_FORMATS:
            raise InvalidParameterError(f"{value.value} is not an output format")

    def canonical(self) -> str:
        """One string per spec, fields in a fixed order behind a version prefix; it names cache
        entries, so changing it (or the version) must be deliberate."""
        return ";".join(
            (
                SPEC_VERSION,
                f"kind={self.kind.value}",
                f"box={self.box or '-'}",
                f"thumb={int(self.is_thumbnail)}",
                f"q={self.quality}",
                f"sharpen={self.sharpen:g}",
                f"bg={self.background}",
                f"strip={int(self.strip_metadata)}",
            )
        )

    @classmethod
    def parse(cls, canonical: str) -> Spec:
        version, *pairs = canonical.split(";")
        if version != SPEC_VERSION:
            raise InvalidParameterError(f"unknown spec version {version!r}")
        fields = dict(pair.split("=", 1) for pair in pairs)
        width, _, height = fields["box"].partition("x")
        box = None if fields["box"] == "-" else Box(_side(width), _side(height))
        return cls(
            kind=ImageFormat(fields["kind"]),
            box=box,
            is_thumbnail=fields["thumb"] == "1",
            quality=int(fields["q"]),
            sharpen=float(fields["sharpen"]),
            background=fields["bg"],
            strip_metadata=fields["strip"] == "1",
        )

    def __str__(self) -> str:
        return self.canonical()


def _side(text: str) -> int | None:
    return None if text == "-" else int(text)
