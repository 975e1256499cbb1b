"""Where a `gravity=smart` crop goes: the window over the most interesting part of an image.

libvips' attention strategy is the reference (edges, saturation and skin tones). This measure is
Pillow's own, so the bytes of a key do not depend on whether the optional libvips is installed:
it scores a small copy of the image, then slides the window along the one axis a `cover` crop
cuts and keeps the position whose window holds the most interest (ties: the one nearest the
centre). All per-pixel work runs in Pillow's C code on at most `_SMALL_SIDE` pixels a side."""

from __future__ import annotations

from PIL import Image, ImageChops, ImageFilter

from image_repo.domain.spec import Window

_SMALL_SIDE = 128
# Weights of edges, saturation and skin in the score: edges (detail) lead, as in libvips.
_WEIGHTS = (1.0, 0.4, 0.6, 0.0)
# YCbCr ranges of skin tones (Chai and Ngan): Cb 77-127, Cr 133-173.
_CB = (77, 127)
_CR = (133, 173)


def interest(image: Image.Image) -> Image.Image:
    """An L image, at most `_SMALL_SIDE` a side, brighter where the image is interesting."""
    scale = min(1.0, _SMALL_SIDE / max(image.size))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    small = image.convert("RGB").resize(size, Image.Resampling.BOX)
    edges = small.convert("L").filter(ImageFilter.FIND_EDGES)
    saturation = small.convert("HSV").getchannel("S")
    _, cb, cr = small.convert("YCbCr").split()
    skin_cb = cb.point(lambda v: 255 if _CB[0] <= v <= _CB[1] else 0)
    skin_cr = cr.point(lambda v: 255 if _CR[0] <= v <= _CR[1] else 0)
    skin = ImageChops.darker(skin_cb, skin_cr)  # both ranges hold
    return Image.merge("RGB", (edges, saturation, skin)).convert("L", _WEIGHTS)


def smart_window(image: Image.Image, window: Window) -> Window:
    """`window` (as placed by `Box.cover`) moved along the axis it crops."""
    left, top, right, bottom = window.crop
    crop_w, crop_h = right - left, bottom - top
    if crop_w < image.width:
        profile = _profile(interest(image), horizontal=True)
        left = _best_start(profile, crop_w, image.width)
    elif crop_h < image.height:
        profile = _profile(interest(image), horizontal=False)
        top = _best_start(profile, crop_h, image.height)
    else:
        return window
    return Window((left, top, left + crop_w, top + crop_h), window.size)


def _profile(score: Image.Image, *, horizontal: bool) -> list[float]:
    """Mean interest per column (or row): a box-filtered resize to one row does the sums."""
    size = (score.width, 1) if horizontal else (1, score.height)
    line = score.resize(size, Image.Resampling.BOX)
    return [float(v) for v in line.tobytes()]  # L: one byte a pixel


def _best_start(profile: list[float], crop: int, full: int) -> int:
    """The window start (in image pixels) whose span of the profile sums highest."""
    cells = len(profile)
    span = max(1, min(cells, round(crop * cells / full)))
    sums = [0.0]
    for value in profile:
        sums.append(sums[-1] + value)
    centre = (cells - span) / 2
    best = max(
        range(cells - span + 1),
        key=lambda start: (round(sums[start + span] - sums[start], 6), -abs(start - centre)),
    )
    return min(full - crop, round(best * full / cells))
