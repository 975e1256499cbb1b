"""From a client's request and the configured defaults to the canonical Spec."""

from __future__ import annotations

import attrs

from image_repo.domain.edits import Watermark
from image_repo.domain.formats import ImageFormat
from image_repo.domain.request import ImageRequest
from image_repo.domain.spec import ANIMATED_FORMATS, OUTPUT_FORMATS, Box, Fit, Gravity, Spec

_LOSSLESS_QUALITY = 100
# SPEC 14: `max_bytes` lowers the quality of these; other kinds have none to lower.
BUDGETED_FORMATS = frozenset({ImageFormat.JPEG, ImageFormat.WEBP, ImageFormat.AVIF})


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
    max_dimension: int = 10_000
    # Formats offered by Accept negotiation, in order of preference (images.auto_formats).
    auto_formats: tuple[ImageFormat, ...] = ()
    # Frames an animated original keeps in gif and webp output; 1: the first frame only
    # (images.keep_animation false). It enters gif and webp specs, so those keys changed with it.
    animation_frames: int = 1
    # images.watermark_all: the watermark of every image served but thumbnails ("": none).
    watermark_all: str = ""

    def quality_for(self, kind: ImageFormat, asked: int | None = None) -> int:
        """`asked` (the `quality` modifier) wins for lossy kinds; lossless kinds ignore it,
        so it makes no second key for the same bytes."""
        lossy = {
            ImageFormat.JPEG: self.jpeg_quality,
            ImageFormat.WEBP: self.webp_quality,
            ImageFormat.AVIF: self.avif_quality,
        }
        if kind not in lossy:
            return _LOSSLESS_QUALITY
        return lossy[kind] if asked is None else asked


def negotiates(request: ImageRequest, path_format: ImageFormat | None) -> bool:
    """True when Accept chooses the format: nothing in the request names one."""
    return request.kind is None and path_format is None


def accepted_format(accept: str | None, offered: tuple[ImageFormat, ...]) -> ImageFormat | None:
    """The first of `offered` that the Accept header names by its media type (with q > 0).
    Wildcards (`*/*`, `image/*`) name nothing: browsers send them whatever they can decode."""
    if not offered or not accept:
        return None
    named = set()
    for item in accept.lower().split(","):
        media_type, *params = (part.strip() for part in item.split(";"))
        if not any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params):
            named.add(media_type)
    return next((f for f in offered if f.media_type in named), None)


def spec_for(
    request: ImageRequest,
    path_format: ImageFormat | None,
    defaults: DerivationDefaults,
    negotiated: ImageFormat | None = None,
) -> Spec:
    """`kind` wins over the path's extension, which wins over a format negotiated from Accept
    (`accepted_format`), which wins over the default; an extension that names an input-only
    format (`.heic`) falls back to the default."""
    kind = request.kind or path_format or negotiated
    if kind is None or kind not in OUTPUT_FORMATS:
        kind = defaults.default_kind
    if request.is_thumbnail:
        box: Box | None = Box(
            request.xsize or defaults.thumbnail_width, request.ysize or defaults.thumbnail_height
        )
    else:
        box = Box.of(request.xsize, request.ysize)
    if box is not None and request.dpr != 1.0:
        box = box.scaled(request.dpr, defaults.max_dimension)
    is_cover = request.fit is Fit.COVER
    edits = request.edits
    if defaults.watermark_all and edits.watermark is None and not request.is_thumbnail:
        edits = attrs.evolve(edits, watermark=Watermark(defaults.watermark_all, ""))
    if edits.max_bytes is not None and kind not in BUDGETED_FORMATS:
        edits = attrs.evolve(edits, max_bytes=None)  # lossless kinds: the same bytes, one key
    return Spec(
        kind=kind,
        box=box,
        is_thumbnail=request.is_thumbnail,
        quality=defaults.quality_for(kind, request.quality),
        sharpen=defaults.thumbnail_sharpen if request.is_thumbnail else 0.0,
        background=edits.background or defaults.background,
        strip_metadata=defaults.strip_metadata,
        fit=request.fit,
        gravity=request.gravity if is_cover else Gravity.CENTER,
        max_frames=defaults.animation_frames if kind in ANIMATED_FORMATS else 1,
        edits=edits,
    )
