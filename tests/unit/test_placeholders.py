"""placeholders.py against the reference encoders: evanw's ThumbHash (transcribed below, and
vectors from its JavaScript), woltapp's BlurHash (the `blurhash` port, vectors from its
TypeScript); and placeholder_of on every mode and size."""

from __future__ import annotations

import math
import re

import blurhash
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageFilter
from skimage import data

from image_repo.adapters.imaging.placeholders import (
    Pixels,
    blurhash_of,
    placeholder_of,
    thumbhash_of,
)
from tests.images import picture

_BLURHASH = re.compile(r"[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{28}")


def _js_round(value: float) -> int:
    """Math.round: halves go up, where Python's round() goes to even."""
    return math.floor(value) + (value - math.floor(value) >= 0.5)


def _reference_thumbhash(rgba: Pixels) -> bytes:
    """evanw's rgbaToThumbHash (js/thumbhash.js) transcribed loop for loop. The PyPI ports
    are not faithful: thumbhash-python and thumbhash round halves to even (a 25x70 image
    gets another luminance size), and thumbhash 0.1.2 cannot encode alpha."""
    height, width = rgba.shape[:2]
    (lum, p, q, a), has_alpha = _reference_lpqa(rgba.reshape(-1, 4).tolist())
    l_limit = 5 if has_alpha else 7
    lx = max(1, _js_round(l_limit * width / max(width, height)))
    ly = max(1, _js_round(l_limit * height / max(width, height)))
    l_dc, l_ac, l_scale = _reference_channel(lum, width, height, max(3, lx), max(3, ly))
    p_dc, p_ac, p_scale = _reference_channel(p, width, height, 3, 3)
    q_dc, q_ac, q_scale = _reference_channel(q, width, height, 3, 3)
    is_landscape = width > height
    header24 = (
        _js_round(63 * l_dc)
        | (_js_round(31.5 + 31.5 * p_dc) << 6)
        | (_js_round(31.5 + 31.5 * q_dc) << 12)
        | (_js_round(31 * l_scale) << 18)
        | (has_alpha << 23)
    )
    header16 = (
        (ly if is_landscape else lx)
        | (_js_round(63 * p_scale) << 3)
        | (_js_round(63 * q_scale) << 9)
        | (is_landscape << 15)
    )
    out = [header24 & 255, (header24 >> 8) & 255, header24 >> 16, header16 & 255, header16 >> 8]
    factors = l_ac + p_ac + q_ac
    if has_alpha:
        a_dc, a_ac, a_scale = _reference_channel(a, width, height, 5, 5)
        out.append(_js_round(15 * a_dc) | (_js_round(15 * a_scale) << 4))
        factors += a_ac
    start = len(out)
    for index, f in enumerate(factors):
        if start + (index >> 1) == len(out):
            out.append(0)
        out[start + (index >> 1)] |= _js_round(15 * f) << ((index & 1) << 2)
    return bytes(out)


def _reference_lpqa(px: list[list[int]]) -> tuple[list[list[float]], bool]:
    """The reference's average colour, then each pixel atop it as L, P, Q and A."""
    avg_r = avg_g = avg_b = avg_a = 0.0
    for r, g, b, a in px:
        alpha = a / 255
        avg_r += alpha / 255 * r
        avg_g += alpha / 255 * g
        avg_b += alpha / 255 * b
        avg_a += alpha
    if avg_a:
        avg_r, avg_g, avg_b = avg_r / avg_a, avg_g / avg_a, avg_b / avg_a
    lpqa: list[list[float]] = [[], [], [], []]
    for r, g, b, a in px:
        alpha = a / 255
        red = avg_r * (1 - alpha) + alpha / 255 * r
        green = avg_g * (1 - alpha) + alpha / 255 * g
        blue = avg_b * (1 - alpha) + alpha / 255 * b
        values = ((red + green + blue) / 3, (red + green) / 2 - blue, red - green, alpha)
        for channel, value in zip(lpqa, values, strict=True):
            channel.append(value)
    return lpqa, avg_a < len(px)


def _reference_channel(
    channel: list[float], width: int, height: int, nx: int, ny: int
) -> tuple[float, list[float], float]:
    """The reference's encodeChannel."""
    dc, ac, scale = 0.0, [], 0.0
    for cy in range(ny):
        cx = 0
        while cx * ny < nx * (ny - cy):
            fx = [math.cos(math.pi / width * cx * (x + 0.5)) for x in range(width)]
            f = 0.0
            for y in range(height):
                fy = math.cos(math.pi / height * cy * (y + 0.5))
                for x in range(width):
                    f += channel[x + y * width] * fx[x] * fy
            f /= width * height
            if cx or cy:
                ac.append(f)
                scale = max(scale, abs(f))
            else:
                dc = f
            cx += 1
    if scale:
        ac = [0.5 + 0.5 / scale * f for f in ac]
    return dc, ac, scale


def _decoded_thumbhash(hash_: bytes) -> NDArray[np.float64]:
    """The reference's thumbHashToRGBA (as RGB, 0..1), vectorised; 32 px on the longer side."""
    header24 = hash_[0] | hash_[1] << 8 | hash_[2] << 16
    header16 = hash_[3] | hash_[4] << 8
    has_alpha, is_landscape = bool(header24 >> 23), bool(header16 >> 15)
    l_max = 5 if has_alpha else 7
    short = header16 & 7
    lx, ly = (l_max, short) if is_landscape else (short, l_max)
    ratio = lx / ly
    width, height = (32, round(32 / ratio)) if ratio > 1 else (round(32 * ratio), 32)
    nibbles = [n for byte in hash_[6 if has_alpha else 5 :] for n in (byte & 15, byte >> 4)]
    xs, ys = np.arange(width) + 0.5, np.arange(height) + 0.5

    def channel(dc: float, nx: int, ny: int, scale: float) -> NDArray[np.float64]:
        value = np.full((height, width), dc)
        for cy in range(ny):
            for cx in range(0 if cy else 1, nx):
                if cx * ny < nx * (ny - cy):
                    ac = (nibbles.pop(0) / 7.5 - 1) * scale
                    fy = np.cos(math.pi / height * ys * cy) * 2
                    value += ac * np.outer(fy, np.cos(math.pi / width * xs * cx))
        return value

    lum = channel((header24 & 63) / 63, max(3, lx), max(3, ly), (header24 >> 18 & 31) / 31)
    p = channel((header24 >> 6 & 63) / 31.5 - 1, 3, 3, (header16 >> 3 & 63) / 63 * 1.25)
    q = channel((header24 >> 12 & 63) / 31.5 - 1, 3, 3, (header16 >> 9 & 63) / 63 * 1.25)
    b = lum - 2 / 3 * p
    r = (3 * lum - b + q) / 2
    return np.clip(np.stack([r, r - q, b], axis=-1), 0, 1)


def _pattern(width: int, height: int, *, alpha: bool = False) -> Pixels:
    """Ramps and rings: every DCT term is well away from zero, so the pinned vectors do not
    hang on the last bit of cos (Node 20's differs from libm's, and so from Chrome's)."""
    y, x = np.mgrid[0:height, 0:width]
    a = 255 - (x + 2 * y) * 200 // max(width + 2 * height - 3, 1) if alpha else np.full_like(x, 255)
    rgb = [x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), (x * x + 3 * y * y) % 256]
    return np.stack([*rgb, a], axis=-1).astype(np.uint8)


def _photo(name: str, side: int, mode: str = "RGBA") -> Image.Image:
    image = Image.fromarray(getattr(data, name)()).convert(mode)
    image.thumbnail((side, side))
    return image


def _flat(width: int, height: int, colour: tuple[int, int, int, int]) -> Pixels:
    return np.full((height, width, 4), colour, dtype=np.uint8)


def _translucent(image: Image.Image) -> Pixels:
    pixels = np.array(image)
    pixels[..., 3] = np.linspace(0, 255, pixels.shape[1], dtype=np.uint8)
    return pixels


@pytest.mark.parametrize(
    "pixels",
    [
        np.asarray(_photo("astronaut", 100)),
        np.asarray(_photo("coffee", 100)),
        _translucent(_photo("chelsea", 60)),
        _flat(100, 100, (255, 255, 255, 255)),
        _flat(25, 70, (128, 64, 200, 255)),
        _flat(3, 7, (10, 200, 30, 128)),
        _flat(40, 30, (10, 200, 30, 0)),
        _flat(1, 1, (90, 40, 20, 255)),
        _flat(100, 1, (0, 0, 0, 255)),
        _pattern(1, 100, alpha=True),
    ],
    ids=lambda pixels: "x".join(map(str, pixels.shape)),
)
def test_thumbhash_is_the_reference_encoders(pixels: Pixels) -> None:
    assert thumbhash_of(pixels) == _reference_thumbhash(pixels)


@pytest.mark.parametrize(
    ("pixels", "expected"),
    [
        (_pattern(100, 67), "1ff8093d9a7077777077777777777777808008f878"),
        (_pattern(25, 70), "1f080a331a70707777777777808008f878"),  # 7 * 25 / 70: a half
        (_pattern(40, 40, alpha=True), "9d17861d102960765077756777706007f7977b787f78778777"),
        (_pattern(1, 1), "000802070000000000000000000000000000000000000000"),
    ],
)
def test_thumbhash_matches_the_javascript_reference(pixels: Pixels, expected: str) -> None:
    """Vectors from evanw's own package (npm thumbhash 0.1.1) on Node 20."""
    assert thumbhash_of(pixels).hex() == expected


@pytest.mark.parametrize(
    "pixels",
    [
        np.asarray(_photo("astronaut", 32, "RGB")),
        np.asarray(_photo("rocket", 32, "RGB")),
        _pattern(32, 20)[..., :3],
        _flat(32, 32, (200, 100, 50, 255))[..., :3],
        _flat(1, 1, (200, 100, 50, 255))[..., :3],
        _flat(32, 1, (0, 0, 0, 255))[..., :3],
    ],
    ids=lambda pixels: "x".join(map(str, pixels.shape)),
)
def test_blurhash_is_the_reference_encoders(pixels: Pixels) -> None:
    assert blurhash_of(pixels) == blurhash.encode(pixels.tolist(), 4, 3)


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [(32, 20, "L=HoLG|{$8xHq9ogjvkCgyfmfTfm"), (20, 32, "L=Hxyv|{,axGqAogjwk9geflfSfk")],
)
def test_blurhash_matches_the_typescript_reference(width: int, height: int, expected: str) -> None:
    """Vectors from woltapp's npm blurhash 2.0.5. Its TypeScript scales by the largest AC
    term, where C and Swift take the largest magnitude: these images' largest is positive."""
    assert blurhash_of(255 - _pattern(width, height)[..., :3]) == expected


def test_placeholder_of_a_small_image_hashes_its_own_pixels() -> None:
    image = _photo("astronaut", 32)
    placeholder = placeholder_of(image)
    assert placeholder.thumbhash == _reference_thumbhash(np.asarray(image))
    assert placeholder.blurhash == blurhash.encode(np.asarray(image)[..., :3].tolist(), 4, 3)


def _error(decoded: NDArray[np.float64], image: Image.Image) -> float:
    height, width = decoded.shape[:2]
    expected = np.asarray(image.convert("RGB").resize((width, height), Image.Resampling.BOX))
    return float(np.abs(decoded - expected / 255).mean())


@pytest.mark.parametrize("name", ["astronaut", "coffee", "rocket"])
def test_hashes_decode_close_to_the_image(name: str) -> None:
    """Both decode near the photo seen blurred, and far from it upside down: the hashes say
    where the colours are, not only which."""
    image = _photo(name, 400, "RGB")
    placeholder = placeholder_of(image)
    blurred = image.filter(ImageFilter.GaussianBlur(40))
    upside_down = blurred.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    height = round(32 * image.height / image.width)
    blur = np.asarray(blurhash.decode(placeholder.blurhash, 32, height)) / 255
    for decoded in (_decoded_thumbhash(placeholder.thumbhash), blur):
        assert _error(decoded, blurred) < 0.1
        assert _error(decoded, blurred) < _error(decoded, upside_down) * 0.75


def test_placeholder_is_deterministic() -> None:
    image = _photo("astronaut", 512, "RGB")
    assert placeholder_of(image) == placeholder_of(image.copy()) == placeholder_of(image)


def test_colour_is_the_largest_area_not_the_mean() -> None:
    assert placeholder_of(picture(750, 500)).color == "ffffff"  # white, beside red and blue


def test_colour_ignores_transparent_pixels() -> None:
    assert placeholder_of(picture(750, 500, "RGBA")).color == "0000ff"  # blue, then red


def test_fully_transparent_image() -> None:
    placeholder = placeholder_of(Image.new("RGBA", (60, 40), (255, 0, 0, 0)))
    assert placeholder.color == "ffffff"
    assert placeholder.thumbhash[2] & 0x80  # the alpha flag


def test_transparency_is_kept_for_thumbhash() -> None:
    opaque = picture(300, 200)
    assert placeholder_of(opaque.convert("RGBA")) == placeholder_of(opaque)
    assert not placeholder_of(opaque).thumbhash[2] & 0x80
    assert placeholder_of(picture(300, 200, "RGBA")).thumbhash[2] & 0x80


@pytest.mark.parametrize(
    "mode", ["RGB", "RGBA", "L", "LA", "P", "PA", "1", "I;16", "I", "F", "CMYK"]
)
def test_every_mode_gives_a_placeholder(mode: str) -> None:
    placeholder = placeholder_of(_photo("coffee", 300, "RGB").convert(mode))
    assert re.fullmatch(r"[0-9a-f]{6}", placeholder.color)
    assert 13 <= len(placeholder.thumbhash) <= 25
    assert _BLURHASH.fullmatch(placeholder.blurhash)


@pytest.mark.parametrize("mode", ["I;16", "I"])
def test_sixteen_bit_grey_is_scaled_to_eight(mode: str) -> None:
    grey = _photo("camera", 200, "L")
    deep = grey.convert("I").point(lambda value: value * 256).convert(mode)
    assert placeholder_of(deep) == placeholder_of(grey)


def test_palette_image_is_its_colours() -> None:
    image = picture(300, 200)
    palette = image.convert("P", palette=Image.Palette.ADAPTIVE)
    assert placeholder_of(palette) == placeholder_of(image)


def test_thumbhash_takes_at_most_100_pixels_a_side() -> None:
    with pytest.raises(ValueError, match="101x1"):
        thumbhash_of(_flat(101, 1, (0, 0, 0, 255)))


@pytest.mark.parametrize("size", [(1, 1), (10000, 1), (1, 10000), (4000, 3000), (3, 101)])
def test_any_size_gives_a_placeholder(size: tuple[int, int]) -> None:
    placeholder = placeholder_of(picture(*size))
    assert 13 <= len(placeholder.thumbhash) <= 25
    assert _BLURHASH.fullmatch(placeholder.blurhash)
    is_landscape = bool(placeholder.thumbhash[4] & 0x80)
    assert is_landscape == (size[0] > size[1])


def test_one_pixel_is_its_colour() -> None:
    assert placeholder_of(Image.new("RGB", (1, 1), (90, 40, 20))).color == "5a2814"
