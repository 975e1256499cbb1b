"""The editing modifiers of a GET (SPEC 14), parsed strictly into Edits: a value out of range
is a 400 that says what is accepted."""

from __future__ import annotations

import re
from collections.abc import Mapping

from image_repo.domain.edits import (
    ADJUSTMENT_RANGE,
    BLUR_RANGE,
    MAX_MAX_BYTES,
    MAX_PAD,
    MAX_RADIUS,
    MIN_MAX_BYTES,
    NO_EDITS,
    OPACITY_RANGE,
    ROTATIONS,
    SCALE_RANGE,
    SHARPEN_RANGE,
    TRIM_RANGE,
    Edits,
    Flip,
    Padding,
    Watermark,
    WatermarkPosition,
)
from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.params import parse_bool, parse_choice, parse_size, quoted

EDIT_PARAMETERS = (
    "trim",
    "rotate",
    "flip",
    "grayscale",
    "brightness",
    "contrast",
    "saturation",
    "blur",
    "sharpen",
    "radius",
    "pad",
    "background",
    "watermark",
    "watermark_position",
    "watermark_opacity",
    "watermark_scale",
    "max_bytes",
)
# Checked before float() or int() sees the text (SPEC 8): short, plain decimal numbers only.
_DECIMAL = re.compile(r"[0-9]{1,3}(\.[0-9]{1,4})?")
_SIGNED = re.compile(r"-?[0-9]{1,3}")
_HEX = re.compile(r"[0-9a-fA-F]{6}")
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _decimal(name: str, raw: str, low: float, high: float) -> float:
    value = float(raw) if _DECIMAL.fullmatch(raw) else -1.0
    if not low <= value <= high:
        raise InvalidParameterError(
            f"{name} must be a number from {low:g} to {high:g}, not {quoted(raw)}"
        )
    return value


def _signed(name: str, raw: str, low: int, high: int) -> int:
    value = int(raw) if _SIGNED.fullmatch(raw) else low - 1
    if not low <= value <= high:
        raise InvalidParameterError(
            f"{name} must be a whole number from {low} to {high}, not {quoted(raw)}"
        )
    return value


def _rotation(raw: str) -> int:
    if raw not in {str(angle) for angle in ROTATIONS}:
        raise InvalidParameterError(f"rotate must be 90, 180 or 270 (clockwise), not {quoted(raw)}")
    return int(raw)


def _padding(raw: str) -> Padding | None:
    """None for no padding at all (`pad=0`): the same image, the same key."""
    sides = raw.split(",")
    if len(sides) == 1:
        sides *= 4
    if len(sides) != 4 or not all(s.isascii() and s.isdigit() and len(s) <= 4 for s in sides):
        raise InvalidParameterError(
            f"pad must be T,R,B,L (or one number) of pixels from 0 to {MAX_PAD}, not {quoted(raw)}"
        )
    top, right, bottom, left = (int(side) for side in sides)
    if max(top, right, bottom, left) > MAX_PAD:
        raise InvalidParameterError(f"pad sides are at most {MAX_PAD} pixels, not {quoted(raw)}")
    return Padding(top, right, bottom, left) if top or right or bottom or left else None


def _background(raw: str) -> str:
    colour = raw.removeprefix("#")
    if not _HEX.fullmatch(colour):
        raise InvalidParameterError(f"background must be a colour RRGGBB (hex), not {quoted(raw)}")
    return colour.lower()


def _watermark(params: Mapping[str, str], watermarks: frozenset[str]) -> Watermark | None:
    """The watermark asked for, its ETag still to be learnt (empty) from the image it names."""
    named = params.get("watermark")
    options = ("watermark_position", "watermark_opacity", "watermark_scale")
    if named is None:
        given = [option for option in options if option in params]
        if given:
            raise InvalidParameterError(f"{', '.join(given)} need watermark=NAME")
        return None
    if not _NAME.fullmatch(named) or named not in watermarks:
        configured = ", ".join(sorted(watermarks)) or "none are configured (images.watermarks)"
        raise InvalidParameterError(f"unknown watermark {quoted(named)}; watermarks: {configured}")
    return Watermark(
        named,
        "",
        parse_choice("watermark_position", params["watermark_position"], WatermarkPosition)
        if "watermark_position" in params
        else WatermarkPosition.SOUTHEAST,
        _decimal("watermark_opacity", params["watermark_opacity"], *OPACITY_RANGE)
        if "watermark_opacity" in params
        else 0.5,
        _decimal("watermark_scale", params["watermark_scale"], *SCALE_RANGE)
        if "watermark_scale" in params
        else 0.2,
    )


def parse_edits(params: Mapping[str, str], watermarks: frozenset[str] = frozenset()) -> Edits:
    """`watermarks`: the names configured in images.watermarks."""
    if not any(name in params for name in EDIT_PARAMETERS):
        return NO_EDITS
    edits = Edits(
        trim=_signed("trim", params["trim"], *TRIM_RANGE) if "trim" in params else None,
        rotate=_rotation(params["rotate"]) if "rotate" in params else 0,
        flip=parse_choice("flip", params["flip"], Flip) if "flip" in params else None,
        grayscale=parse_bool("grayscale", params.get("grayscale", "false")),
        brightness=_signed("brightness", params.get("brightness", "0"), *ADJUSTMENT_RANGE),
        contrast=_signed("contrast", params.get("contrast", "0"), *ADJUSTMENT_RANGE),
        saturation=_signed("saturation", params.get("saturation", "0"), *ADJUSTMENT_RANGE),
        blur=_decimal("blur", params["blur"], *BLUR_RANGE) if "blur" in params else 0.0,
        sharpen=_decimal("sharpen", params["sharpen"], *SHARPEN_RANGE)
        if "sharpen" in params
        else 0.0,
        radius=parse_size("radius", params["radius"], MAX_RADIUS) if "radius" in params else 0,
        pad=_padding(params["pad"]) if "pad" in params else None,
        background=_background(params["background"]) if "background" in params else None,
        watermark=_watermark(params, watermarks),
        max_bytes=parse_size("max_bytes", params["max_bytes"], MAX_MAX_BYTES)
        if "max_bytes" in params
        else None,
    )
    if edits.blur and edits.sharpen:
        raise InvalidParameterError("blur and sharpen cannot be combined: give one")
    if edits.max_bytes is not None and edits.max_bytes < MIN_MAX_BYTES:
        raise InvalidParameterError(f"max_bytes must be at least {MIN_MAX_BYTES}")
    return edits
