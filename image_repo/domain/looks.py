"""What an original looks like, known once at upload (SPEC 15): its placeholder for a gallery
before any thumbnail arrives, and its subject (a focal point a person set, the faces found),
where a crop should centre."""

from __future__ import annotations

import attrs

from image_repo.domain.errors import InvalidParameterError


@attrs.frozen
class Placeholder:
    """What a page shows until a thumbnail loads: the dominant colour, then the ThumbHash (or
    the BlurHash, for clients that use it) decoded in the browser."""

    color: str  # "rrggbb", 6 lowercase hex digits
    thumbhash: bytes  # ThumbHash bytes (evanw's algorithm), of the image fitted in 100x100
    blurhash: str  # BlurHash (woltapp's algorithm), 4x3 components


def _fraction(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise InvalidParameterError(f"{attribute.name} must be from 0 to 1, not {value}")


@attrs.frozen
class Region:
    """A part of the upright image, in fractions of its width and height from the top-left;
    a point (a focal point) has `left == right` and `top == bottom`."""

    left: float = attrs.field(validator=_fraction)
    top: float = attrs.field(validator=_fraction)
    right: float = attrs.field(validator=_fraction)
    bottom: float = attrs.field(validator=_fraction)

    def __attrs_post_init__(self) -> None:
        if self.right < self.left or self.bottom < self.top:
            raise InvalidParameterError("a region's right and bottom come after its left and top")

    @classmethod
    def point(cls, x: float, y: float) -> Region:
        return cls(x, y, x, y)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2

    @property
    def is_point(self) -> bool:
        return self.left == self.right and self.top == self.bottom

    def canonical(self) -> str:
        """`x,y` for a point, else `left,top,right,bottom`: at most 4 decimals each."""
        numbers = (self.left, self.top) if self.is_point else attrs.astuple(self)
        return ",".join(f"{n:.4f}".rstrip("0").rstrip(".") for n in numbers)

    @classmethod
    def parse(cls, text: str) -> Region:
        """`x,y` or `left,top,right,bottom`, as `canonical` writes them (and as clients send a
        focus); InvalidParameterError for anything else."""
        try:
            numbers = [round(float(part), 4) for part in text.split(",")]
        except ValueError:
            raise InvalidParameterError(f"expected numbers from 0 to 1, not {text!r}") from None
        if any(n != n for n in numbers):  # NaN
            raise InvalidParameterError(f"expected numbers from 0 to 1, not {text!r}")
        if len(numbers) == 2:
            return cls.point(*numbers)
        if len(numbers) == 4:
            return cls(*numbers)
        raise InvalidParameterError(f"expected x,y (fractions from 0 to 1), not {text!r}")


@attrs.frozen
class Subject:
    """Where an original's subject is: the focal point a person recorded (`focus`), else the
    bounding box of the faces found at upload (`faces`); neither known: NO_SUBJECT."""

    focus: Region | None = None
    faces: Region | None = None

    def aim(self, *, faces_too: bool) -> Region | None:
        """Where a crop centres: the focus, else (with `faces_too`: gravity=auto) the faces."""
        if self.focus is not None:
            return self.focus
        return self.faces if faces_too else None


NO_SUBJECT = Subject()


@attrs.frozen
class Looks:
    """Everything SPEC 15 records with an original: its displayed size, its placeholder and
    its subject. Each part is None (or NO_SUBJECT) until it is known."""

    size: tuple[int, int] | None = None
    placeholder: Placeholder | None = None
    subject: Subject = NO_SUBJECT


NO_LOOKS = Looks()
