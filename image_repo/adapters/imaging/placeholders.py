"""An original's placeholder (SPEC 15): its dominant colour, ThumbHash and BlurHash, computed
once at upload from small copies of its upright sRGB decode (2.5 ms for 750x500)."""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from image_repo.domain.looks import Placeholder

Pixels = NDArray[np.uint8]  # rows x columns x channels, 8-bit sRGB
_Floats = NDArray[np.float64]

_THUMBHASH_SIDE = 100  # the reference encoder refuses larger images
_BLURHASH_SIDE = 32  # 4x3 cosines need no more; the reference sums every pixel it is given
_BLURHASH_COMPONENTS = (4, 3)
_CLUSTERS = 8  # colour clusters the dominant colour is the most populous of
_BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def placeholder_of(image: Image.Image) -> Placeholder:
    """`image` in any mode and size (1x1 to 10000x1 and up). Deterministic: the same pixels
    give the same bytes, and the hashes are the reference encoders' for the small copies."""
    small = _fitted(_eight_bit(image), _THUMBHASH_SIDE)
    rgba = np.asarray(small.convert("RGBA"))
    smaller = np.asarray(_fitted(small, _BLURHASH_SIDE).convert("RGBA"))
    return Placeholder(
        color=_dominant_colour(rgba),
        thumbhash=thumbhash_of(rgba),
        blurhash=blurhash_of(_flattened(smaller)),
    )


def _eight_bit(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when the mode carries transparency. 16-bit grey is scaled to 8 bits
    (convert() would clip it at 255); float grey keeps Pillow's 0-255 convention."""
    if image.mode in ("RGB", "RGBA"):
        return image
    if image.mode in _SIXTEEN_BIT:
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif image.mode == "F":
        image = image.convert("L")
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _fitted(image: Image.Image, side: int) -> Image.Image:
    """`image` fitted inside side x side keeping its aspect ratio, never enlarged. BOX averages
    every source pixel (as a placeholder should) and `reducing_gap` shrinks a large original by
    whole factors first, so a 12 MP PNG costs a few ms."""
    width, height = image.size
    scale = side / max(width, height)
    if scale >= 1:
        return image
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(target, Image.Resampling.BOX, reducing_gap=3.0)


def _dominant_colour(rgba: Pixels) -> str:
    """The median of the most populous of a few colour clusters (Pillow's octree quantiser),
    over the pixels not fully transparent: the colour a glance takes in, which the mean of
    all pixels is not (a red and blue image averages to a purple it never shows). The median
    keeps a white background white, where resampled edges would tint a mean."""
    visible = rgba[rgba[..., 3] > 0][:, :3]
    if not len(visible):
        return "ffffff"
    row = Image.fromarray(np.ascontiguousarray(visible[np.newaxis]), "RGB")
    clusters = np.asarray(row.quantize(_CLUSTERS, method=Image.Quantize.FASTOCTREE))[0]
    largest = np.bincount(clusters).argmax()
    median = np.median(visible[clusters == largest], axis=0)
    return bytes(np.rint(median).astype(np.uint8)).hex()


def _flattened(rgba: Pixels) -> Pixels:
    """RGB for BlurHash, which has no alpha: translucent pixels composited atop the mean
    colour of the visible ones, as ThumbHash does, instead of showing whatever colour a
    transparent pixel happens to store."""
    if (rgba[..., 3] == 255).all():
        return rgba[..., :3]
    alpha = rgba[..., 3:] / 255
    total = alpha.sum()
    mean = (rgba[..., :3] * alpha).sum(axis=(0, 1)) / total if total else np.full(3, 255.0)
    return np.rint(rgba[..., :3] * alpha + mean * (1 - alpha)).astype(np.uint8)


def thumbhash_of(rgba: Pixels) -> bytes:
    """evanw's `rgbaToThumbHash` (its JavaScript reference) of at most 100x100 RGBA pixels.

    The reference's float64 operations are kept one for one, its sums in its order (a running
    sum, as `cumsum` makes) and its Math.round: the AC terms of a flat image are rounding
    noise that the encoding stretches to full scale, so a different order changes the bytes
    (though not the decoded image). The bytes are the reference's where its Math.cos is libm's
    (Chrome's V8, CPython); Node 20's fdlibm cos is 1 ulp off for 3% of the angles, which
    changes only such noise."""
    height, width = rgba.shape[:2]
    if max(height, width) > _THUMBHASH_SIDE:
        raise ValueError(f"{width}x{height} does not fit in 100x100")
    pixels = rgba.reshape(-1, 4).astype(np.float64)
    alpha = pixels[:, 3] / 255
    weighted = (alpha / 255)[:, np.newaxis] * pixels[:, :3]
    total_alpha = float(np.cumsum(alpha)[-1])
    average = np.cumsum(weighted, axis=0)[-1]
    if total_alpha:
        average = average / total_alpha
    has_alpha = total_alpha < width * height
    r, g, b = (average * (1 - alpha)[:, np.newaxis] + weighted).T
    limit = 5 if has_alpha else 7  # fewer luminance terms when alpha needs room
    lx = max(1, _js_round(limit * width / max(width, height)))
    ly = max(1, _js_round(limit * height / max(width, height)))
    l_dc, l_ac, l_scale = _dct(((r + g + b) / 3).reshape(height, width), max(3, lx), max(3, ly))
    p_dc, p_ac, p_scale = _dct(((r + g) / 2 - b).reshape(height, width), 3, 3)
    q_dc, q_ac, q_scale = _dct((r - g).reshape(height, width), 3, 3)
    is_landscape = width > height
    header24 = (
        _js_round(63 * l_dc)
        | _js_round(31.5 + 31.5 * p_dc) << 6
        | _js_round(31.5 + 31.5 * q_dc) << 12
        | _js_round(31 * l_scale) << 18
        | has_alpha << 23
    )
    header16 = (
        (ly if is_landscape else lx)
        | _js_round(63 * p_scale) << 3
        | _js_round(63 * q_scale) << 9
        | is_landscape << 15
    )
    head = [header24 & 255, header24 >> 8 & 255, header24 >> 16, header16 & 255, header16 >> 8]
    factors = [l_ac, p_ac, q_ac]
    if has_alpha:
        a_dc, a_ac, a_scale = _dct(alpha.reshape(height, width), 5, 5)
        head.append(_js_round(15 * a_dc) | _js_round(15 * a_scale) << 4)
        factors.append(a_ac)
    return bytes(head) + _nibbles(np.concatenate(factors))


def _dct(channel: _Floats, nx: int, ny: int) -> tuple[float, _Floats, float]:
    """The reference's `encodeChannel`: the DC term, the AC terms mapped to 0..1 and their
    scale. Each term is a running sum over the pixels row by row of (value * fx) * fy."""
    height, width = channel.shape
    terms = [(cx, cy) for cy in range(ny) for cx in range(nx) if cx * ny < nx * (ny - cy)]
    fx = np.array([_cosines(width, cx) for cx, _ in terms])
    fy = np.array([_cosines(height, cy) for _, cy in terms])
    products = np.multiply(channel, fx[:, np.newaxis, :])
    products *= fy[:, :, np.newaxis]
    rows = products.reshape(len(terms), -1)
    np.cumsum(rows, axis=1, out=rows)
    sums = rows[:, -1] / (width * height)
    ac = sums[1:]
    scale = float(np.abs(ac).max()) if len(ac) else 0.0
    if scale:
        ac = 0.5 + 0.5 / scale * ac
    return float(sums[0]), ac, scale


@functools.lru_cache(maxsize=1024)
def _cosines(size: int, term: int) -> tuple[float, ...]:
    """cos(PI / size * term * (x + 0.5)) with libm's cos, which numpy's SIMD cos may not equal
    to the last bit; kept, as most originals fit into the same few sizes."""
    return tuple(math.cos(math.pi / size * term * (x + 0.5)) for x in range(size))


def _nibbles(factors: _Floats) -> bytes:
    """AC factors (0..1) as 4-bit values, two a byte, the first in the low half."""
    values = _js_rounded(15 * factors).astype(np.uint8)
    if len(values) % 2:
        values = np.append(values, np.uint8(0))
    return bytes(values[0::2] | values[1::2] << 4)


def _js_round(value: float) -> int:
    """JavaScript's Math.round: halves go up (Python's round() takes them to even)."""
    whole = math.floor(value)
    return int(whole + (value - whole >= 0.5))


def _js_rounded(values: _Floats) -> _Floats:
    whole = np.floor(values)
    return whole + (values - whole >= 0.5)


def blurhash_of(rgb: Pixels) -> str:
    """woltapp's BlurHash of 8-bit sRGB pixels with 4x3 components: its reference encoders'
    steps (C and Swift: the largest AC magnitude sets the scale, 166ths) in float64, with the
    sums as matrix products; the quantisation makes them agree with a running sum."""
    height, width = rgb.shape[:2]
    nx, ny = _BLURHASH_COMPONENTS
    linear = _LINEAR[rgb]
    cos_x = np.array([[math.cos(math.pi * i * x / width) for x in range(width)] for i in range(nx)])
    cos_y = np.array(
        [[math.cos(math.pi * j * y / height) for y in range(height)] for j in range(ny)]
    )
    by_row = np.tensordot(cos_y, linear, axes=(1, 0))  # ny x width x 3
    factors = np.einsum("ix,jxc->jic", cos_x, by_row).reshape(nx * ny, 3) / (width * height)
    dc, ac = factors[0], factors[1:] * 2
    largest = float(np.abs(ac).max())
    quantised_largest = int(max(0, min(82, math.floor(largest * 166 - 0.5))))
    scale = (quantised_largest + 1) / 166
    steps = np.clip(np.floor(np.copysign(np.sqrt(np.abs(ac / scale)), ac) * 9 + 9.5), 0, 18)
    r, g, b = steps.astype(np.int64).T
    srgb = [_linear_to_srgb(float(value)) for value in dc]
    return (
        _base83((nx - 1) + (ny - 1) * 9, 1)
        + _base83(quantised_largest, 1)
        + _base83((srgb[0] << 16) + (srgb[1] << 8) + srgb[2], 4)
        + "".join(_base83(int(value), 2) for value in r * 19 * 19 + g * 19 + b)
    )


def _srgb_to_linear(value: int) -> float:
    v = value / 255
    return v / 12.92 if v <= 0.04045 else math.pow((v + 0.055) / 1.055, 2.4)


def _linear_to_srgb(value: float) -> int:
    v = max(0.0, min(1.0, value))
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * math.pow(v, 1 / 2.4) - 0.055) * 255 + 0.5)


def _base83(value: int, length: int) -> str:
    return "".join(_BASE83[value // 83 ** (length - i) % 83] for i in range(1, length + 1))


_LINEAR = np.array([_srgb_to_linear(value) for value in range(256)])
