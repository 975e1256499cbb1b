"""Watermarks in Pillow (SPEC 14): a watermark image decoded once per ETag, scaled once per
width, composited onto a finished image at a position or tiled.

The libvips processor composites the same prepared watermark (`prepared_mark`, an RGBA
Pillow image handed over as bytes), so both processors place and blend it alike."""

from __future__ import annotations

import functools
import io

from PIL import Image

from image_repo.domain.edits import Watermark, WatermarkPosition
from image_repo.domain.errors import WatermarkUnavailableError

# A watermark is a logo: past this many pixels it is refused (a 422 naming it), so a huge
# image named as a watermark cannot make every marked request decode it.
MAX_WATERMARK_PIXELS = 16_000_000
# Decoded watermarks kept (one per ETag) and their scaled copies (per width and opacity).
_DECODED_KEPT = 8
_SCALED_KEPT = 64


@functools.lru_cache(maxsize=_DECODED_KEPT)
def _decoded(etag: str, data: bytes) -> Image.Image:
    """The watermark as RGBA. `etag` names `data` (the cache's key in effect: lru_cache
    compares the bytes only when the ETags are equal)."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > MAX_WATERMARK_PIXELS:
                raise WatermarkUnavailableError(
                    f"the watermark image is {opened.width}x{opened.height}, over"
                    f" {MAX_WATERMARK_PIXELS} pixels"
                )
            opened.seek(0)
            return opened.convert("RGBA")
    except WatermarkUnavailableError:
        raise
    except Exception as error:
        raise WatermarkUnavailableError(f"the watermark image does not decode: {error}") from error


@functools.lru_cache(maxsize=_SCALED_KEPT)
def prepared_mark(
    etag: str, data: bytes, image_size: tuple[int, int], scale: float, opacity: float
) -> Image.Image:
    """The watermark scaled for an image of `image_size` (`mark_size`), its alpha times
    `opacity`."""
    decoded = _decoded(etag, data)
    size = mark_size(image_size, decoded.size, scale)
    scaled = decoded.resize(size, Image.Resampling.LANCZOS) if size != decoded.size else decoded
    if opacity < 1.0:
        scaled = scaled.copy()
        scaled.putalpha(scaled.getchannel("A").point(lambda value: round(value * opacity)))
    return scaled


def mark_size(
    image_size: tuple[int, int], logo_size: tuple[int, int], scale: float
) -> tuple[int, int]:
    """`scale` of the image's width, aspect kept, and never taller than the image."""
    (width, height), (mark_w, mark_h) = image_size, logo_size
    wide = max(1, round(width * scale))
    tall = max(1, round(mark_h * wide / mark_w))
    if tall > height:
        tall = height
        wide = max(1, min(wide, round(mark_w * height / mark_h)))
    return wide, tall


def placement(
    size: tuple[int, int], mark: tuple[int, int], position: WatermarkPosition
) -> tuple[int, int]:
    """Left and top of a mark of size `mark` on an image of `size` (not for tile)."""
    spare_w, spare_h = size[0] - mark[0], size[1] - mark[1]
    name = position.value
    left = 0 if name.endswith("west") else spare_w if name.endswith("east") else spare_w // 2
    top = 0 if name.startswith("north") else spare_h if name.startswith("south") else spare_h // 2
    return left, top


def marked(image: Image.Image, watermark: Watermark, data: bytes) -> Image.Image:
    """`image` with the watermark composited; its mode kept (L, RGB or RGBA)."""
    mark = prepared_mark(watermark.etag, data, image.size, watermark.scale, watermark.opacity)
    canvas = image.convert("RGBA")
    if watermark.position is WatermarkPosition.TILE:
        layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
        for top in range(0, canvas.height, mark.height):
            for left in range(0, canvas.width, mark.width):
                layer.paste(mark, (left, top))
        canvas = Image.alpha_composite(canvas, layer)
    else:
        canvas.alpha_composite(mark, placement(canvas.size, mark.size, watermark.position))
    return canvas if image.mode == "RGBA" else canvas.convert(image.mode)
