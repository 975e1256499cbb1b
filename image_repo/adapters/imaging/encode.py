"""Encoding: per-format settings, and no metadata unless the spec keeps it."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageFile

from image_repo.adapters.imaging.formats import FORMAT_TO_PILLOW_ENCODER
from image_repo.adapters.imaging.steps import ORIENTATION_TAG
from image_repo.domain.formats import ImageFormat
from image_repo.domain.spec import Spec


def _options(spec: Spec) -> dict[str, Any]:
    """Settings picked for speed at a sensible size; each enters the Spec through `quality`."""
    match spec.kind:
        case ImageFormat.JPEG:
            return {"quality": spec.quality}
        case ImageFormat.WEBP:
            return {"quality": spec.quality, "method": 4}
        case ImageFormat.AVIF:
            return {"quality": spec.quality, "speed": 8}
        case ImageFormat.PNG:
            return {"compress_level": 6}
        case ImageFormat.TIFF:
            return {"compression": "tiff_lzw"}
        case _:
            return {}


def _kept_metadata(source_exif: Image.Exif | None, spec: Spec) -> dict[str, Any]:
    """With stripping off, EXIF is passed on with orientation reset (the pixels are upright now).
    The ICC profile is never passed on: the pixels were converted to sRGB."""
    if spec.strip_metadata or source_exif is None or not len(source_exif):
        return {}
    if spec.kind not in (ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP, ImageFormat.TIFF):
        return {}
    source_exif[ORIENTATION_TAG] = 1
    return {"exif": source_exif.tobytes()}


def encode(image: Image.Image, spec: Spec, source_exif: Image.Exif | None = None) -> bytes:
    """Pillow copies some `info` entries (JPEG comments, PNG/TIFF ICC profiles) into what it
    writes, and TIFF copies XMP and IPTC tags from a source file, so the encoder gets a plain
    image with an empty info dict: nothing leaves unless passed on purpose."""
    if isinstance(image, ImageFile.ImageFile):
        image = image.copy()
    image.info = {}
    if spec.kind is ImageFormat.GIF and image.mode not in ("P", "L"):
        image = image.convert("RGB").quantize(256)
    buffer = io.BytesIO()
    image.save(
        buffer,
        FORMAT_TO_PILLOW_ENCODER[spec.kind],
        **_options(spec),
        **_kept_metadata(source_exif, spec),
    )
    return buffer.getvalue()
