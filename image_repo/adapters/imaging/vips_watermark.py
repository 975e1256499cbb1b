"""Watermarks in libvips (SPEC 14): the mark Pillow prepares (watermark.py: decoded once per
ETag, scaled, its opacity in its alpha) composited with libvips, at the same place, so both
processors mark alike."""

from __future__ import annotations

from typing import Any

import pyvips

from image_repo.adapters.imaging.watermark import placement, prepared_mark
from image_repo.domain.edits import Watermark, WatermarkPosition


def vips_marked(image: Any, watermark: Watermark, data: bytes) -> Any:
    """`image` (sRGB or B_W, with or without alpha, 8 bits) with the watermark composited;
    its bands kept."""
    size = (image.width, image.height)
    logo = prepared_mark(watermark.etag, data, size, watermark.scale, watermark.opacity)
    is_grey = image.bands in (1, 2)
    if is_grey:  # Pillow's luma, as the Pillow processor's RGBA -> L gives
        logo = logo.convert("LA")
    mark = pyvips.Image.new_from_memory(
        logo.tobytes(), logo.width, logo.height, logo_bands := len(logo.getbands()), "uchar"
    )
    mark = mark.copy(interpretation="b-w" if is_grey else "srgb")
    if watermark.position is WatermarkPosition.TILE:
        across = -(-image.width // mark.width)
        down = -(-image.height // mark.height)
        layer = mark.replicate(across, down).crop(0, 0, image.width, image.height)
        left = top = 0
    else:
        layer = mark
        left, top = placement(size, (mark.width, mark.height), watermark.position)
    has_alpha = image.hasalpha()
    base = image if has_alpha else image.bandjoin(255)
    space = "b-w" if is_grey else "srgb"
    result = base.composite2(layer, "over", x=left, y=top, compositing_space=space)
    result = result.cast("uchar").copy(interpretation=space)
    return result if has_alpha else result.extract_band(0, n=logo_bands - 1)
