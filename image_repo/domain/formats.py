"""Image formats the service reads and writes, and the file extensions that name them."""

from __future__ import annotations

import enum


class ImageFormat(enum.Enum):
    """A format by its canonical short name; `.value` is what `kind=` and metadata use."""

    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    GIF = "gif"
    TIFF = "tiff"
    BMP = "bmp"
    AVIF = "avif"
    HEIF = "heif"

    @property
    def extension(self) -> str:
        """The extension a served file gets (zip entries, Content-Disposition)."""
        return _PREFERRED_EXTENSION[self]

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]

    @classmethod
    def from_media_type(cls, media_type: str) -> ImageFormat | None:
        """The format a bare media type (`image/jpeg`) names, if any."""
        return next((f for f, t in _MEDIA_TYPES.items() if t == media_type.lower()), None)

    @classmethod
    def from_extension(cls, extension: str) -> ImageFormat | None:
        """The format a name's final extension (with or without the dot, any case) names."""
        return _BY_EXTENSION.get(extension.lower().lstrip("."))


_BY_EXTENSION: dict[str, ImageFormat] = {
    "jpg": ImageFormat.JPEG,
    "jpeg": ImageFormat.JPEG,
    "jpe": ImageFormat.JPEG,
    "png": ImageFormat.PNG,
    "gif": ImageFormat.GIF,
    "webp": ImageFormat.WEBP,
    "tif": ImageFormat.TIFF,
    "tiff": ImageFormat.TIFF,
    "bmp": ImageFormat.BMP,
    "avif": ImageFormat.AVIF,
    "heic": ImageFormat.HEIF,
    "heif": ImageFormat.HEIF,
}

_PREFERRED_EXTENSION: dict[ImageFormat, str] = {
    ImageFormat.JPEG: "jpg",
    ImageFormat.PNG: "png",
    ImageFormat.WEBP: "webp",
    ImageFormat.GIF: "gif",
    ImageFormat.TIFF: "tiff",
    ImageFormat.BMP: "bmp",
    ImageFormat.AVIF: "avif",
    ImageFormat.HEIF: "heic",
}

_MEDIA_TYPES: dict[ImageFormat, str] = {
    ImageFormat.JPEG: "image/jpeg",
    ImageFormat.PNG: "image/png",
    ImageFormat.WEBP: "image/webp",
    ImageFormat.GIF: "image/gif",
    ImageFormat.TIFF: "image/tiff",
    ImageFormat.BMP: "image/bmp",
    ImageFormat.AVIF: "image/avif",
    ImageFormat.HEIF: "image/heif",
}

FORMAT_EXTENSIONS: frozenset[str] = frozenset(_BY_EXTENSION)
