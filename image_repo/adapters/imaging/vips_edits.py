"""SPEC 14's edits on pyvips images, for VipsProcessor: the same pixels as Pillow's
(edit_steps.py) within a few levels of 255.

Before the box: `trimmed` (on the upright, full-size image), then `turned` (rotate clockwise,
then flip). The box is applied to the image before it is turned, so a shrink-on-load still
applies: `turned_box` and `turned_gravity` say what box and gravity ask the same of it. After
the box, `finished`: colour adjustments, blur or sharpen, rounded corners, padding.

An animation loaded whole is a strip of frames (`page-height`): every step here treats each
frame alike (`per_page`), and a trim cuts every frame to the first frame's box.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyvips

from image_repo.domain.edits import Edits, Flip
from image_repo.domain.spec import Box, Gravity, Spec

Image = Any  # pyvips.Image, untyped
Op = Callable[[Image], Image]

# Clockwise from the top: what each quarter turn moves a side to.
_SIDES = (Gravity.NORTH, Gravity.EAST, Gravity.SOUTH, Gravity.WEST)
_ROTATIONS = {90: "d90", 180: "d180", 270: "d270"}
_FLIPPED = {
    Flip.HORIZONTAL: {Gravity.EAST: Gravity.WEST, Gravity.WEST: Gravity.EAST},
    Flip.VERTICAL: {Gravity.NORTH: Gravity.SOUTH, Gravity.SOUTH: Gravity.NORTH},
}
# Rec. 601 luma of the encoded values, as Pillow's convert("L") (not libvips' b-w, which
# works in linear light).
_LUMA = (0.299, 0.587, 0.114)
_MID_GREY = 128


def page_height(image: Image) -> int:
    """The height of one frame: the whole height unless `image` is a strip of frames."""
    if image.get_typeof("page-height"):
        height = int(image.get("page-height"))
        if 0 < height < image.height and image.height % height == 0:
            return height
    return int(image.height)


def per_page(image: Image, op: Op) -> Image:
    """`op` on each frame of a strip, joined again with the new frame height; `op` alone on a
    still image."""
    height = page_height(image)
    if height == image.height:
        return op(image)
    frames = [op(image.crop(0, top, image.width, height)) for top in range(0, image.height, height)]
    joined = pyvips.Image.arrayjoin(frames, across=1).copy()
    joined.set_type(pyvips.GValue.gint_type, "page-height", frames[0].height)
    return joined


def _uchar(image: Image) -> Image:
    """Back to 8 bits, rounded to nearest and clipped (a plain cast truncates)."""
    return image.linear(1, 0.5).cast("uchar") if image.format != "uchar" else image


def _split(image: Image) -> tuple[Image, Image | None]:
    if image.hasalpha():
        return image.extract_band(0, n=image.bands - 1), image.extract_band(image.bands - 1)
    return image, None


def _joined(colour: Image, alpha: Image | None) -> Image:
    return colour if alpha is None else colour.bandjoin(alpha)


# Before the box


def trimmed(image: Image, threshold: int) -> Image:
    """The box of what differs from the top-left pixel by more than `threshold` on some
    channel (alpha included); the whole image when nothing does. On a strip, the first
    frame's box, cut from every frame."""
    first = image.crop(0, 0, image.width, page_height(image))
    corner = first.getpoint(0, 0)
    content = (first - corner).abs() > threshold
    if content.bands > 1:
        content = content.bandbool("or")
    columns, rows = content.profile()  # first content pixel from the top / from the left
    top, left = int(columns.min()), int(rows.min())
    if top >= first.height:
        return image  # all one colour: nothing to keep apart
    columns, rows = content.rot("d180").profile()
    bottom, right = first.height - int(columns.min()), first.width - int(rows.min())
    if (left, top, right, bottom) == (0, 0, first.width, first.height):
        return image
    return per_page(image, lambda frame: frame.crop(left, top, right - left, bottom - top))


def turned(image: Image, edits: Edits) -> Image:
    """Rotated clockwise, then flipped."""
    if not edits.rotate and edits.flip is None:
        return image

    def turn(frame: Image) -> Image:
        if edits.rotate:
            frame = frame.rot(_ROTATIONS[edits.rotate])
        if edits.flip in (Flip.HORIZONTAL, Flip.BOTH):
            frame = frame.flip("horizontal")
        if edits.flip in (Flip.VERTICAL, Flip.BOTH):
            frame = frame.flip("vertical")
        return frame

    return per_page(image, turn)


def swaps_sides(edits: Edits) -> bool:
    return edits.rotate in (90, 270)


def turned_box(box: Box | None, edits: Edits) -> Box | None:
    """The box that, applied before `turned`, gives the image `box` gives after it."""
    if box is None or not swaps_sides(edits):
        return box
    return Box(box.height, box.width)


def turned_gravity(gravity: Gravity, edits: Edits) -> Gravity:
    """The side of the image before `turned` that becomes side `gravity` after it."""
    if edits.flip is not None:
        for flip in (Flip.HORIZONTAL, Flip.VERTICAL):
            if edits.flip in (flip, Flip.BOTH):
                gravity = _FLIPPED[flip].get(gravity, gravity)
    if gravity in _SIDES and edits.rotate:
        gravity = _SIDES[(_SIDES.index(gravity) - edits.rotate // 90) % 4]
    return gravity


# After the box


def colour_map(edits: Edits) -> tuple[list[list[float]], float]:
    """edit_steps.colour_matrix: out = matrix . p + offset on the encoded values, with
    g = 1 + contrast/100, d = 2.55 brightness, s = 0 (grayscale) or 1 + saturation/100:
    matrix = g (s I + (1 - s) [1 1 1]^T luma^T), offset = g (d - 128) + 128."""
    gain = 1 + edits.contrast / 100
    offset = gain * (2.55 * edits.brightness - _MID_GREY) + _MID_GREY
    saturation = 0.0 if edits.grayscale else 1 + edits.saturation / 100
    matrix = [
        [
            gain * ((saturation if row == column else 0.0) + (1 - saturation) * _LUMA[column])
            for column in range(3)
        ]
        for row in range(3)
    ]
    return matrix, offset


def recoloured(image: Image, edits: Edits) -> Image:
    """Brightness, contrast, saturation and grayscale as one affine map, rounded once; alpha
    kept. Grayscale of a colour image is one band (with its alpha, three equal ones: as
    Pillow's RGBA)."""
    matrix, offset = colour_map(edits)
    colour, alpha = _split(image)
    if colour.bands < 3:  # grey: the rows sum to the gain, a grey pixel's
        return _joined(_uchar(colour.linear(sum(matrix[0]), offset)), alpha)
    if edits.grayscale:
        luma = _uchar(colour.recomb(pyvips.Image.new_from_array([matrix[0]])).linear(1, offset))
        if alpha is None:
            return luma.copy(interpretation="b-w")
        return luma.bandjoin([luma, luma, alpha]).copy(interpretation="srgb")
    mapped = colour.recomb(pyvips.Image.new_from_array(matrix)).linear(1, offset)
    return _joined(_uchar(mapped), alpha)


def _premultiplied(image: Image, op: Op) -> Image:
    """`op` on premultiplied pixels where there is alpha: transparent pixels' colours must not
    bleed into their neighbours. In 8 bits before and after, as Pillow's RGBa is: an alpha
    pushed past 255 by sharpening must not divide its colours."""
    if not image.hasalpha():
        return _uchar(op(image))
    return _uchar(_uchar(op(_uchar(image.premultiply()))).unpremultiply())


def _gaussian(image: Image, sigma: float) -> Image:
    """libvips' Gaussian of standard deviation `sigma` in 8 bits (its integer path, with the
    kernel cut where it falls under 0.2 of its peak): SPEC 14's blur, for both processors
    (edit_steps.py hands Pillow's pixels here), so they agree to the pixel."""
    return _uchar(_uchar(image).gaussblur(sigma))


def blurred(image: Image, sigma: float) -> Image:
    """A Gaussian of standard deviation `sigma`."""
    return per_page(image, lambda frame: _premultiplied(frame, lambda p: _gaussian(p, sigma)))


def sharpened(image: Image, sigma: float) -> Image:
    """An unsharp mask, amount 1, threshold 0: p + (p - gauss(p, sigma)) on every band."""

    def sharpen(pixels: Image) -> Image:
        return pixels * 2 - _gaussian(pixels, sigma)

    return per_page(image, lambda frame: _premultiplied(frame, sharpen))


def _corner(radius: int) -> Image:
    """The top-left corner of a rounded mask, antialiased: 255 inside the circle, 0 outside."""
    xy = pyvips.Image.xyz(radius, radius) + 0.5
    dx = xy.extract_band(0) - radius
    dy = xy.extract_band(1) - radius
    inside = (radius + 0.5 - (dx * dx + dy * dy) ** 0.5) * 255
    return _uchar(inside)


def _with_alpha(image: Image) -> Image:
    return image if image.hasalpha() else image.bandjoin(255)


def rounded(image: Image, radius: int) -> Image:
    """Corners of `radius` pixels made transparent (flattening, for kinds without alpha, then
    fills them with the background)."""

    def round_frame(frame: Image) -> Image:
        r = min(radius, frame.width // 2, frame.height // 2)
        if r < 1:
            return frame
        corner = _corner(r)
        mask = (pyvips.Image.black(frame.width, frame.height) + 255).cast("uchar")
        mask = mask.insert(corner, 0, 0).insert(corner.flip("horizontal"), frame.width - r, 0)
        mask = mask.insert(corner.flip("vertical"), 0, frame.height - r)
        mask = mask.insert(corner.rot("d180"), frame.width - r, frame.height - r)
        colour, alpha = _split(frame)
        if alpha is None:
            return colour.bandjoin(mask)
        return colour.bandjoin(_uchar(alpha * mask / 255))

    return per_page(image, round_frame)


def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (0, 2, 4)]


def _is_grey(hex_colour: str) -> bool:
    red, green, blue = _rgb(hex_colour)
    return red == green == blue


def in_colour_for(image: Image, hex_colour: str) -> Image:
    """A grey image in sRGB when a colour that is not grey will be painted or flattened on."""
    if image.bands < 3 and not _is_grey(hex_colour):
        return image.colourspace("srgb")
    return image


def padded(image: Image, edits: Edits) -> Image:
    """`edits.pad` pixels around each frame: opaque `edits.background`, else transparent
    (flattening, for kinds without alpha, then fills them with the background)."""
    pad = edits.pad
    if pad is None:
        return image
    if edits.background is not None:
        image = in_colour_for(image, edits.background)
        colour = _rgb(edits.background)[: 1 if image.bands < 3 else 3]
        fill = [*colour, 255] if image.hasalpha() else colour
    else:
        image = _with_alpha(image)
        fill = [0] * image.bands

    def pad_frame(frame: Image) -> Image:
        width = frame.width + pad.left + pad.right
        height = frame.height + pad.top + pad.bottom
        return frame.embed(pad.left, pad.top, width, height, extend="background", background=fill)

    return per_page(image, pad_frame)


def finished(image: Image, spec: Spec) -> Image:
    """After the box, in SPEC 14's order: colour, blur or sharpen, radius, pad."""
    edits = spec.edits
    if edits.changes_colour:
        image = recoloured(image, edits)
    if edits.blur:
        image = blurred(image, edits.blur)
    elif edits.sharpen:
        image = sharpened(image, edits.sharpen)
    if edits.radius or edits.pad is not None:
        image = in_colour_for(image, spec.background)
    if edits.radius:
        image = rounded(image, edits.radius)
    return padded(image, edits)
