"""From a client's request and the configured defaults to the canonical Spec."""

from __future__ import annotations

import attrs

from image_repo.domain.formats import ImageFormat
from image_repo.domain.request import ImageRequest
from image_repo.domain.spec import OUTPUT_FORMATS, Box, Spec

_LOSSLESS_QUALITY = 100


@attrs.frozen
class DerivationDefaults:
    """Configured settings that shape derived images; they enter the Spec so that a config
    change yields new keys rather than serving bytes made under the old settings."""

    default_kind: ImageFormat = ImageFormat.JPEG
    thumbnail_width: int = 50
    thumbnail_height: int = 50
    jpeg_quality: int = 85
    webp_quality: int = 80
    avif_quality: int = 60
    thumbnail_sharpen: float = 0.5
    background: str = "ffffff"
    strip_metadata: bool = True

    def quality_for(self, kind: ImageFormat) -> int:
        return {
            ImageFormat.JPEG: self.jpeg_quality,
            ImageFormat.WEBP: self.webp_quality,
            ImageFormat.AVIF: self.avif_quality,
        }.get(kind, _LOSSLESS_QUALITY)


def spec_for(
    request: ImageRequest, path_format: ImageFormat | None, defaults: DerivationDefaults
) -> Spec:
    """`kind` wins over the path's extension, which wins over the default; an extension that
    names an input-only format (`.heic`) falls back to the default."""
    kind = request.kind or path_format
    if kind is None or kind not in OUTPUT_FORMATS:
        kind = defaults.default_kind
    if request.is_thumbnail:
        box: Box | None = Box(
            request.xsize or defaults.thumbnail_width, request.ysize or defaults.thumbnail_height
        )
    else:
        box = Box.of(request.xsize, request.ysize)
    return Spec(
        kind=kind,
        box=box,
        is_thumbnail=request.is_thumbnail,
        quality=defaults.quality_for(kind),
        sharpen=defaults.thumbnail_sharpen if request.is_thumbnail else 0.0,
        background=defaults.background,
        strip_metadata=defaults.strip_metadata,
    )
