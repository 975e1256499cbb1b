"""SPEC 14's edits as Pillow steps (steps.py's `Step`): each a no-op, returning its input
itself, when its edit is absent, so a spec without edits makes the bytes it made before.

The definitions below are the contract both processors implement (vips_processor.py matches
them within 4/255); every value is on 8-bit sRGB-encoded channels, rounded half up and clipped
to 0..255 once, at the end of each step.

Order (steps.py): orientation and sRGB, `trim`, `rotate`, `flip`, the box (fit or cover, the
thumbnail's sharpening), `colour`, `blur` / `unsharp`, `round_corners`, `pad`, (watermark),
flatten, encode.

- trim(t): the border is every pixel that differs from the top-left pixel by at most t on
  every channel (alpha included); the result is the bounding box of the other pixels. An
  image that is border only stays whole. Applied to the full decode (pillow_processor.py
  does not shrink on load when trim is asked). An animation is cut to its first frame's box.
- rotate(a): clockwise by a = 90, 180 or 270 degrees, after EXIF orientation; then
  flip: h mirrors left-right, v top-bottom, hv both (a 180-degree turn).
- colour, one affine map per pixel with a single rounding at the end:
      g = 1 + contrast/100                      (contrast gain, 0..2)
      d = 2.55 * brightness                     (brightness offset, -255..255)
      s = 0 if grayscale else 1 + saturation/100  (saturation gain, 0..2)
      Y(p) = 0.299 R + 0.587 G + 0.114 B        (Rec. 601 luma of the encoded values, as
                                                 Pillow's convert("L"); NOT libvips' b-w,
                                                 which works in linear light)
      p1 = g * (p + d - 128) + 128              (each channel)
      out = Y(p1) + s * (p1 - Y(p1))            (each channel)
  that is, out = g * M_s * p + (g * (d - 128) + 128), with M_s = s I + (1 - s) [1 1 1]^T w^T
  and w = (0.299, 0.587, 0.114) (M_s keeps greys: its rows sum to 1). Grayscale gives one
  band (an RGB image becomes L; an RGBA one keeps its alpha with R = G = B). Alpha is never
  changed.
- blur(sigma): libvips' Gaussian (gaussblur) of standard deviation `sigma` output pixels, on
  alpha-premultiplied pixels when there is alpha. Both processors run that same filter
  (vips_edits.blurred; Pillow's pixels are handed over in memory): it costs a fifth of
  Pillow's three box passes, and the two processors then agree to the pixel.
- sharpen(sigma): unsharp mask, out = p + 1.0 * (p - gauss(p, sigma)) on each channel,
  threshold 0, the same Gaussian, premultiplied when there is alpha.
- radius(r): r clamped to half the shorter side; each corner outside a circle of radius r
  tangent to both sides is cut away: alpha = 255 x the share of the pixel's area inside the
  rounded rectangle, exactly (`corner`: import it to match), multiplied into any
  alpha there was. Kinds without alpha
  (all but formats.ALPHA_FORMATS: jpeg, gif, bmp) then show the background there (flatten).
- pad(T, R, B, L): that many pixels added on each side, of `edits.background`; without it,
  transparent for kinds with alpha and spec.background for the others.
- background: what flatten composites alpha onto for kinds without alpha is
  `edits.background` when given, else spec.background (images.background).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import attrs
import pyvips
from PIL import Image, ImageChops

from image_repo.adapters.imaging.formats import ALPHA_FORMATS
from image_repo.adapters.imaging.resampling import VipsOperation
from image_repo.adapters.imaging.vips_edits import blurred, sharpened
from image_repo.domain.edits import Flip
from image_repo.domain.spec import Spec

_ROTATIONS = {
    90: Image.Transpose.ROTATE_270,  # Pillow turns counter-clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}
_FLIPS = {
    Flip.HORIZONTAL: Image.Transpose.FLIP_LEFT_RIGHT,
    Flip.VERTICAL: Image.Transpose.FLIP_TOP_BOTTOM,
    Flip.BOTH: Image.Transpose.ROTATE_180,
}
LUMA = (0.299, 0.587, 0.114)
_MID_GREY = 128


def background_of(spec: Spec) -> str:
    """The colour (RRGGBB) pad, radius and flattening use where there is no alpha."""
    return spec.edits.background or spec.background


def trim_box(image: Image.Image, tolerance: int) -> tuple[int, int, int, int] | None:
    """The bounding box of the pixels differing from the top-left one by more than
    `tolerance` on some channel; None when none do (a uniform image). One lookup per
    channel marks them (a third of the time of subtracting the corner's colour first)."""
    corner = image.getpixel((0, 0))
    channels = [int(value or 0) for value in (corner if isinstance(corner, tuple) else (corner,))]
    table = [
        0 if abs(value - channel) <= tolerance else 255
        for channel in channels
        for value in range(256)
    ]
    return image.point(table).getbbox(alpha_only=False)


def trim(image: Image.Image, spec: Spec) -> Image.Image:
    if spec.edits.trim is None:
        return image
    return trimmed_to(image, trim_box(image, spec.edits.trim))


def trimmed_to(image: Image.Image, box: tuple[int, int, int, int] | None) -> Image.Image:
    """`image` cut to `box` (None or the whole image: `image` itself)."""
    if box is None or box == (0, 0, *image.size):
        return image
    return image.crop(box)


def rotate(image: Image.Image, spec: Spec) -> Image.Image:
    method = _ROTATIONS.get(spec.edits.rotate)
    return image if method is None else image.transpose(method)


def flip(image: Image.Image, spec: Spec) -> Image.Image:
    return image if spec.edits.flip is None else image.transpose(_FLIPS[spec.edits.flip])


def colour_matrix(spec: Spec) -> tuple[tuple[tuple[float, ...], ...], float]:
    """The 3x3 matrix and the offset (the same for every channel) of the colour step: out =
    matrix . p + offset, before rounding and clipping (see the module's docstring)."""
    edits = spec.edits
    gain = 1 + edits.contrast / 100
    offset = gain * (2.55 * edits.brightness - _MID_GREY) + _MID_GREY
    saturation = 0.0 if edits.grayscale else 1 + edits.saturation / 100
    rows = tuple(
        tuple(
            gain * ((saturation if row == column else 0.0) + (1 - saturation) * LUMA[column])
            for column in range(3)
        )
        for row in range(3)
    )
    return rows, offset


def colour(image: Image.Image, spec: Spec) -> Image.Image:
    """Brightness, contrast, saturation and grayscale as one affine map (module docstring)."""
    edits = spec.edits
    if not edits.changes_colour:
        return image
    rows, offset = colour_matrix(spec)
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    if image.mode == "L":
        gain = 1 + edits.contrast / 100  # what the matrix does to a grey pixel
        table = [min(255, max(0, int(gain * value + offset + 0.5))) for value in range(256)]
        adjusted = image.point(table)
    else:
        rgb = image.convert("RGB") if alpha is not None else image
        if edits.grayscale:
            adjusted = rgb.convert("L", (*rows[0], offset))
        else:
            adjusted = rgb.convert("RGB", tuple(v for row in rows for v in (*row, offset)))
    if alpha is None:
        return adjusted
    with_alpha = adjusted.convert("RGBA")
    with_alpha.putalpha(alpha)
    return with_alpha


# Pillow modes libvips takes as they are, 8 bits a band (premultiplication is vips_edits').
_VIPS_BANDS = {"L": 1, "RGB": 3, "RGBA": 4}


def _through_vips(
    image: Image.Image, operation: Callable[[Any, float], Any], sigma: float
) -> Image.Image:
    """`operation` (vips_edits.blurred or sharpened) on the Pillow image's pixels, in memory."""
    working = (
        image
        if image.mode in _VIPS_BANDS
        else image.convert("RGBA" if "A" in image.getbands() else "RGB")
    )
    bands = _VIPS_BANDS[working.mode]
    pixels = pyvips.Image.new_from_memory(
        working.tobytes(), working.width, working.height, bands, "uchar"
    )
    pixels = pixels.copy(interpretation="b-w" if bands == 1 else "srgb")
    done = operation(pixels, sigma)
    return Image.frombytes(working.mode, working.size, done.write_to_memory())


def filter_while_resizing(spec: Spec) -> tuple[VipsOperation | None, Spec]:
    """The blur or sharpen libvips may run in the pass that resizes a decode (scaled_jpeg.py),
    and the spec without it for the steps after; (None, spec) where it may not. A Gaussian
    commutes with upright turns and flips, not with a colour edit (which clips) nor with a
    thumbnail's sharpening, both of which come before it (SPEC 14's order). The pixels stay
    in libvips for both resizing and filtering: one trip out instead of two."""
    edits = spec.edits
    if not (edits.blur or edits.sharpen) or edits.changes_colour or spec.sharpen > 0:
        return None, spec
    sigma = edits.blur or edits.sharpen
    filtered = blurred if edits.blur else sharpened
    rest = attrs.evolve(spec, edits=attrs.evolve(edits, blur=0.0, sharpen=0.0))
    return (lambda pixels: filtered(pixels, sigma)), rest


def blur(image: Image.Image, spec: Spec) -> Image.Image:
    if spec.edits.blur <= 0:
        return image
    return _through_vips(image, blurred, spec.edits.blur)


def unsharp(image: Image.Image, spec: Spec) -> Image.Image:
    """`sharpen=` (not the thumbnail's mild sharpening, steps.sharpen)."""
    if spec.edits.sharpen <= 0:
        return image
    return _through_vips(image, sharpened, spec.edits.sharpen)


@functools.lru_cache(maxsize=16)
def corner(radius: int) -> Image.Image:
    """The top-left corner's alpha, `radius` pixels a side: 255 x the share of each pixel's
    area inside the circle of that radius centred at (radius, radius), computed exactly
    (rounded to the nearest of 0..255). Never modified: shared between threads."""
    r = radius
    squared = float(r * r)

    def integral(u: float) -> float:  # of sqrt(r^2 - u^2) du
        return (u * math.sqrt(max(0.0, squared - u * u)) + squared * math.asin(min(1.0, u / r))) / 2

    pixels = bytearray(r * r)
    for y in range(r):
        # distances from the centre: v across this row, u across each column
        v_low = r - y - 1
        u_full = math.sqrt(squared - (v_low + 1) ** 2)  # inside the whole row's height up to it
        u_none = math.sqrt(squared - v_low**2)  # nothing of the row inside past it
        first_inside = max(0, math.ceil(r - u_full))
        first_partial = max(0, math.floor(r - 1 - u_none) + 1)
        row = y * r
        pixels[row + first_inside : row + r] = b"\xff" * (r - first_inside)
        for x in range(first_partial, min(first_inside, r)):
            u_low, u_high = r - x - 1, r - x
            full = min(max(u_full, u_low), u_high)
            none = min(max(u_none, u_low), u_high)
            area = (full - u_low) + integral(none) - integral(full) - v_low * (none - full)
            pixels[row + x] = min(255, max(0, round(255 * area)))
    return Image.frombytes("L", (r, r), bytes(pixels))


def round_corners(image: Image.Image, spec: Spec) -> Image.Image:
    radius = min(spec.edits.radius, image.width // 2, image.height // 2)
    if radius <= 0:
        return image
    top_left = corner(radius)
    mask = Image.new("L", image.size, 255)
    right, bottom = image.width - radius, image.height - radius
    mask.paste(top_left, (0, 0))
    mask.paste(top_left.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (right, 0))
    mask.paste(top_left.transpose(Image.Transpose.FLIP_TOP_BOTTOM), (0, bottom))
    mask.paste(top_left.transpose(Image.Transpose.ROTATE_180), (right, bottom))
    if image.mode == "RGBA":
        mask = ImageChops.multiply(mask, image.getchannel("A"))
    rounded = image.convert("RGBA")  # a copy even when already RGBA: putalpha writes in place
    rounded.putalpha(mask)
    return rounded


def pad(image: Image.Image, spec: Spec) -> Image.Image:
    padding = spec.edits.pad
    if padding is None:
        return image
    size = (
        image.width + padding.left + padding.right,
        image.height + padding.top + padding.bottom,
    )
    transparent = spec.kind in ALPHA_FORMATS and spec.edits.background is None
    if transparent:
        canvas = Image.new("RGBA", size, (0, 0, 0, 0))
        canvas.paste(image.convert("RGBA"), (padding.left, padding.top))
        return canvas
    colour = background_of(spec)
    mode = image.mode
    if mode == "L" and not colour[0:2] == colour[2:4] == colour[4:6]:
        mode = "RGB"  # a grey image padded in a colour
    canvas = Image.new(mode, size, f"#{colour}")
    canvas.paste(image if image.mode == mode else image.convert(mode), (padding.left, padding.top))
    return canvas
