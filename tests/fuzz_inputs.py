"""Fuzz inputs: small valid files of every accepted format, and seeded mutations of them."""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterator

import attrs
from PIL import Image, features

from tests.images import encoded, exif_with_gps, picture


def _animation(image_format: str, **options: object) -> bytes:
    frames = [picture(48, 36), picture(48, 36).rotate(90), picture(48, 36).rotate(180)]
    buffer = io.BytesIO()
    frames[0].save(buffer, image_format, save_all=True, append_images=frames[1:], **options)
    return buffer.getvalue()


def _photo(mode: str = "RGB") -> Image.Image:
    """Shapes under grain, so compressed data is not all runs."""
    noise = random.Random(64).randbytes(64 * 48)
    grain = Image.frombytes("L", (64, 48), noise).convert(mode)
    return Image.blend(picture(64, 48, mode), grain, 0.25)


# (name, format family, maker). Every accepted input format; AVIF where this Pillow writes it.
SEEDS: tuple[tuple[str, str, Callable[[], bytes]], ...] = (
    ("jpeg", "jpeg", lambda: encoded(_photo(), "JPEG", exif=exif_with_gps())),
    ("jpeg-progressive", "jpeg", lambda: encoded(_photo(), "JPEG", progressive=True)),
    ("png", "png", lambda: encoded(_photo(), "PNG")),
    ("png-rgba", "png", lambda: encoded(_photo("RGBA"), "PNG")),
    ("png-palette", "png", lambda: encoded(_photo().convert("P"), "PNG")),
    ("apng", "png", lambda: _animation("PNG", duration=40)),
    ("gif", "gif", lambda: encoded(_photo().convert("P"), "GIF")),
    ("gif-animated", "gif", lambda: _animation("GIF", duration=40)),
    ("webp", "webp", lambda: encoded(_photo(), "WEBP", quality=80)),
    ("webp-lossless", "webp", lambda: encoded(_photo("RGBA"), "WEBP", lossless=True)),
    ("webp-animated", "webp", lambda: _animation("WEBP", duration=40)),
    ("tiff-lzw", "tiff", lambda: encoded(_photo(), "TIFF", compression="tiff_lzw")),
    ("tiff-raw", "tiff", lambda: encoded(_photo(), "TIFF")),
    ("tiff-pages", "tiff", lambda: _animation("TIFF", compression="tiff_deflate")),
    ("bmp", "bmp", lambda: encoded(_photo(), "BMP")),
    ("bmp-palette", "bmp", lambda: encoded(_photo().convert("P"), "BMP")),
    ("heic", "heif", lambda: encoded(_photo(), "HEIF", quality=80)),
    *(
        (("avif", "avif", lambda: encoded(_photo(), "AVIF", quality=60)),)
        if features.check("avif")
        else ()
    ),
)


def _flip(data: bytes, rng: random.Random) -> bytes:
    mutated = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        mutated[rng.randrange(len(mutated))] = rng.randrange(256)
    return bytes(mutated)


def _cut(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def _repeat(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    chunk = data[start : start + rng.randint(1, 256)]
    at = rng.randrange(len(data))
    return data[:at] + chunk * rng.randint(1, 4) + data[at:]


def _remove(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, 256) :]


def _flip_header(data: bytes, rng: random.Random) -> bytes:
    """Headers hold sizes, counts and offsets: where a parser trusts what it reads."""
    mutated = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        mutated[rng.randrange(min(len(mutated), 64))] = rng.randrange(256)
    return bytes(mutated)


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "flip": _flip,
    "flip-header": _flip_header,
    "cut": _cut,
    "repeat": _repeat,
    "remove": _remove,
}


@attrs.frozen
class Mutant:
    seed_name: str
    family: str
    mutation: str
    data: bytes


def mutants(count: int, seed: int) -> Iterator[Mutant]:
    """`count` mutants, round-robin over the seed files; the same `seed` gives the same bytes
    (apart from AVIF and HEIC encoders, which this does not pin)."""
    rng = random.Random(seed)
    originals = [(name, family, make()) for name, family, make in SEEDS]
    for index in range(count):
        name, family, data = originals[index % len(originals)]
        mutation = rng.choice(sorted(MUTATIONS))
        yield Mutant(name, family, mutation, MUTATIONS[mutation](data, rng))
