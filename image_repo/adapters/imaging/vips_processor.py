"""VipsProcessor: derive() on libvips where it is faster than Pillow (PNG above all).

Header checks, the upload's decoding check and metadata stay with Pillow: one allow-list of
formats and one set of limits, whatever derives the pixels. What libvips cannot write here (BMP,
AVIF, TIFF), HEIC inputs, outputs that keep metadata, animations served animated (one encoder
of frames and timing), watermarked specs, and whatever libvips fails to derive go through
Pillow too. SPEC 14's other edits are made here (vips_edits.py), matching Pillow's
(edit_steps.py) within a few levels of 255.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
from collections.abc import Callable
from typing import Any

import pyvips

from image_repo.adapters.imaging.encode import DEFAULT_EFFORT, EncoderEffort, within_budget
from image_repo.adapters.imaging.formats import ALPHA_FORMATS
from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.adapters.imaging.prepared_images import PreparedOriginal
from image_repo.adapters.imaging.vips_edits import (
    finished,
    in_colour_for,
    trimmed,
    turned,
    turned_box,
    turned_gravity,
)
from image_repo.adapters.imaging.vips_watermark import vips_marked
from image_repo.application.ports import IdentifiedSource, ImageSource, data_of
from image_repo.domain.errors import WatermarkUnavailableError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.looks import Looks
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
        self,
        data: bytes | IdentifiedSource,
        prepared: PreparedOriginal | None = None,
        *,
        looks: bool = False,
    ) -> Looks:
        return self._pillow.check_decodes(data, prepared, looks=looks)

    def read_meta(
        self, data: bytes, *, include_gps: bool, partial: bool = False
    ) -> ImageMeta | None:
        return self._pillow.read_meta(data, include_gps=include_gps, partial=partial)

    def derive(
        self,
        data: ImageSource | IdentifiedSource,
        spec: Spec,
        prepared: PreparedOriginal | None = None,
        *,
        watermark: bytes | None = None,
    ) -> DerivedImage:
        """JPEGs (Pillow's) decode as they arrive; libvips takes the bytes once all are in.
        `prepared` (see PreparedCache) serves Pillow's decoding only. `watermark`: the image
        `spec.edits.watermark` names, composited last (SPEC 14; vips_watermark.py)."""
        if spec.edits.watermark is not None and watermark is None:
            name = spec.edits.watermark.name
            raise WatermarkUnavailableError(f"watermark {name!r}: no image was given")
        whole_or_arriving = data_of(data)
        if (
            not spec.strip_metadata
            or spec.kind not in _VIPS_OUTPUTS
            or spec.aim is not None  # libvips' thumbnail crops at a side or its attention only
            or _is_pillows(_start_of(whole_or_arriving))
        ):
            # one opening, its own budget
            return self._pillow.derive(data, spec, prepared, watermark=watermark)
        info = self._pillow.identify(whole_or_arriving)  # the budget: pixels, frames, structure
        self._pillow.check_encodable(info, spec)
        if info.format not in _VIPS_INPUTS or (spec.is_animated and info.frames > 1):
            return self._pillow.derive(data, spec, prepared, watermark=watermark)
        arrived = whole_or_arriving
        whole = arrived if isinstance(arrived, bytes) else arrived.whole()
        try:
            with self._slots:
                image = _pixels(whole, spec)
                if spec.edits.watermark is not None and watermark is not None:
                    image = vips_marked(image, spec.edits.watermark, watermark)
                return DerivedImage(spec.kind, _encode(image, spec, self._effort))
        except pyvips.Error:
            # Uploads are checked with Pillow's decoders, which libvips does not share (a TIFF
            # codec, a damaged scan it is stricter about): Pillow derives, or says what is wrong.
            logger.info("libvips failed on an original Pillow accepted; Pillow derives it")
            return self._pillow.derive(whole, spec, prepared, watermark=watermark)


def _start_of(data: ImageSource) -> bytes:
    """The first bytes (waiting for them when the original is still arriving)."""
    return data[:16] if isinstance(data, bytes) else data.reader().read(16)


def _is_pillows(start: bytes) -> bool:
    """JPEG and HEIF/AVIF, which Pillow derives whatever the spec: routed by their magic
    bytes, so their header is parsed once, by the derivation itself (a header parse is 0.3 ms
    of a JPEG's 8 ms)."""
    return start.startswith(b"\xff\xd8\xff") or start[4:8] == b"ftyp"


def _pixels(data: bytes, spec: Spec) -> Any:
    """Shrink-on-load, EXIF rotation, ICC to sRGB, 8 bits, SPEC 14's trim, rotation and flip,
    a cover crop, sharpening, SPEC 14's edits after the box, flattening. Rotation and flip
    come after the box, which is turned to ask the same (vips_edits.turned_box): the
    shrink-on-load stays. A trim needs the whole image: it is loaded unshrunk, trimmed,
    then shrunk."""
    header = pyvips.Image.new_from_buffer(data, "")
    edits = spec.edits
    box = turned_box(spec.box, edits)
    gravity = turned_gravity(spec.gravity, edits)
    options: dict[str, Any] = {"size": "down"}
    if header.get_typeof("icc-profile-data"):
        options["export_profile"] = "srgb"
    if edits.trim is None:
        width, height = header.width, header.height
        if header.get_typeof("orientation") and header.get("orientation") in (5, 6, 7, 8):
            width, height = height, width

        def thumbnail(side: int, **sized: Any) -> Any:
            # libvips reads past damage by default (a cut GIF comes out half grey); failing
            # instead hands the original to Pillow, which derives it or says it is damaged
            return pyvips.Image.thumbnail_buffer(
                data, side, option_string=_STRICT, **options, **sized
            )
    else:
        # decoded once into memory: the trim reads it twice, then the box once more
        whole = trimmed(_eight_bits(thumbnail_whole(data, options)).copy_memory(), edits.trim)
        width, height = whole.width, whole.height

        def thumbnail(side: int, **sized: Any) -> Any:
            return whole.thumbnail_image(side, size="down", no_rotate=True, **sized)

    if box is not None and spec.is_cover:
        image = _covered(thumbnail, width, height, box, gravity)
    else:
        bounded_width = (box.width if box else None) or _UNBOUNDED
        image = thumbnail(bounded_width, height=(box.height if box else None) or _UNBOUNDED)
    image = turned(_eight_bits(image), edits)
    if spec.sharpen > 0:
        image = image.sharpen(sigma=0.5, m2=spec.sharpen * 4)
    if not edits.is_empty:
        image = finished(image, spec)
    if image.hasalpha() and spec.kind not in ALPHA_FORMATS:
        colour = edits.background or spec.background
        if image.bands < 3 and not edits.is_empty:
            image = in_colour_for(image, colour)
        background = [int(colour[i : i + 2], 16) for i in (0, 2, 4)]
        image = image.flatten(background=background if image.bands > 2 else background[:1])
    return image


def thumbnail_whole(data: bytes, options: dict[str, Any]) -> Any:
    """The whole image, upright and in sRGB, at its own size."""
    unbounded = {**options, "height": _UNBOUNDED}
    return pyvips.Image.thumbnail_buffer(data, _UNBOUNDED, option_string=_STRICT, **unbounded)


def _eight_bits(image: Any) -> Any:
    if image.interpretation in ("rgb16", "grey16") or image.format != "uchar":
        return image.colourspace("srgb" if image.bands >= 3 else "b-w").cast("uchar")
    return image


_STRICT = "fail_on=error"
# libvips' thumbnail crops: `low` keeps the top or left, `high` the bottom or right.
_HORIZONTAL_CROP = {Gravity.WEST: "low", Gravity.EAST: "high", Gravity.SMART: "attention"}
_VERTICAL_CROP = {Gravity.NORTH: "low", Gravity.SOUTH: "high", Gravity.SMART: "attention"}


Thumbnail = Callable[..., Any]  # (width, height=, crop=) -> the image fitted into that box


def _covered(thumbnail: Thumbnail, width: int, height: int, box: Box, gravity: Gravity) -> Any:
    """`fit=cover` of an upright `width`x`height` image: libvips' thumbnail crops while it
    shrinks (`attention` for smart); an original no larger than the box is cropped to the
    box's aspect ratio at its own size."""
    window = box.cover(width, height, gravity)
    left, top, right, bottom = window.crop
    crop_w, crop_h = right - left, bottom - top
    if window.size != (crop_w, crop_h):
        is_horizontal = crop_w < width
        crop = (_HORIZONTAL_CROP if is_horizontal else _VERTICAL_CROP).get(gravity, "centre")
        return thumbnail(window.size[0], height=window.size[1], crop=crop)
    image = thumbnail(_UNBOUNDED, height=_UNBOUNDED)
    if gravity is Gravity.SMART:
        return image.smartcrop(crop_w, crop_h, interesting="attention")
    return image.crop(left, top, crop_w, crop_h)


def _encode(image: Any, spec: Spec, effort: EncoderEffort) -> bytes:
    """`keep="none"`: libvips keeps EXIF (GPS included), XMP and ICC unless told otherwise.
    PNG rows are filtered: without filters libvips wrote 1.54x the bytes of Pillow's level 6
    on photos; zlib level 3 with the `avg` filter writes 1.04x for 0.6x the CPU (adaptive
    filtering, as Pillow does, wrote no fewer bytes and cost 3 ms more per 512 px photo).
    With `max_bytes` (SPEC 14), jpeg and webp are encoded at lower qualities until they fit
    (`within_budget`)."""
    match spec.kind:
        case ImageFormat.JPEG:
            return _budgeted(lambda q: image.jpegsave_buffer(Q=q, keep="none"), spec)
        case ImageFormat.WEBP:
            return _budgeted(
                lambda q: image.webpsave_buffer(Q=q, effort=effort.webp_effort, keep="none"),
                spec,
            )
        case ImageFormat.PNG:
            return bytes(image.pngsave_buffer(compression=3, filter="avg", keep="none"))
        case _:
            return bytes(image.gifsave_buffer(keep="none"))


def _budgeted(encode_at: Callable[[int], Any], spec: Spec) -> bytes:
    encoded = bytes(encode_at(spec.quality))
    budget = spec.edits.max_bytes
    if budget is None or len(encoded) <= budget:
        return encoded
    return within_budget(lambda quality: bytes(encode_at(quality)), spec.quality, encoded, budget)
