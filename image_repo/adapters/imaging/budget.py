"""What one request may spend opening an image: its pixels, its structure and its CPU time.

The header's pixel limits (the domain's ImageLimits) stop a file that declares a huge image.
They cannot stop a small file that declares a small image and still costs minutes or gigabytes:
a GIF frame whose extents grow the canvas to 65535x65535 after the header was read, a JPEG that
repeats one scan twenty thousand times, a TIFF of a hundred thousand chained IFDs, an RLE bitmap
that Pillow decodes in Python. Each is refused here from its structure, before its pixels are
allocated, and whatever slips through is stopped by a deadline on the thread's CPU time,
checked at every read of the file, every frame and every step.
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Callable
from typing import IO

import attrs
from PIL import Image, ImageFile

from image_repo.application.ports import ByteReader
from image_repo.domain.errors import ImageBudgetError, TooManyPixelsError
from image_repo.domain.limits import ImageLimits

# A progressive JPEG's scans: libjpeg's default progression has 10, optimisers a few more; each
# costs an entropy decode of the whole image however small the output (DCT scaling does not
# help). Only progressive JPEGs are counted, as TurboJPEG's own scan limit does.
MAX_JPEG_SCANS = 100
# Pillow decodes RLE bitmaps in Python (about 6 MP/s here): a 5 KB file declaring 64 MP cost 11 s.
MAX_RLE_PIXELS = 4_000_000
_SOS = b"\xff\xda"
_TILE_WIDTH, _TILE_LENGTH = 322, 323
_TILE_SLACK = 512  # writers' usual tile sizes (256, 512) on an image smaller than one


def guard_pillow(max_pixels: int) -> None:
    """Set once at start-up: Pillow's own bomb check refuses what is over twice
    `images.max_pixels` in every plugin, also where this module does not look. Its warnings
    between one and two times are silenced: every frame is checked here, exactly, and a
    warning would reach stderr outside the log's format."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


@attrs.define
class Deadline:
    """A CPU-time budget of the calling thread (decoding runs on one thread), so time spent
    waiting for an original still arriving from Swift does not count against it."""

    max_seconds: float
    started: float = attrs.field(factory=time.thread_time)

    def check(self, doing: str) -> None:
        spent = time.thread_time() - self.started
        if spent > self.max_seconds:
            raise ImageBudgetError(
                f"{doing} took over images.max_decode_seconds ({self.max_seconds:g} s of CPU);"
                " the work was abandoned"
            )


_SMALL_READ_BYTES = 4096
_SMALL_READS_PER_CHECK = 64


class BudgetedReader:
    """The file Pillow reads an image from: each read first looks at the deadline (decoders
    read 64 KiB at a time). Once `limit_scans` is called, JPEG scan markers are counted too:
    each byte once, however often a plugin seeks back over it."""

    def __init__(self, file: ByteReader, deadline: Deadline) -> None:
        self._file = file
        self._deadline = deadline
        self._seen_to = 0  # the furthest offset read
        self._max_scans: int | None = None
        self._small_reads = 0
        self.scans = 0

    def read(self, size: int = -1, /) -> bytes:
        self._small_reads += 1
        if not 0 <= size < _SMALL_READ_BYTES or self._small_reads >= _SMALL_READS_PER_CHECK:
            # a header is parsed in thousands of reads of a few bytes: the clock is read
            # (a system call) every 64th of those and before every decoder's block
            self._small_reads = 0
            self._deadline.check("reading the image")
        start = self._file.tell()
        data = self._file.read(size)
        end = start + len(data)
        if end > self._seen_to:
            if self._max_scans is not None:
                # one byte of overlap finds a marker split between two reads
                self.scans += data[max(self._seen_to - start - 1, 0) :].count(_SOS)
            self._seen_to = end
            self._check_scans()
        return data

    def limit_scans(self, max_scans: int, whole: bytes | None = None) -> None:
        """Count SOS markers from here on, and those already read; with the `whole` file at
        hand, all of them now, so a refusal comes before any decoding. Counting costs a pass
        over the bytes (3 ms for a 24 MP JPEG), so only progressive JPEGs pay it."""
        self._max_scans = max_scans
        if whole is not None:
            self.scans, self._seen_to = whole.count(_SOS), len(whole)
        else:
            position = self._file.tell()
            self._file.seek(0)
            self.scans = self._file.read(self._seen_to).count(_SOS)
            self._file.seek(position)
        self._check_scans()

    def _check_scans(self) -> None:
        if self._max_scans is not None and self.scans > self._max_scans:
            raise ImageBudgetError(f"a JPEG of over {self._max_scans} scans")

    def seek(self, offset: int, whence: int = 0, /) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def as_file(self) -> IO[bytes]:
        return self  # type: ignore[return-value]  # the subset of IO that Pillow uses


def bounded_frame_count(image: ImageFile.ImageFile, limit: int) -> int:
    """`image.n_frames`, or `limit + 1` when there are more, without walking past frame
    `limit`: Pillow counts a GIF's or TIFF's frames by parsing every one (a TIFF of 200,000
    chained IFDs took 269 s), while the other formats declare their count in the header."""
    if image.format not in ("GIF", "TIFF"):
        return int(getattr(image, "n_frames", 1))
    current = image.tell()
    count = 1
    # GIF: Pillow's private `_seek(n, False)` skips a frame without decoding it (its public
    # seek decodes each frame passed); TIFF's public seek only reads the next IFD.
    skip_to: Callable[[int], None] = image.seek
    if image.format == "GIF":
        gif_seek = image._seek  # type: ignore[attr-defined]
        skip_to = functools.partial(gif_seek, update_image=False)
    try:
        while count <= limit:
            skip_to(image.tell() + 1)
            count += 1
    except EOFError:
        pass
    image.seek(current)
    return count


def check_structure(image: ImageFile.ImageFile, limits: ImageLimits) -> None:
    """What the header shows beyond its size: a bitmap decoded in Python, TIFF tiles."""
    width, height = image.size
    is_rle = any(tile.codec_name == "bmp_rle" for tile in image.tile)
    if is_rle and width * height > MAX_RLE_PIXELS:
        raise ImageBudgetError(
            f"an RLE-compressed BMP of {width}x{height} pixels; the limit for RLE is"
            f" {MAX_RLE_PIXELS} pixels"
        )
    if image.format == "TIFF":
        tags = getattr(image, "tag_v2", {})
        tile_w, tile_h = int(tags.get(_TILE_WIDTH, 0)), int(tags.get(_TILE_LENGTH, 0))
        # libtiff allocates a whole tile whatever the image's size: a tile may pass the image
        # by its rounding to 16, not by more (one of 16384x16384 in a 100x100 TIFF took 800 MB)
        if tile_w > _rounded_up(width) + _TILE_SLACK or tile_h > _rounded_up(height) + _TILE_SLACK:
            raise ImageBudgetError(
                f"a TIFF tile of {tile_w}x{tile_h} pixels in an image of {width}x{height}"
            )


def _rounded_up(side: int) -> int:
    return -(-side // 16) * 16


def check_frame(image: Image.Image, limits: ImageLimits, index: int) -> None:
    """Once a frame is sought and before it is decoded: a GIF frame's extents may grow the
    canvas past what the header said."""
    width, height = image.size
    if width * height > limits.max_pixels:
        raise TooManyPixelsError(
            f"frame {index} is {width}x{height} pixels; the limit is {limits.max_pixels}"
        )
