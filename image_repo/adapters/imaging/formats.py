"""Which Pillow plugins may ever open an upload, and how their names map to ours."""

from __future__ import annotations

from PIL import Image, features
from pillow_heif import register_heif_opener

from image_repo.domain.formats import ImageFormat

# Only these plugins are ever asked to open bytes: EPS would run Ghostscript, and PDF, FITS,
# PSD and friends have had decompression-bomb CVEs. MPO is the format name Pillow gives many
# phone JPEGs (opened by the JPEG plugin).
PILLOW_TO_FORMAT: dict[str, ImageFormat] = {
    "JPEG": ImageFormat.JPEG,
    "MPO": ImageFormat.JPEG,
    "PNG": ImageFormat.PNG,
    "GIF": ImageFormat.GIF,
    "WEBP": ImageFormat.WEBP,
    "TIFF": ImageFormat.TIFF,
    "BMP": ImageFormat.BMP,
    "AVIF": ImageFormat.AVIF,
    "HEIF": ImageFormat.HEIF,
}

FORMAT_TO_PILLOW_ENCODER: dict[ImageFormat, str] = {
    ImageFormat.JPEG: "JPEG",
    ImageFormat.PNG: "PNG",
    ImageFormat.GIF: "GIF",
    ImageFormat.WEBP: "WEBP",
    ImageFormat.TIFF: "TIFF",
    ImageFormat.BMP: "BMP",
    ImageFormat.AVIF: "AVIF",
}

# Formats whose encoders keep an alpha channel; everything else is flattened onto a background.
ALPHA_FORMATS = frozenset({ImageFormat.PNG, ImageFormat.WEBP, ImageFormat.TIFF, ImageFormat.AVIF})


def readable_plugins() -> tuple[str, ...]:
    """The allowed plugins this build has. pillow-heif reads HEIC/HEIF (what phones upload);
    its encoder is not registered, so HEIF is an input format only."""
    register_heif_opener()
    Image.init()
    return tuple(name for name in PILLOW_TO_FORMAT if name in Image.OPEN)


def writable_formats() -> frozenset[ImageFormat]:
    """Output formats this Pillow build can encode (AVIF needs a build with libavif)."""
    return frozenset(
        f for f in FORMAT_TO_PILLOW_ENCODER if f is not ImageFormat.AVIF or features.check("avif")
    )
