"""VipsProcessor: derive() on libvips where it is faster than Pillow (PNG above all).

Header checks, the upload's decoding check and metadata stay with Pillow: one allow-list of
formats and one set of limits, whatever derives the pixels. What libvips cannot write here (BMP,
AVIF, TIFF), HEIC inputs, outputs that keep metadata, animations served animated (one encoder
of frames and timing), and whatever libvips fails to derive go through Pillow too.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
from typing import Any

import pyvips

from image_repo.adapters.imaging.encode import DEFAULT_EFFORT, EncoderEffort
from image_repo.adapters.imaging.formats import ALPHA_FORMATS
from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.adapters.imaging.prepared_images import PreparedOriginal
from image_repo.application.ports import IdentifiedSource, ImageSource, data_of
from image_repo.domain.formats import ImageFormat
from image_repo.domain.records import DerivedImage, ImageInfo, ImageMeta
from image_repo.domain.spec import Box, Gravity, Spec

logger = logging.getLogger(__name__)

_UNBOUNDED = 10_000_000  # libvips' largest coordinate: "no limit on this side"
# TIFF is left to Pillow: libvips writes an Orientation tag even with keep="none".
_VIPS_OUTPUTS = {ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP, ImageFormat.GIF}
# JPEG stays with Pillow: DCT scaling on load makes it as fast as libvips with less memory.
_VIPS_INPUTS = {
    ImageFormat.PNG,
    ImageFormat.WEBP,
    ImageFormat.GIF,
    ImageFormat.TIFF,
}


class VipsProcessor:
    """libvips threads bought nothing on two cores and its operation cache only holds memory
    in a server, so both are switched off; concurrency is bounded like Pillow's."""

    def __init__(
        self,
        pillow: PillowProcessor,
        max_concurrent: int = 2,
        effort: EncoderEffort = DEFAULT_EFFORT,
    ) -> None:
        pyvips.concurrency_set(1)
        pyvips.cache_set_max(0)
        self._pillow = pillow
        self._effort = effort
        self._slots: contextlib.AbstractContextManager[object] = threading.BoundedSemaphore(
            max_concurrent
        )

    def identify(self, data: ImageSource) -> ImageInfo:
        return self._pillow.identify(data)

    def without_slots(self) -> VipsProcessor:
        """As PillowProcessor.without_slots: for eager work."""
        twin = copy.copy(self)
        twin._pillow = self._pillow.without_slots()
        twin._slots = contextlib.nullcontext()
        return twin

    def check_decodes(
        self, data: bytes | IdentifiedSource, prepared: PreparedOriginal | None = None
    ) -> None:
        self._pillow.check_decodes(data, prepared)

    def read_meta(
        self, data: bytes, *, include_gps: bool, partial: bool = False
    ) -> ImageMeta | None:
        return self._pillow.read_meta(data, include_gps=include_gps, partial=partial)

    def derive(
        self,
        data: ImageSource | IdentifiedSource,
        spec: Spec,
        prepared: PreparedOriginal | None = None,
    ) -> DerivedImage:
        """JPEGs (Pillow's) decode as they arrive; libvips takes the bytes once all are in.
        `prepared` (see PreparedCache) serves Pillow's decoding only."""
        whole_or_arriving = data_of(data)
        if (
            not spec.strip_metadata
            or spec.kind not in _VIPS_OUTPUTS
            or _is_pillows(_start_of(whole_or_arriving))
        ):
            return self._pillow.derive(data, spec, prepared)  # one opening, its own budget
        info = self._pillow.identify(whole_or_arriving)  # the budget: pixels, frames, structure
        self._pillow.check_encodable(info, spec)
        if info.format not in _VIPS_INPUTS or (spec.is_animated and info.frames > 1):
            return self._pillow.derive(data, spec, prepared)
        arrived = whole_or_arriving
        whole = arrived if isinstance(arrived, bytes) else arrived.whole()
        try:
            with self._slots:
                return DerivedImage(spec.kind, _encode(_pixels(whole, spec), spec, self._effort))
        except pyvips.Error:
            # Uploads are checked with Pillow's decoders, which libvips does not share (a TIFF
            # codec, a damaged scan it is stricter about): Pillow derives, or says what is wrong.
            logger.info("libvips failed on an original Pillow accepted; Pillow derives it")
            return self._pillow.derive(whole, spec, prepared)


def _start_of(data: ImageSource) -> bytes:
    """The first bytes (waiting for them when the original is still arriving)."""
    return data[:16] if isinstance(data, bytes) else data.reader().read(16)


def _is_pillows(start: bytes) -> bool:
    """JPEG and HEIF/AVIF, which Pillow derives whatever the spec: routed by their magic
    bytes, so their header is parsed once, by the derivation itself (a header parse is 0.3 ms
    of a JPEG's 8 ms)."""
    return start.startswith(b"\xff\xd8\xff") or start[4:8] == b"ftyp"


def _pixels(data: bytes, spec: Spec) -> Any:
    """Shrink-on-load, EXIF rotation, ICC to sRGB, 8 bits, a cover crop, sharpening,
    flattening."""
    header = pyvips.Image.new_from_buffer(data, "")
    width = (spec.box.width if spec.box else None) or _UNBOUNDED
    height = (spec.box.height if spec.box else None) or _UNBOUNDED
    options: dict[str, Any] = {"height": height, "size": "down"}
    if header.get_typeof("icc-profile-data"):
        options["export_profile"] = "srgb"
    if spec.box is not None and spec.is_cover:
        image = _covered(data, header, spec.box, spec.gravity, options)
    else:
        # libvips reads past damage by default (a cut GIF comes out half grey); failing
        # instead hands the original to Pillow, which derives it or says it is damaged
        image = pyvips.Image.thumbnail_buffer(data, width, option_string=_STRICT, **options)
    if image.interpretation in ("rgb16", "grey16") or image.format != "uchar":
        image = image.colourspace("srgb" if image.bands >= 3 else "b-w").cast("uchar")
    if spec.sharpen > 0:
        image = image.sharpen(sigma=0.5, m2=spec.sharpen * 4)
    if image.hasalpha() and spec.kind not in ALPHA_FORMATS:
        background = [int(spec.background[i : i + 2], 16) for i in (0, 2, 4)]
        image = image.flatten(background=background if image.bands > 2 else background[:1])
    return image


_STRICT = "fail_on=error"
# libvips' thumbnail crops: `low` keeps the top or left, `high` the bottom or right.
_HORIZONTAL_CROP = {Gravity.WEST: "low", Gravity.EAST: "high", Gravity.SMART: "attention"}
_VERTICAL_CROP = {Gravity.NORTH: "low", Gravity.SOUTH: "high", Gravity.SMART: "attention"}


def _covered(data: bytes, header: Any, box: Box, gravity: Gravity, options: dict[str, Any]) -> Any:
    """`fit=cover`: libvips' thumbnail crops while it shrinks (`attention` for smart); an
    original no larger than the box is cropped to the box's aspect ratio at its own size."""
    width, height = header.width, header.height
    if header.get_typeof("orientation") and header.get("orientation") in (5, 6, 7, 8):
        width, height = height, width
    window = box.cover(width, height, gravity)
    left, top, right, bottom = window.crop
    crop_w, crop_h = right - left, bottom - top
    if window.size != (crop_w, crop_h):
        is_horizontal = crop_w < width
        crop = (_HORIZONTAL_CROP if is_horizontal else _VERTICAL_CROP).get(gravity, "centre")
        sized = {**options, "height": window.size[1], "crop": crop}
        return pyvips.Image.thumbnail_buffer(data, window.size[0], option_string=_STRICT, **sized)
    whole = {**options, "height": _UNBOUNDED}
    image = pyvips.Image.thumbnail_buffer(data, _UNBOUNDED, option_string=_STRICT, **whole)
    if gravity is Gravity.SMART:
        return image.smartcrop(crop_w, crop_h, interesting="attention")
    return image.crop(left, top, crop_w, crop_h)


def _encode(image: Any, spec: Spec, effort: EncoderEffort) -> bytes:
    """`keep="none"`: libvips keeps EXIF (GPS included), XMP and ICC unless told otherwise.
    PNG rows are filtered: without filters libvips wrote 1.54x the bytes of Pillow's level 6
    on photos; zlib level 3 with the `avg` filter writes 1.04x for 0.6x the CPU (adaptive
    filtering, as Pillow does, wrote no fewer bytes and cost 3 ms more per 512 px photo)."""
    match spec.kind:
        case ImageFormat.JPEG:
            return bytes(image.jpegsave_buffer(Q=spec.quality, keep="none"))
        case ImageFormat.WEBP:
            saved = image.webpsave_buffer(Q=spec.quality, effort=effort.webp_effort, keep="none")
            return bytes(saved)
        case ImageFormat.PNG:
            return bytes(image.pngsave_buffer(compression=3, filter="avg", keep="none"))
        case _:
            return bytes(image.gifsave_buffer(keep="none"))
