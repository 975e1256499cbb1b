"""Resampling a decoded Pillow image: Pillow's LANCZOS, or libvips' lanczos3 where installed.

Pillow's LANCZOS is plain C; libvips' `resize` is vectorised. On the field's workload (a photo
about 2040 px wide fitted into 512x512) Pillow spends 5.6 ms resizing a JPEG decoded at half
scale and 23 ms a WebP decoded whole; libvips does the same in 1.5 and 3 ms (bench/servers.py).
So the `auto` processor decodes and encodes where each format is fastest and resamples here,
handing the pixels to libvips and back (two copies of the small side, ~0.3 ms).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PIL import Image

Resample = Callable[[Image.Image, tuple[int, int], float], Image.Image]
"""(image, target size, reducing gap) -> the image at the target size."""


def pillow_resample(image: Image.Image, size: tuple[int, int], reducing_gap: float) -> Image.Image:
    """Whole factors first by box averaging (`reducing_gap`), LANCZOS for the rest."""
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=reducing_gap)


# The modes libvips takes as they are (8 bits a band); alpha is premultiplied first, as Pillow
# does, so transparent pixels' colours do not bleed into their neighbours.
_PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}
_BANDS = {"L": 1, "RGB": 3, "RGBa": 4, "La": 2}


def vips_resample(image: Image.Image, size: tuple[int, int], reducing_gap: float) -> Image.Image:
    """libvips' `resize` (box shrink by whole factors beyond its own gap of 2, lanczos3 for the
    rest); other modes (16 bits, palettes, CMYK) go through Pillow."""
    mode = _PREMULTIPLIED.get(image.mode, image.mode)
    bands = _BANDS.get(mode)
    if bands is None or image.width < 2 or image.height < 2:
        return pillow_resample(image, size, reducing_gap)
    working = image.convert(mode) if mode != image.mode else image
    resized = vips_resized(working.tobytes(), working.size, bands, size)
    result = Image.frombuffer(mode, size, resized, "raw", mode, 0, 1)
    return result.convert(image.mode) if mode != image.mode else result


# A libvips operation on a pyvips image (pyvips is typed Any).
VipsOperation = Callable[[Any], Any]


def vips_resized(
    pixels: Any,
    pixel_size: tuple[int, int],
    bands: int,
    size: tuple[int, int],
    then: VipsOperation | None = None,
) -> bytes:
    """8-bit `pixels` (any buffer, read in place) of `pixel_size` resized by libvips to exactly
    `size`: box shrink by whole factors beyond its own gap of 2, lanczos3 for the rest.
    `then`: a libvips operation on the resized pixels in the same pass (a blur: one trip of
    the pixels out of libvips instead of two)."""
    import pyvips  # the module is only used when libvips is installed (images.processor)

    width, height = pixel_size
    source = pyvips.Image.new_from_memory(pixels, width, height, bands, "uchar")
    source = source.copy(interpretation="b-w" if bands == 1 else "srgb")
    resized: Any = source
    if (width, height) != size:
        resized = source.resize(size[0] / width, vscale=size[1] / height, kernel="lanczos3")
        if (resized.width, resized.height) != size:  # rounding: never a pixel off the box
            resized = resized.gravity("centre", size[0], size[1], extend="copy")
    if then is not None:
        # in memory first: else the filter's overlapping windows would resize again
        resized = then(resized.copy_memory() if resized is not source else source)
    return bytes(resized.write_to_memory())
