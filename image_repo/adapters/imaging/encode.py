"""Encoding: per-format settings, and no metadata unless the spec keeps it."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import attrs
from PIL import Image, ImageFile

from image_repo.adapters.imaging.exif_meta import EXIF_IFD, GPS_IFD
from image_repo.adapters.imaging.formats import FORMAT_TO_PILLOW_ENCODER
from image_repo.adapters.imaging.steps import ORIENTATION_TAG
from image_repo.domain.derivation import BUDGETED_FORMATS
from image_repo.domain.formats import ImageFormat
from image_repo.domain.spec import Spec


@attrs.frozen
class EncoderEffort:
    """How hard the slow encoders try (`images.webp_effort`, `images.avif_speed`): the CPU an
    image costs against its bytes. The defaults come from the field's benchmark
    (bench/servers.py): WebP effort 2 writes 1.03x the bytes of effort 4 for 0.7x its CPU; AVIF
    speed 9 writes what speed 10 does (libaom's still-image presets meet there), 1.05x the
    bytes of speed 8 for 0.6x its CPU. A process-wide setting like `images.processor`: not in
    the keys, so changing it changes new derivations only."""

    webp_effort: int = attrs.field(default=2, validator=attrs.validators.in_(range(7)))
    avif_speed: int = attrs.field(default=9, validator=attrs.validators.in_(range(11)))


DEFAULT_EFFORT = EncoderEffort()


def _options(spec: Spec, effort: EncoderEffort) -> dict[str, Any]:
    """Settings picked for speed at a sensible size; each enters the Spec through `quality`."""
    match spec.kind:
        case ImageFormat.JPEG:
            return {"quality": spec.quality}
        case ImageFormat.WEBP:
            return {"quality": spec.quality, "method": effort.webp_effort}
        case ImageFormat.AVIF:
            return {"quality": spec.quality, "speed": effort.avif_speed}
        case ImageFormat.PNG:
            return {"compress_level": 6}
        case ImageFormat.TIFF:
            return {"compression": "tiff_lzw"}
        case _:
            return {}


XMP_TAG = 700  # XMP kept in an IFD (TIFF): it can repeat the location (exif:GPSLatitude)
INTEROP_IFD = 0xA005  # a pointer into the source file: meaningless in another


def without_location(exif: Image.Exif) -> Image.Exif:
    """A copy of `exif` without its GPS IFD (SPEC 3: no GPS tag ever leaves the server) and
    without XMP, with orientation reset (the pixels are upright now). Built afresh: Pillow's
    Exif writes back a GPS IFD it has read even after its tag is deleted."""
    kept = Image.Exif()
    for tag, value in exif.items():
        if tag not in (GPS_IFD, XMP_TAG, EXIF_IFD):
            kept[tag] = value
    details = exif.get_ifd(EXIF_IFD)
    if details:
        kept[EXIF_IFD] = {
            tag: value for tag, value in details.items() if tag not in (GPS_IFD, INTEROP_IFD)
        }
    kept[ORIENTATION_TAG] = 1
    return kept


def _kept_metadata(source_exif: Image.Exif | None, spec: Spec) -> dict[str, Any]:
    """With stripping off, EXIF is passed on without location. The ICC profile is never passed
    on: the pixels were converted to sRGB. An EXIF block that cannot be rewritten is dropped."""
    if spec.strip_metadata or source_exif is None or not len(source_exif):
        return {}
    if spec.kind not in (ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP, ImageFormat.TIFF):
        return {}
    try:
        return {"exif": without_location(source_exif).tobytes()}
    except Exception:
        return {}


# Past this many pixels a GIF's palette comes from the fast octree instead of median cut:
# 2.5 times faster (a 75 MP image: 0.8 s instead of 1.9 s), and no one studies the palette of
# a GIF that large.
_MEDIAN_CUT_MAX_PIXELS = 4_000_000


def quantized(image: Image.Image) -> Image.Image:
    """256 colours for GIF."""
    large = image.width * image.height > _MEDIAN_CUT_MAX_PIXELS
    method = Image.Quantize.FASTOCTREE if large else Image.Quantize.MEDIANCUT
    return image.quantize(256, method=method)


def encode(
    image: Image.Image,
    spec: Spec,
    source_exif: Image.Exif | None = None,
    effort: EncoderEffort = DEFAULT_EFFORT,
) -> bytes:
    """Pillow copies some `info` entries (JPEG comments, PNG/TIFF ICC profiles) into what it
    writes, and TIFF copies XMP and IPTC tags from a source file, so the encoder gets a plain
    image with an empty info dict: nothing leaves unless passed on purpose."""
    if isinstance(image, ImageFile.ImageFile):
        image = image.copy()
    image.info = {}
    if spec.kind is ImageFormat.GIF and image.mode not in ("P", "L"):
        image = quantized(image.convert("RGB"))
    options = {**_options(spec, effort), **_kept_metadata(source_exif, spec)}
    if spec.kind is ImageFormat.TIFF and "exif" in options:
        # libtiff (which LZW needs) refuses the Exif sub-IFD; Pillow's own writer takes it
        del options["compression"]
    encoded = _save(image, spec.kind, options)
    budget = spec.edits.max_bytes
    if budget is None or spec.kind not in BUDGETED_FORMATS or len(encoded) <= budget:
        return encoded
    return within_budget(
        lambda quality: _save(image, spec.kind, {**options, "quality": quality}),
        int(options["quality"]),
        encoded,
        budget,
    )


def _save(image: Image.Image, kind: ImageFormat, options: dict[str, Any]) -> bytes:
    """One encode (the tests count them)."""
    buffer = io.BytesIO()
    image.save(buffer, FORMAT_TO_PILLOW_ENCODER[kind], **options)
    return buffer.getvalue()


# `max_bytes=` (SPEC 14): the quality is lowered, never below MIN_QUALITY, in at most
# MAX_ENCODES encodes counting the first one at the spec's quality.
MIN_QUALITY = 10
MAX_ENCODES = 4


def within_budget(
    encode_at: Callable[[int], bytes], quality: int, first: bytes, budget: int
) -> bytes:
    """`first` (at `quality`) is over `budget`: a binary search of the quality in
    MIN_QUALITY..quality-1 answers the highest quality tried that fits. The last encode, when
    nothing has fitted yet, is at MIN_QUALITY, so "cannot fit" is known; then the smallest
    made is answered (the HTTP layer says `X-Max-Bytes: exceeded`). Both processors search
    with it (`encode_at`: their encoder at a quality), so they pick the same qualities."""
    low, high = MIN_QUALITY, quality - 1
    fitting: bytes | None = None
    smallest = first
    for encodes in range(2, MAX_ENCODES + 1):
        if low > high:
            break
        last = encodes == MAX_ENCODES
        tried = low if last and fitting is None else (low + high) // 2
        encoded = encode_at(tried)
        if len(encoded) <= budget:
            fitting, low = encoded, tried + 1
        else:
            high = tried - 1
            smallest = min(smallest, encoded, key=len)
    return fitting if fitting is not None else smallest
