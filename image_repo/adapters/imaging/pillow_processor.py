"""PillowProcessor: the ImageProcessor port on Pillow."""

from __future__ import annotations

import contextlib
import io
import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, cast

from PIL import Image, ImageFile, UnidentifiedImageError

from image_repo.adapters.imaging.animation import (
    animation,
    decode_every_frame,
    encode_animation,
    is_animation,
)
from image_repo.adapters.imaging.encode import encode
from image_repo.adapters.imaging.exif_meta import (
    StartOfImage,
    readable_exif,
    whitelisted_exif,
)
from image_repo.adapters.imaging.formats import PILLOW_TO_FORMAT, readable_plugins
from image_repo.adapters.imaging.prepared_images import PreparedImages
from image_repo.adapters.imaging.steps import (
    FINISHING,
    PREPARATION,
    header_orientation,
    orientation_of,
    swaps_sides,
)
from image_repo.application.ports import ImageSource
from image_repo.domain.errors import (
    CorruptImageError,
    ImageRepoError,
    InvalidParameterError,
    UnsupportedImageError,
)
from image_repo.domain.records import DerivedImage, ImageInfo, ImageMeta
from image_repo.domain.spec import Box, Spec

logger = logging.getLogger(__name__)

# The exceptions whose text Pillow writes for people ("image file is truncated"); anything else
# a plugin raises on odd bytes (TypeError, KeyError, struct.error...) speaks Python, not to clients.
_DESCRIBED_ERRORS = (OSError, SyntaxError, ValueError, EOFError)
# Decoding for the upload check: a JPEG at its smallest DCT scale (1/8), everything else whole.
_CHECK_SPEC = Spec(box=Box(1, 1))
_ANIMATED_INPUTS = ("GIF", "WEBP")


def _translated(error: Exception, error_type: type[ImageRepoError], message: str) -> ImageRepoError:
    described = str(error) if isinstance(error, _DESCRIBED_ERRORS) else ""
    if isinstance(error, UnidentifiedImageError):  # its text holds the stream's repr
        described = "its header cannot be read"
    return error_type(f"{message}: {described}" if described else f"{message} (malformed data)")


@contextmanager
def _failures_as(error_type: type[ImageRepoError], message: str) -> Iterator[None]:
    """Any exception from Pillow or a plugin becomes `error_type`: damaged bytes make plugins
    raise nearly anything. MemoryError is left alone (the header's pixel limits, checked
    first, keep it from happening: if it does, it is the server's failure, not the input's)."""
    try:
        yield
    except (MemoryError, ImageRepoError):
        raise
    except Exception as error:
        raise _translated(error, error_type, message) from error


class PillowProcessor:
    """Opens uploads only with the allowed plugins and enforces pixel limits itself (the
    domain's ImageLimits), so Pillow's global bomb limit is switched off rather than raced."""

    def __init__(self, max_concurrent: int = 2, prepared_cache_bytes: int = 0) -> None:
        # Decoding holds up to hundreds of MB and a core each: at most this many at once,
        # whatever the number of threads asking.
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._prepared = PreparedImages(prepared_cache_bytes)
        Image.init()  # load every plugin now: `formats=` only finds registered ones
        Image.MAX_IMAGE_PIXELS = None
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        self._plugins = readable_plugins()

    @contextmanager
    def _open(self, data: ImageSource) -> Iterator[ImageFile.ImageFile]:
        """An original still arriving is read as it arrives: decoding overlaps the download."""
        file = io.BytesIO(data) if isinstance(data, bytes) else data.reader()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                image = Image.open(cast(IO[bytes], file), formats=self._plugins)
        except (MemoryError, ImageRepoError):  # ImageRepoError: the download failed
            raise
        except Exception as error:
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
            yield image

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
        with self._open(data) as image:
            width, height = image.size
            if swaps_sides(header_orientation(image)):
                width, height = height, width
            with _failures_as(CorruptImageError, "the image's frames cannot be read"):
                frames = int(getattr(image, "n_frames", 1))
            return ImageInfo(PILLOW_TO_FORMAT[str(image.format)], width, height, frames)

    def check_decodes(self, data: bytes, original_id: str | None = None) -> None:
        """Decodes and prepares the served frame exactly as a derivation does (`_prepare`), so
        what passes can be derived: Pillow's `verify` reads no pixel data of most formats. A
        JPEG is decoded at 1/8 scale (DCT scaling): it still reads every byte of the scan, so it
        finds truncation at an eighth of the cost. Every frame of an animated GIF or WebP is
        decoded too (gif and webp serve them animated); other formats' later frames are only
        counted (`identify`): what they serve is the first frame."""
        failures = _failures_as(CorruptImageError, "the image cannot be decoded")
        with self._slots, self._open(data) as source, failures:
            self._prepare(source, _CHECK_SPEC, original_id)
            if source.format in _ANIMATED_INPUTS:
                # served animated (as gif or webp): every frame is decoded then; the upload
                # limits (max_frames) bounded their number before this
                decode_every_frame(source, int(getattr(source, "n_frames", 1)))

    def derive(
        self,
        data: ImageSource,
        spec: Spec,
        original_id: str | None = None,
        *,
        background: bool = False,
    ) -> DerivedImage:
        """Decoding failures are CorruptImageError; an encoder refusing the decoded image (WebP
        stops at 16383 pixels a side) is the request's: another size or kind would work."""
        slot = contextlib.nullcontext() if background else self._slots
        with slot, self._open(data) as source:
            if is_animation(source, spec):
                return self._derive_animation(source, spec)
            with _failures_as(CorruptImageError, "the stored image cannot be decoded"):
                exif = None if spec.strip_metadata else readable_exif(source)
                prepared = self._prepare(source, spec, original_id)
                image = prepared
                for step in FINISHING:
                    image = step(image, spec)
            if image is prepared and original_id is not None:
                # Shared with other threads through PreparedImages, and saving writes
                # encoder settings onto the image object: encode a private copy.
                image = image.copy()
            refusal = (
                f"{spec.kind.value.upper()} cannot encode {image.width}x{image.height} pixels;"
                " ask for a smaller size or another kind"
            )
            with _failures_as(InvalidParameterError, refusal):
                encoded = encode(image, spec, exif)
            return DerivedImage(spec.kind, encoded)

    def _derive_animation(self, source: ImageFile.ImageFile, spec: Spec) -> DerivedImage:
        """No metadata is kept on an animation, whatever `strip_metadata` says."""
        with _failures_as(CorruptImageError, "the stored image cannot be decoded"):
            animated = animation(source, spec)
        width, height = animated.frames[0].size
        refusal = (
            f"{spec.kind.value.upper()} cannot encode an animation of {width}x{height} pixels;"
            " ask for a smaller size or another kind"
        )
        with _failures_as(InvalidParameterError, refusal):
            return DerivedImage(spec.kind, encode_animation(animated, spec))

    def read_meta(
        self, data: bytes, *, include_gps: bool, partial: bool = False
    ) -> ImageMeta | None:
        if partial:
            return self._read_meta_of_start(data, include_gps=include_gps)
        info = self.identify(data)
        with self._open(data) as image:
            exif = whitelisted_exif(image, include_gps=include_gps)
            return ImageMeta(info.format, info.width, info.height, image.mode, exif)

    def _read_meta_of_start(self, start: bytes, *, include_gps: bool) -> ImageMeta | None:
        """What `read_meta` answers for the whole image, worked out the same way (one opening
        as `identify`'s, frames counted, then a fresh one for mode and EXIF) from readers of
        `start` that refuse reads past it (StartOfImage). None when one was refused, or when
        anything failed: the whole then says whether the image is damaged."""
        readers = (StartOfImage(start), StartOfImage(start))

        def opened(reader: StartOfImage) -> ImageFile.ImageFile:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return Image.open(cast(IO[bytes], reader), formats=self._plugins)

        try:
            with opened(readers[0]) as image:
                width, height = image.size
                if swaps_sides(header_orientation(image)):
                    width, height = height, width
                int(getattr(image, "n_frames", 1))  # as `identify`: damage may show here
                image_format = PILLOW_TO_FORMAT[str(image.format)]
            with opened(readers[1]) as image:
                exif = whitelisted_exif(image, include_gps=include_gps)
                meta = ImageMeta(image_format, width, height, image.mode, exif)
        except Exception:
            return None
        return None if any(reader.wanted_more for reader in readers) else meta

    def _prepare(
        self, source: ImageFile.ImageFile, spec: Spec, original_id: str | None
    ) -> Image.Image:
        """The decoded, upright, sRGB image, from PreparedImages when this original was
        prepared at the same DCT scale before (the scale is chosen from the header alone)."""
        self._shrink_on_load(source, spec)
        key = None if original_id is None else (original_id, source.mode, source.size)
        if key is not None and (prepared := self._prepared.get(key)) is not None:
            return prepared
        source.load()
        image: Image.Image = source
        for step in PREPARATION:
            image = step(image, spec)
        return image if key is None else self._prepared.put(key, image)

    def _shrink_on_load(self, image: ImageFile.ImageFile, spec: Spec) -> None:
        """First frame only; a JPEG is shrunk by DCT scaling while it decodes when a box asks
        for far fewer pixels, which is where most of a thumbnail's time would otherwise go.
        Nothing is decoded here: `image.size` becomes the size decoding will give."""
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)
        if spec.box is not None and image.format in ("JPEG", "MPO"):
            width, height = image.size
            scaled = spec.box.fill if spec.is_cover else spec.box.fit
            if swaps_sides(orientation_of(image)):
                target_h, target_w = scaled(height, width)
            else:
                target_w, target_h = scaled(width, height)
            image.draft(image.mode, (target_w, target_h))
