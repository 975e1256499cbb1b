"""Spec: what a derived image is (format, box, thumbnail, encoder settings), canonically."""

from __future__ import annotations

import enum
import math

import attrs

from image_repo.domain.edits import NO_EDITS, Edits
from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.looks import Region, Subject

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


class Fit(enum.Enum):
    """`contain` fits inside the box; `cover` fills it exactly and crops the overflow."""

    CONTAIN = "contain"
    COVER = "cover"


class Gravity(enum.Enum):
    """Which part of the image a `cover` crop keeps; `smart` keeps the most interesting part.
    `focus` centres on the original's recorded focal point, `auto` on it or else on the faces
    found at upload (SPEC 15): both are resolved per original (`aimed`) before a key is made."""

    CENTER = "center"
    NORTH = "north"
    SOUTH = "south"
    EAST = "east"
    WEST = "west"
    SMART = "smart"
    FOCUS = "focus"
    AUTO = "auto"


# Gravities that need the original's subject (SPEC 15) before their spec names one image.
SUBJECT_GRAVITIES = frozenset({Gravity.FOCUS, Gravity.AUTO})


@attrs.frozen
class Window:
    """A crop of a `width`x`height` image: `crop` (left, top, right, bottom) scaled to `size`."""

    crop: tuple[int, int, int, int]
    size: tuple[int, int]


ANIMATED_FORMATS = frozenset({ImageFormat.GIF, ImageFormat.WEBP})


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

    def fill(self, width: int, height: int) -> tuple[int, int]:
        """The size a `width`x`height` image is scaled to before a `cover` crop: the smallest
        that covers both sides of the box, never enlarging (a decoder may shrink to it)."""
        scale = self._cover_scale(width, height)
        if scale >= 1.0:
            return width, height
        return min(width, math.ceil(width * scale)), min(height, math.ceil(height * scale))

    def cover(self, width: int, height: int, gravity: Gravity, aim: Region | None = None) -> Window:
        """The window of a `cover` crop: exactly the box when the image is larger; otherwise
        the largest window of the box's aspect ratio, at the image's own size (never
        enlarging). `smart` is placed centred here: the processor moves it. `aim` (gravity
        `focus`): the window is centred on it, as far as the image's edges allow."""
        box_w, box_h = self._sides()
        scale = self._cover_scale(width, height)
        if scale >= 1.0:
            if width * box_h > height * box_w:
                crop_w, crop_h = max(1, min(width, round(height * box_w / box_h))), height
            else:
                crop_w, crop_h = width, max(1, min(height, round(width * box_h / box_w)))
            size = (crop_w, crop_h)
        else:
            crop_w = max(1, min(width, round(box_w / scale)))
            crop_h = max(1, min(height, round(box_h / scale)))
            size = (box_w, box_h)
        if aim is not None:
            left, top = _centred_on(aim, width, height, crop_w, crop_h)
        else:
            left, top = _placed(width - crop_w, height - crop_h, gravity)
        return Window((left, top, left + crop_w, top + crop_h), size)

    def _sides(self) -> tuple[int, int]:
        if self.width is None or self.height is None:
            raise InvalidParameterError("fit=cover needs both sides of a box")
        return self.width, self.height

    def _cover_scale(self, width: int, height: int) -> float:
        box_w, box_h = self._sides()
        return max(box_w / width, box_h / height)

    def scaled(self, factor: float, max_dimension: int) -> Box:
        """Each side times `factor` (a device pixel ratio), at most `max_dimension`."""

        def side(value: int | None) -> int | None:
            return None if value is None else max(1, min(max_dimension, round(value * factor)))

        return Box(side(self.width), side(self.height))

    def __str__(self) -> str:
        return f"{self.width or '-'}x{self.height or '-'}"


def _placed(spare_w: int, spare_h: int, gravity: Gravity) -> tuple[int, int]:
    """Left and top of a window with `spare_w`/`spare_h` pixels left over on each axis."""
    left = {Gravity.WEST: 0, Gravity.EAST: spare_w}.get(gravity, spare_w // 2)
    top = {Gravity.NORTH: 0, Gravity.SOUTH: spare_h}.get(gravity, spare_h // 2)
    return left, top


def _centred_on(aim: Region, width: int, height: int, crop_w: int, crop_h: int) -> tuple[int, int]:
    """Left and top of a `crop_w`x`crop_h` window centred on `aim`, kept inside the image."""
    x, y = aim.centre
    left = min(max(0, round(x * width - crop_w / 2)), width - crop_w)
    top = min(max(0, round(y * height - crop_h / 2)), height - crop_h)
    return left, top


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
    fit: Fit = Fit.CONTAIN
    gravity: Gravity = attrs.field(default=Gravity.CENTER)
    # Most frames an animated original keeps (gif and webp output); 1: the first frame only.
    max_frames: int = attrs.field(default=1, validator=attrs.validators.ge(1))
    # SPEC 14's adjustments; none asked for: the key of a spec made before them.
    edits: Edits = NO_EDITS
    # gravity=focus: where the crop centres, in the upright original (SPEC 15; `aimed`).
    aim: Region | None = attrs.field(default=None)

    @gravity.validator
    def _cover_only(self, _attribute: attrs.Attribute[Gravity], value: Gravity) -> None:
        """One spec per image: gravity means nothing to `contain`, so it stays `center` there;
        `cover` needs both sides of a box."""
        if self.fit is Fit.CONTAIN and value is not Gravity.CENTER:
            raise InvalidParameterError("gravity applies to fit=cover only")
        if self.fit is Fit.COVER and (
            self.box is None or self.box.width is None or self.box.height is None
        ):
            raise InvalidParameterError("fit=cover needs both sides of a box")

    @aim.validator
    def _focus_only(self, _attribute: attrs.Attribute[Region | None], value: Region | None) -> None:
        if value is not None and self.gravity is not Gravity.FOCUS:
            raise InvalidParameterError("an aim goes with gravity=focus only")

    @max_frames.validator
    def _animated_kinds(self, _attribute: attrs.Attribute[int], value: int) -> None:
        if value > 1 and self.kind not in ANIMATED_FORMATS:
            raise InvalidParameterError(f"{self.kind.value} cannot be animated")

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
                # Appended only when used, so specs made before them keep their keys.
                *(
                    (f"fit={self.fit.value}", f"gravity={self.gravity.value}")
                    if self.is_cover
                    else ()
                ),
                *((f"aim={self.aim.canonical()}",) if self.aim is not None else ()),
                *((f"frames={self.max_frames}",) if self.is_animated else ()),
                *((f"edits={self.edits.canonical()}",) if not self.edits.is_empty else ()),
            )
        )

    @property
    def is_cover(self) -> bool:
        return self.fit is Fit.COVER

    @property
    def turned_aim(self) -> Region | None:
        """`aim` in the image after the edits' rotation (clockwise) and flip, which come
        before the box (SPEC 14's order)."""
        aim = self.aim
        if aim is None:
            return None
        x, y = aim.centre
        for _ in range(self.edits.rotate // 90):
            x, y = 1 - y, x
        flip = self.edits.flip.value if self.edits.flip is not None else ""
        if "h" in flip:
            x = 1 - x
        if "v" in flip:
            y = 1 - y
        return Region.point(round(x, 4), round(y, 4))

    @property
    def needs_subject(self) -> bool:
        """True until `aimed` has resolved gravity focus or auto for one original: such a
        spec names no image yet, so no key is made of it."""
        return self.gravity in SUBJECT_GRAVITIES and self.aim is None

    def aimed(self, subject: Subject) -> Spec:
        """This spec for an original whose subject is `subject`: gravity `focus` centred on
        its focal point (`auto`: else on its faces), else `smart`. Either way, one key per
        crop: `auto` and `focus` aimed at the same point are the same image."""
        if not self.needs_subject:
            return self
        aim = subject.aim(faces_too=self.gravity is Gravity.AUTO)
        if aim is None:
            return attrs.evolve(self, gravity=Gravity.SMART)
        return attrs.evolve(self, gravity=Gravity.FOCUS, aim=aim)

    @property
    def is_animated(self) -> bool:
        """Whether an animated original stays animated (a still one is the same either way)."""
        return self.max_frames > 1

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
            fit=Fit(fields.get("fit", Fit.CONTAIN.value)),
            gravity=Gravity(fields.get("gravity", Gravity.CENTER.value)),
            max_frames=int(fields.get("frames", "1")),
            edits=Edits.parse(fields["edits"]) if "edits" in fields else NO_EDITS,
            aim=Region.parse(fields["aim"]) if "aim" in fields else None,
        )

    def __str__(self) -> str:
        return self.canonical()


def _side(text: str) -> int | None:
    return None if text == "-" else int(text)
