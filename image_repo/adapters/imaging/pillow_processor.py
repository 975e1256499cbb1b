"""PillowProcessor: the ImageProcessor port on Pillow."""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import logging
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import cast

from PIL import Image, ImageFile, UnidentifiedImageError

from image_repo.adapters.imaging.animation import (
    FrameCheck,
    animation,
    decode_every_frame,
    encode_animation,
)
from image_repo.adapters.imaging.budget import (
    MAX_JPEG_SCANS,
    BudgetedReader,
    Deadline,
    bounded_frame_count,
    check_frame,
    check_structure,
)
from image_repo.adapters.imaging.colour import is_srgb
from image_repo.adapters.imaging.describing import Describer
from image_repo.adapters.imaging.edit_steps import filter_while_resizing
from image_repo.adapters.imaging.encode import DEFAULT_EFFORT, EncoderEffort, encode
from image_repo.adapters.imaging.exif_meta import (
    StartOfImage,
    readable_exif,
    whitelisted_exif,
)
from image_repo.adapters.imaging.faces import FACE_SEARCH_SIDE
from image_repo.adapters.imaging.formats import PILLOW_TO_FORMAT, readable_plugins
from image_repo.adapters.imaging.prepared_images import PreparedOriginal
from image_repo.adapters.imaging.resampling import Resample, VipsOperation, pillow_resample
from image_repo.adapters.imaging.steps import (
    PREPARATION,
    finishing,
    header_orientation,
    orientation_of,
    swaps_sides,
    upright,
)
from image_repo.adapters.imaging.watermark import marked
from image_repo.application.ports import IdentifiedSource, ImageSource, data_of
from image_repo.domain.errors import (
    CorruptImageError,
    ImageBudgetError,
    ImageRepoError,
    InvalidParameterError,
    TooManyPixelsError,
    UnsupportedImageError,
    WatermarkUnavailableError,
)
from image_repo.domain.formats import ImageFormat
from image_repo.domain.limits import ImageLimits
from image_repo.domain.looks import NO_LOOKS, Looks
from image_repo.domain.records import DerivedImage, ImageInfo, ImageMeta
from image_repo.domain.spec import Box, Spec

logger = logging.getLogger(__name__)

# The exceptions whose text Pillow writes for people ("image file is truncated"); anything else
# a plugin raises on odd bytes (TypeError, KeyError, struct.error...) speaks Python, not to clients.
_DESCRIBED_ERRORS = (OSError, SyntaxError, ValueError, EOFError)
# Decoding for the upload check: a JPEG at its smallest DCT scale (1/8), everything else whole.
_CHECK_SPEC = Spec(box=Box(1, 1))
# With faces looked for (SPEC 15), a JPEG is decoded at the smallest DCT scale that keeps
# FACE_SEARCH_SIDE on its longer side: at 1/8, a 1500 px photo's faces fall under the
# cascade's 24 px.
_FACES_CHECK_SPEC = Spec(box=Box(FACE_SEARCH_SIDE, FACE_SEARCH_SIDE))
# Served animated as gif or webp (APNG too): every frame of these is decoded at upload.
_ANIMATED_INPUTS = ("GIF", "WEBP", "PNG")
# The largest side each encoder writes; a request past it is refused before any decoding.
_ENCODER_MAX_SIDE = {
    ImageFormat.WEBP: 16383,
    ImageFormat.JPEG: 65500,
    ImageFormat.GIF: 65535,
    ImageFormat.AVIF: 16384,
}
# AV1's highest level (6.3) holds pictures up to this many pixels: what decoders promise to
# play, and an encode past it costs tens of seconds.
_AVIF_MAX_PIXELS = 35_651_584
_OUT_OF_MEMORY = "decoding it needs more memory than this worker may use (workers.max_memory_bytes)"
_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)


def _over_budget(error: BaseException) -> ImageRepoError | None:
    """The refusal an exception from Pillow stands for when it is the budget's, not damage:
    Pillow's own bomb check (guard_pillow), or the worker's memory ceiling."""
    if isinstance(error, _BOMB_ERRORS):
        return TooManyPixelsError("the image or one of its frames is over images.max_pixels")
    if isinstance(error, MemoryError):
        return ImageBudgetError(_OUT_OF_MEMORY)
    return None


def _translated(error: Exception, error_type: type[ImageRepoError], message: str) -> ImageRepoError:
    described = str(error) if isinstance(error, _DESCRIBED_ERRORS) else ""
    if isinstance(error, UnidentifiedImageError):  # its text holds the stream's repr
        described = "its header cannot be read"
    return error_type(f"{message}: {described}" if described else f"{message} (malformed data)")


@contextmanager
def _failures_as(error_type: type[ImageRepoError], message: str) -> Iterator[None]:
    """Any exception from Pillow or a plugin becomes `error_type`: damaged bytes make plugins
    raise nearly anything. A MemoryError is this request's: the worker's ceiling stopped one
    image that the pixel limits let through, and the worker carries on."""
    try:
        yield
    except ImageRepoError:
        raise
    except Exception as error:  # MemoryError included
        raise _over_budget(error) or _translated(error, error_type, message) from error


# (JPEG bytes, mode, size) -> the image decoded at that size, or None (scaled_jpeg.py)
# (JPEG bytes, mode, size, a libvips operation run on the resized pixels in the same pass)
ScaledDecode = Callable[[bytes, str, tuple[int, int], VipsOperation | None], Image.Image | None]


def _shrinks_on_load(spec: Spec) -> bool:
    """Whether the box may be approached while decoding (DCT scaling, scaled_jpeg.py): not
    with `trim=`, whose box is only known once the whole image is decoded; shrunk first,
    what it keeps would be smaller than the box asks. Rotating and flipping come before the
    box too, but only turn sides (`_stored_target`)."""
    return spec.box is not None and spec.edits.trim is None


def _is_plain_fit(source: ImageFile.ImageFile, spec: Spec) -> bool:
    """A JPEG of YCbCr or grey pixels, in sRGB, fitted into a box (scaled_jpeg.py)."""
    return (
        source.format == "JPEG"
        and source.mode in ("RGB", "L")
        and _shrinks_on_load(spec)
        and not spec.is_cover
        and is_srgb(source.info.get("icc_profile"))
    )


def _turns_sides(orientation: int, spec: Spec) -> bool:
    """Whether the box sees the stored image's sides swapped: by its EXIF orientation or by
    `rotate=` 90 or 270, not by both."""
    return swaps_sides(orientation) != (spec.edits.rotate in (90, 270))


def _stored_target(image: ImageFile.ImageFile, spec: Spec) -> tuple[int, int]:
    """The size the box asks of `image` as stored: measured on the sides the box sees (EXIF
    orientation, then `rotate=`), then turned back to the stored ones."""
    assert spec.box is not None
    scaled = spec.box.fill if spec.is_cover else spec.box.fit
    width, height = image.size
    if _turns_sides(orientation_of(image), spec):
        target_h, target_w = scaled(height, width)
        return target_w, target_h
    return scaled(width, height)


class PillowProcessor:
    """Opens images only with the allowed plugins, and every opening (upload check, derivation,
    metadata, of uploads and of objects other tools put) within one budget (budget.py): the
    domain's ImageLimits on the header and on every frame, the structure limits, and
    `max_decode_seconds` of CPU per operation."""

    def __init__(
        self,
        limits: ImageLimits | None = None,
        max_concurrent: int = 2,
        max_decode_seconds: float = 10.0,
        resample: Resample = pillow_resample,
        effort: EncoderEffort = DEFAULT_EFFORT,
        decode_scaled: ScaledDecode | None = None,
        describer: Describer | None = None,
    ) -> None:
        """`resample`: Pillow's LANCZOS, or libvips' (resampling.py) in the `auto` processor;
        `effort`: the WebP and AVIF encoders' trade-off of CPU against bytes; `decode_scaled`:
        plain JPEGs decoded straight at the size asked (scaled_jpeg.py, the `auto` processor);
        `describer`: what `check_decodes` tells of the decode it checks (SPEC 15)."""
        self._describer = describer
        # Decoding holds up to hundreds of MB and a core each: at most this many at once,
        # whatever the number of threads asking (see without_slots).
        self._slots: contextlib.AbstractContextManager[object] = threading.BoundedSemaphore(
            max_concurrent
        )
        self._limits = limits or ImageLimits()
        self._max_decode_seconds = max_decode_seconds
        self._finishing = finishing(resample)
        self._effort = effort
        self._decode_scaled = decode_scaled
        Image.init()  # load every plugin now: `formats=` only finds registered ones
        self._plugins = readable_plugins()

    def _deadline(self) -> Deadline:
        return Deadline(self._max_decode_seconds)

    @contextmanager
    def _open(
        self, data: ImageSource, deadline: Deadline
    ) -> Iterator[tuple[ImageFile.ImageFile, ImageInfo]]:
        """An original still arriving is read as it arrives: decoding overlaps the download.
        Nothing is decoded before the budget has passed the header and the structure."""
        file = io.BytesIO(data) if isinstance(data, bytes) else data.reader()
        reader = BudgetedReader(file, deadline)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                image = Image.open(reader.as_file(), formats=self._plugins)
        except ImageRepoError:  # the download failed, or the budget refused
            raise
        except Exception as error:  # MemoryError included
            if (refusal := _over_budget(error)) is not None:
                raise refusal from error
            start = data[:32] if isinstance(data, bytes) else data.reader().read(32)
            claimed = self._claimed_format(start)
            if claimed is not None:
                message = f"a damaged {claimed} image"
                raise _translated(error, CorruptImageError, message) from error
            accepted = ", ".join(sorted({f.value for f in PILLOW_TO_FORMAT.values()}))
            raise UnsupportedImageError(
                f"not an image in an accepted format ({accepted})"
            ) from error
        with image:
            with _failures_as(CorruptImageError, "the image's frames cannot be read"):
                info = self._within_budget(image, reader, data)
            yield image, info

    def _within_budget(
        self, image: ImageFile.ImageFile, reader: BudgetedReader, data: ImageSource
    ) -> ImageInfo:
        """The header's size and frames against ImageLimits, then the structure: each is a
        refusal in milliseconds, before any pixel is allocated."""
        if image.format in ("JPEG", "MPO") and image.info.get("progressive"):
            reader.limit_scans(MAX_JPEG_SCANS, data if isinstance(data, bytes) else None)
        width, height = image.size
        if swaps_sides(header_orientation(image)):
            width, height = height, width
        frames = bounded_frame_count(image, self._limits.max_frames)
        info = ImageInfo(PILLOW_TO_FORMAT[str(image.format)], width, height, frames)
        self._limits.check(info)
        check_structure(image, self._limits)
        return info

    def _frame_check(self, deadline: Deadline) -> FrameCheck:
        def check(frame: Image.Image, index: int) -> None:
            deadline.check(f"decoding frame {index}")
            check_frame(frame, self._limits, index)

        return check

    def check_encodable(self, info: ImageInfo, spec: Spec) -> None:
        """An output past its encoder's largest side (WebP stops at 16383 pixels) or, for AVIF,
        past AV1's largest picture is refused before anything is decoded: the box's size,
        turned by `rotate=` and grown by `pad=` (`trim=` only makes it smaller)."""
        largest = _ENCODER_MAX_SIDE.get(spec.kind)
        if largest is None:
            return
        width, height = info.width, info.height
        if spec.edits.rotate in (90, 270):
            width, height = height, width
        if spec.box is not None:
            width, height = (spec.box.fill if spec.is_cover else spec.box.fit)(width, height)
        if (padding := spec.edits.pad) is not None:
            width += padding.left + padding.right
            height += padding.top + padding.bottom
        if max(width, height) > largest:
            raise InvalidParameterError(
                f"{spec.kind.value.upper()} cannot encode {width}x{height} pixels (at most"
                f" {largest} a side); ask for a smaller size or another kind"
            )
        if spec.kind is ImageFormat.AVIF and width * height > _AVIF_MAX_PIXELS:
            raise InvalidParameterError(
                f"AVIF cannot encode {width}x{height} pixels (AV1 level 6.3 holds at most"
                f" {_AVIF_MAX_PIXELS}); ask for a smaller size or another kind"
            )

    def _claimed_format(self, data: bytes) -> str | None:
        """The allowed format whose magic bytes `data` starts with: such bytes that fail to
        open are a damaged image (400), not a foreign format (415)."""
        for plugin in self._plugins:
            accept = Image.OPEN[plugin][1]
            try:
                if accept is not None and accept(data[:32]):
                    return PILLOW_TO_FORMAT[plugin].value
            except Exception:  # an accept function must not decide the status by crashing
                continue
        return None

    def identify(self, data: ImageSource) -> ImageInfo:
        """Refuses (TooManyPixelsError, ImageBudgetError) what is over the budget."""
        with self._open(data, self._deadline()) as (_, info):
            return info

    def without_slots(self) -> PillowProcessor:
        """This processor taking none of the decoding slots: for eager work, which runs on
        bounded threads of its own at the lowest priority, where holding a slot while
        descheduled would make requests wait behind it."""
        twin = copy.copy(self)
        twin._slots = contextlib.nullcontext()
        return twin

    def check_decodes(
        self,
        data: bytes | IdentifiedSource,
        prepared: PreparedOriginal | None = None,
        *,
        looks: bool = False,
    ) -> Looks:
        """Decodes and prepares the served frame exactly as a derivation does (`_prepare`), so
        what passes can be derived: Pillow's `verify` reads no pixel data of most formats. A
        JPEG is decoded at 1/8 scale (DCT scaling): it still reads every byte of the scan, so it
        finds truncation at an eighth of the cost. Every frame of an animated GIF or WebP is
        decoded too (gif and webp serve them animated); other formats' later frames are only
        counted (`identify`): what they serve is the first frame. With `prepared` (see
        PreparedCache), what was prepared is kept there for the derivations after it. With
        `looks`, the same decode gives SPEC 15's placeholder and faces (`describer`)."""
        failures = _failures_as(CorruptImageError, "the image cannot be decoded")
        deadline = self._deadline()
        with self._slots, self._open(data_of(data), deadline) as (source, info), failures:
            finds_faces = looks and self._describer is not None and self._describer.finds_faces
            check = _FACES_CHECK_SPEC if finds_faces else _CHECK_SPEC
            prepared_image = self._prepare(source, info, check, prepared)
            described = (
                self._describer.looks(prepared_image, info)
                if looks and self._describer is not None
                else NO_LOOKS
            )
            if source.format in _ANIMATED_INPUTS and info.frames > 1:
                # served animated (as gif or webp): every frame is decoded then; the upload
                # limits (max_frames, max_animation_pixels) bounded them before this
                decode_every_frame(source, info.frames, self._frame_check(deadline))
        return described

    def derive(
        self,
        data: ImageSource | IdentifiedSource,
        spec: Spec,
        prepared: PreparedOriginal | None = None,
        *,
        watermark: bytes | None = None,
    ) -> DerivedImage:
        """Decoding failures are CorruptImageError; an encoder refusing the decoded image (WebP
        stops at 16383 pixels a side) is the request's: another size or kind would work.
        `prepared` (see PreparedCache): this original's decodes, to start from and to fill.
        `watermark`: the image `spec.edits.watermark` names, composited last (SPEC 14)."""
        mark = _marking(spec, watermark)
        deadline = self._deadline()
        with self._slots, self._open(data_of(data), deadline) as (source, info):
            self.check_encodable(info, spec)
            if spec.is_animated and info.frames > 1:
                return self._derive_animation(source, info, spec, deadline, mark)
            with _failures_as(CorruptImageError, "the stored image cannot be decoded"):
                exif = None if spec.strip_metadata else readable_exif(source)
                decoded, rest = self._decoded(source, info, spec, data_of(data), prepared)
                image = decoded
                for step in self._finishing:
                    deadline.check("making the image")
                    image = step(image, rest)
            image = mark(image)
            deadline.check("making the image")
            if image is decoded and prepared is not None:
                # Shared with other threads through PreparedImages, and saving writes
                # encoder settings onto the image object: encode a private copy.
                image = image.copy()
            refusal = (
                f"{spec.kind.value.upper()} cannot encode {image.width}x{image.height} pixels;"
                " ask for a smaller size or another kind"
            )
            with _failures_as(InvalidParameterError, refusal):
                encoded = encode(image, spec, exif, self._effort)
            return DerivedImage(spec.kind, encoded)

    def _derive_animation(
        self,
        source: ImageFile.ImageFile,
        info: ImageInfo,
        spec: Spec,
        deadline: Deadline,
        mark: Callable[[Image.Image], Image.Image],
    ) -> DerivedImage:
        """No metadata is kept on an animation, whatever `strip_metadata` says."""
        with _failures_as(CorruptImageError, "the stored image cannot be decoded"):
            animated = animation(source, info.frames, spec, self._frame_check(deadline), mark)
        deadline.check("making the animation")
        width, height = animated.frames[0].size
        refusal = (
            f"{spec.kind.value.upper()} cannot encode an animation of {width}x{height} pixels;"
            " ask for a smaller size or another kind"
        )
        with _failures_as(InvalidParameterError, refusal):
            encoded = encode_animation(animated, spec, self._effort.webp_effort)
        return DerivedImage(spec.kind, encoded)

    def read_meta(
        self, data: bytes, *, include_gps: bool, partial: bool = False
    ) -> ImageMeta | None:
        if partial:
            return self._read_meta_of_start(data, include_gps=include_gps)
        with self._open(data, self._deadline()) as (image, info):
            with _failures_as(CorruptImageError, "the image's metadata cannot be read"):
                exif = whitelisted_exif(image, include_gps=include_gps)
            return ImageMeta(info.format, info.width, info.height, image.mode, exif)

    def _read_meta_of_start(self, start: bytes, *, include_gps: bool) -> ImageMeta | None:
        """What `read_meta` answers for the whole image, worked out the same way (one opening
        as `identify`'s, frames counted, then a fresh one for mode and EXIF) from readers of
        `start` that refuse reads past it (StartOfImage). None when one was refused, or when
        anything failed: the whole then says whether the image is damaged."""
        readers = (StartOfImage(start), StartOfImage(start))
        deadline = self._deadline()

        def opened(reader: BudgetedReader) -> ImageFile.ImageFile:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return Image.open(reader.as_file(), formats=self._plugins)

        budgeted = BudgetedReader(cast(io.BytesIO, readers[0]), deadline)
        try:
            with opened(budgeted) as image:
                # as `identify`: the budget, and damage that may show here
                info = self._within_budget(image, budgeted, start)
            with opened(BudgetedReader(cast(io.BytesIO, readers[1]), deadline)) as image:
                exif = whitelisted_exif(image, include_gps=include_gps)
                meta = ImageMeta(info.format, info.width, info.height, image.mode, exif)
        except ImageRepoError:
            raise  # over the budget: the whole would be refused the same way
        except Exception as error:
            if (refusal := _over_budget(error)) is not None:
                raise refusal from error
            return None
        return None if any(reader.wanted_more for reader in readers) else meta

    def _prepare(
        self,
        source: ImageFile.ImageFile,
        info: ImageInfo,
        spec: Spec,
        prepared: PreparedOriginal | None,
    ) -> Image.Image:
        """The decoded, upright, sRGB image, from `prepared` when this original was prepared
        at the same DCT scale before (the scale is chosen from the header alone)."""
        self._shrink_on_load(source, info, spec)
        decoded = (source.mode, source.size)
        if prepared is not None and (kept := prepared.get(decoded)) is not None:
            return kept
        source.load()
        image: Image.Image = source
        for step in PREPARATION:
            image = step(image, spec)
        return image if prepared is None else prepared.put(decoded, image)

    def _decoded(
        self,
        source: ImageFile.ImageFile,
        info: ImageInfo,
        spec: Spec,
        data: ImageSource,
        prepared: PreparedOriginal | None,
    ) -> tuple[Image.Image, Spec]:
        """`_prepare`'s image, or, when no decode is kept for another size and the JPEG is a
        plain one fitted into a box, that JPEG decoded straight at the box's size
        (scaled_jpeg.py): upright, in sRGB, and already fitted. With it, the spec of what
        remains to be done: a blur or sharpen libvips made in the same pass is done."""
        if self._decode_scaled is None or prepared is not None or not _is_plain_fit(source, spec):
            return self._prepare(source, info, spec, prepared), spec
        whole = data if isinstance(data, bytes) else data.whole()
        then, rest = filter_while_resizing(spec)
        scaled = self._decode_scaled(whole, source.mode, _stored_target(source, spec), then)
        if scaled is None:  # a JPEG that decoder refuses: Pillow decodes it, or says why not
            return self._prepare(source, info, spec, prepared), spec
        return upright(scaled, orientation_of(source)), rest

    def _shrink_on_load(self, image: ImageFile.ImageFile, info: ImageInfo, spec: Spec) -> None:
        """First frame only; a JPEG is shrunk by DCT scaling while it decodes when a box asks
        for far fewer pixels, which is where most of a thumbnail's time would otherwise go.
        Nothing is decoded here: `image.size` becomes the size decoding will give."""
        if info.frames > 1:
            image.seek(0)
        if _shrinks_on_load(spec) and image.format in ("JPEG", "MPO"):
            image.draft(image.mode, _stored_target(image, spec))


def _marking(spec: Spec, watermark: bytes | None) -> Callable[[Image.Image], Image.Image]:
    """The last step before encoding: the watermark composited, or nothing."""
    marking = spec.edits.watermark
    if marking is None:
        return lambda image: image
    if watermark is None:
        raise WatermarkUnavailableError(f"watermark {marking.name!r}: no image was given")
    return functools.partial(marked, watermark=marking, data=watermark)
