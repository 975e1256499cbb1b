"""The derivation pipeline's steps, imgproxy-style: each takes an image and returns one."""

from __future__ import annotations

import functools
from collections.abc import Callable

from PIL import Image, ImageFilter

from image_repo.adapters.imaging.colour import in_srgb
from image_repo.adapters.imaging.edit_steps import (
    background_of,
    blur,
    colour,
    flip,
    pad,
    rotate,
    round_corners,
    trim,
    unsharp,
)
from image_repo.adapters.imaging.formats import ALPHA_FORMATS
from image_repo.adapters.imaging.resampling import Resample, pillow_resample
from image_repo.adapters.imaging.smart_crop import smart_window
from image_repo.domain.spec import Gravity, Spec

Step = Callable[[Image.Image, Spec], Image.Image]

ORIENTATION_TAG = 0x0112
_TRANSPOSE_FOR_ORIENTATION: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def orientation_of(image: Image.Image) -> int:
    """The EXIF orientation (1 when absent, out of range or unreadable: a corrupt EXIF block
    must not make an image unservable)."""
    try:
        value = image.getexif().get(ORIENTATION_TAG, 1)
    except Exception:
        return 1
    return value if isinstance(value, int) and value in range(1, 9) else 1


def header_orientation(image: Image.Image) -> int:
    """The orientation without decoding pixels. Pillow reaches a PNG's EXIF chunk that follows
    the pixel data only by decoding the whole image (400 ms for 12 MP), so such a late chunk is
    not read here; the `orient` step still applies it after loading."""
    if image.format == "PNG" and "exif" not in image.info:
        return 1
    return orientation_of(image)


def swaps_sides(orientation: int) -> bool:
    return orientation in (5, 6, 7, 8)


def orient(image: Image.Image, _spec: Spec) -> Image.Image:
    """Apply EXIF orientation to the pixels, so the output needs no tag to be upright."""
    return upright(image, orientation_of(image))


def upright(image: Image.Image, orientation: int) -> Image.Image:
    """`image`, taken as stored with that EXIF orientation, turned upright."""
    method = _TRANSPOSE_FOR_ORIENTATION.get(orientation)
    return image if method is None else image.transpose(method)


def to_srgb(image: Image.Image, _spec: Spec) -> Image.Image:
    """Convert pixels to sRGB while the embedded profile is still known (colour.py), then to a
    mode every later step handles (L, RGB or RGBA); the profile itself is dropped at encode
    time."""
    return _to_working_mode(in_srgb(image))


def _to_working_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("L", "RGB", "RGBA"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit grey: scale to 8 bits instead of letting convert() clip at 255.
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


_REDUCING_GAP = 2.0
_FRAME_REDUCING_GAP = 1.5


def fit(image: Image.Image, spec: Spec, resample: Resample = pillow_resample) -> Image.Image:
    """Fit the box keeping the aspect ratio, never enlarging. `reducing_gap` lets Pillow
    shrink by whole factors first (fast) and resample with LANCZOS only the last step."""
    return _fit(image, spec, _REDUCING_GAP, resample)


def fit_frame(image: Image.Image, spec: Spec) -> Image.Image:
    """`fit` for the frames of an animation: a hundred frames of a few hundred pixels each,
    shown for a few milliseconds, are reduced by whole factors sooner (2.5x faster on 640x480
    to 200 px), as libvips' thumbnail does."""
    return _fit(image, spec, _FRAME_REDUCING_GAP, pillow_resample)


def _fit(image: Image.Image, spec: Spec, reducing_gap: float, resample: Resample) -> Image.Image:
    if spec.box is None or spec.is_cover:
        return image
    target = spec.box.fit(*image.size)
    if target == image.size:
        return image
    return resample(image, target, reducing_gap)


def cover(image: Image.Image, spec: Spec, resample: Resample = pillow_resample) -> Image.Image:
    """`fit=cover`: crop the window `gravity` picks, then scale it to the box; never
    enlarging. Cropped first, so no pixel outside the window bleeds in through the filter."""
    if spec.box is None or not spec.is_cover:
        return image
    window = spec.box.cover(image.width, image.height, spec.gravity, spec.turned_aim)
    if spec.gravity is Gravity.SMART:
        window = smart_window(image, window)
    if window.size == image.size and window.crop == (0, 0, *image.size):
        return image
    cropped = image.crop(window.crop)
    if cropped.size == window.size:
        return cropped
    return resample(cropped, window.size, _REDUCING_GAP)


def sharpen(image: Image.Image, spec: Spec) -> Image.Image:
    """A mild unsharp mask after a strong downscale restores the crispness thumbnails lose."""
    if spec.sharpen <= 0:
        return image
    percent = round(spec.sharpen * 100)
    return image.filter(ImageFilter.UnsharpMask(radius=1.0, percent=percent, threshold=2))


def flatten(image: Image.Image, spec: Spec) -> Image.Image:
    """Composite alpha onto the background colour (`background=`, else images.background) for
    formats that cannot carry it."""
    if image.mode != "RGBA" or spec.kind in ALPHA_FORMATS:
        return image
    background = Image.new("RGB", image.size, f"#{background_of(spec)}")
    background.paste(image, mask=image.getchannel("A"))
    return background


# Preparation depends on the original alone, never on the spec, so its result can be reused for
# every size of one original (prepared_images.py); finishing depends on the spec. The edits
# (edit_steps.py, SPEC 14) are all finishing: what is kept between sizes is never edited.
PREPARATION: tuple[Step, ...] = (orient, to_srgb)
# Before the box: trim, then rotate and flip. After it: colour, blur or sharpen, rounded
# corners, padding; flattening last. Each edit step returns its input when not asked for.
_BEFORE_BOX: tuple[Step, ...] = (trim, rotate, flip)
_AFTER_BOX: tuple[Step, ...] = (colour, blur, unsharp, round_corners, pad, flatten)
FINISHING: tuple[Step, ...] = (*_BEFORE_BOX, fit, cover, sharpen, *_AFTER_BOX)
PIPELINE: tuple[Step, ...] = PREPARATION + FINISHING


def finishing(resample: Resample) -> tuple[Step, ...]:
    """FINISHING with resizing done by `resample` (resampling.py: Pillow's or libvips')."""
    if resample is pillow_resample:
        return FINISHING
    return (
        *_BEFORE_BOX,
        functools.partial(fit, resample=resample),
        functools.partial(cover, resample=resample),
        sharpen,
        *_AFTER_BOX,
    )


# An animation's frames: trimmed apart from these (animation.py), to the first frame's box, so
# every frame keeps its place.
FRAME_FINISHING: tuple[Step, ...] = (rotate, flip, fit_frame, cover, sharpen, *_AFTER_BOX)
FRAME_PIPELINE: tuple[Step, ...] = (*PREPARATION, *FRAME_FINISHING)
