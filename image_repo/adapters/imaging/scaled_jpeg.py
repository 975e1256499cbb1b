"""A JPEG decoded straight to the size asked, when no decode is kept for the next size.

Pillow's DCT scaling (`draft`) offers 1/2, 1/4 and 1/8; libjpeg-turbo also decodes at any M/8.
A photo 2040 px wide fitted into 512 px (the field's benchmark, bench/servers.py) is 510 px
at 2/8, just short, so Pillow decodes it at 1020 px, copies those pixels out for libvips
(1.2 ms) and resamples them. Decoded at 3/8 (765 px) by libjpeg-turbo itself (simplejpeg),
straight into a buffer libvips reads in place, the same derivation costs 0.8 ms less of ~8.

Only the plainest JPEGs take this path: YCbCr or grey, no colour profile but sRGB (the
profile is dropped, as `colour.in_srgb` would), fitted into a box. Everything else, and any
JPEG this decoder refuses (it is stricter about damage than Pillow), is Pillow's.
"""

from __future__ import annotations

from typing import Any

import simplejpeg
from PIL import Image

from image_repo.adapters.imaging.resampling import VipsOperation, vips_resized

_COLOURSPACES = {"RGB": "RGB", "L": "GRAY"}


def decode_scaled(
    data: bytes, mode: str, size: tuple[int, int], then: VipsOperation | None = None
) -> Image.Image | None:
    """`data` decoded at the smallest M/8 scale at least `size`, then resampled to exactly
    `size` with libvips' lanczos3 (and `then` in the same libvips pass); None when this path
    cannot decode it."""
    colourspace = _COLOURSPACES.get(mode)
    if colourspace is None:
        return None
    width, height = size
    try:
        array: Any = simplejpeg.decode_jpeg(data, colourspace, min_width=width, min_height=height)
    except ValueError:
        return None
    decoded_h, decoded_w = array.shape[:2]
    if (decoded_w, decoded_h) == size and then is None:
        return Image.frombuffer(mode, size, array.tobytes(), "raw", mode, 0, 1)
    bands = 1 if mode == "L" else 3
    resized = vips_resized(array.data, (decoded_w, decoded_h), bands, size, then)
    return Image.frombuffer(mode, size, resized, "raw", mode, 0, 1)
