"""Edits: the adjustments of SPEC 14 beside the box (rotate, flip, trim, colour, blur,
sharpen, rounded corners, padding, a watermark, a byte budget), canonically.

Each enters the canonical spec only when asked for, so every key made before them stays the
same. The processors apply them in the order SPEC 14 gives: orientation, trim, rotate and
flip, box, colour adjustments, blur or sharpen, radius, pad, watermark, encode."""

from __future__ import annotations

import enum

import attrs

from image_repo.domain.errors import InvalidParameterError


class Flip(enum.Enum):
    HORIZONTAL = "h"
    VERTICAL = "v"
    BOTH = "hv"


class WatermarkPosition(enum.Enum):
    CENTER = "center"
    NORTH = "north"
    SOUTH = "south"
    EAST = "east"
    WEST = "west"
    NORTHEAST = "northeast"
    NORTHWEST = "northwest"
    SOUTHEAST = "southeast"
    SOUTHWEST = "southwest"
    TILE = "tile"


ROTATIONS = (0, 90, 180, 270)
BLUR_RANGE = (0.3, 100.0)
SHARPEN_RANGE = (0.3, 10.0)
ADJUSTMENT_RANGE = (-100, 100)
TRIM_RANGE = (0, 100)
MAX_PAD = 1000
MAX_RADIUS = 5000
OPACITY_RANGE = (0.0, 1.0)
SCALE_RANGE = (0.01, 1.0)
MIN_MAX_BYTES = 1024
MAX_MAX_BYTES = 100 << 20


@attrs.frozen
class Padding:
    """Pixels added around the result, clockwise from the top, as CSS writes them."""

    top: int
    right: int
    bottom: int
    left: int

    def __str__(self) -> str:
        return f"{self.top}.{self.right}.{self.bottom}.{self.left}"


@attrs.frozen
class Watermark:
    """A watermark of `images.watermarks`: `name` as configured, and the ETag of the image it
    names, so replacing that image changes the key of everything it marks."""

    name: str
    etag: str
    position: WatermarkPosition = WatermarkPosition.SOUTHEAST
    opacity: float = 0.5
    scale: float = 0.2

    def __str__(self) -> str:
        return f"{self.name}~{self.etag}~{self.position.value}~{self.opacity:g}~{self.scale:g}"


def _hex_or_none(
    _instance: object, _attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None and (len(value) != 6 or any(c not in "0123456789abcdef" for c in value)):
        raise InvalidParameterError(f"background must be 6 hex digits (RRGGBB), not {value!r}")


@attrs.frozen
class Edits:
    """What a request asks beyond the box; every field at its default means "not asked".
    `background`: the colour pad, radius and flattening use (None: transparent where the kind
    has alpha, else the configured images.background)."""

    trim: int | None = None
    rotate: int = 0
    flip: Flip | None = None
    grayscale: bool = False
    brightness: int = 0
    contrast: int = 0
    saturation: int = 0
    blur: float = 0.0
    sharpen: float = 0.0
    radius: int = 0
    pad: Padding | None = None
    background: str | None = attrs.field(default=None, validator=_hex_or_none)
    watermark: Watermark | None = None
    max_bytes: int | None = None

    @property
    def is_empty(self) -> bool:
        return self == NO_EDITS

    @property
    def changes_colour(self) -> bool:
        return self.grayscale or bool(self.brightness or self.contrast or self.saturation)

    def canonical(self) -> str:
        """The asked-for edits in a fixed order, `name:value` joined by `,` (no `;`, `=` or `/`:
        the spec and the key use those)."""
        parts = [
            ("trim", self.trim),
            ("rot", self.rotate or None),
            ("flip", self.flip.value if self.flip else None),
            ("gray", 1 if self.grayscale else None),
            ("bri", self.brightness or None),
            ("con", self.contrast or None),
            ("sat", self.saturation or None),
            ("blur", f"{self.blur:g}" if self.blur else None),
            ("sharp", f"{self.sharpen:g}" if self.sharpen else None),
            ("radius", self.radius or None),
            ("pad", self.pad),
            ("bg", self.background),
            ("wm", self.watermark),
            ("maxb", self.max_bytes),
        ]
        return ",".join(f"{name}:{value}" for name, value in parts if value is not None)

    @classmethod
    def parse(cls, canonical: str) -> Edits:
        fields = dict(part.split(":", 1) for part in canonical.split(",") if part)
        watermark = None
        if "wm" in fields:
            name, etag, position, opacity, scale = fields["wm"].split("~")
            watermark = Watermark(
                name, etag, WatermarkPosition(position), float(opacity), float(scale)
            )
        pad = None
        if "pad" in fields:
            top, right, bottom, left = (int(side) for side in fields["pad"].split("."))
            pad = Padding(top, right, bottom, left)
        return cls(
            trim=int(fields["trim"]) if "trim" in fields else None,
            rotate=int(fields.get("rot", "0")),
            flip=Flip(fields["flip"]) if "flip" in fields else None,
            grayscale=fields.get("gray") == "1",
            brightness=int(fields.get("bri", "0")),
            contrast=int(fields.get("con", "0")),
            saturation=int(fields.get("sat", "0")),
            blur=float(fields.get("blur", "0")),
            sharpen=float(fields.get("sharp", "0")),
            radius=int(fields.get("radius", "0")),
            pad=pad,
            background=fields.get("bg"),
            watermark=watermark,
            max_bytes=int(fields["maxb"]) if "maxb" in fields else None,
        )


NO_EDITS = Edits()
