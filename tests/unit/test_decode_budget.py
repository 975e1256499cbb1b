"""The decoding budget (issue 21): every crafted input refused from its structure, in
milliseconds, by both processors; what passes stays bounded by the CPU deadline and by memory."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import pytest
from PIL import Image

from image_repo.adapters.imaging.budget import MAX_JPEG_SCANS, Deadline, guard_pillow
from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.application.ports import ImageProcessor
from image_repo.domain.errors import (
    ImageBudgetError,
    InvalidParameterError,
    TooLargeError,
    TooManyPixelsError,
)
from image_repo.domain.formats import ImageFormat
from image_repo.domain.limits import ImageLimits
from image_repo.domain.spec import Box, Spec
from tests.crafted import CRAFTED, _progressive_with_repeated_scan, jpeg_scans
from tests.images import encoded, picture
from tests.processors import PROCESSORS
from tests.unit.test_arriving_body import fed

# Refused whatever is asked of them: by the header, the frames or the structure.
REFUSED = sorted(set(CRAFTED) - {"gif_extents_bomb", "png_rgba_75mp_wide", "gif_merging_frames"})
SPECS = {
    "thumbnail": Spec(box=Box(50, 50)),
    "png": Spec(kind=ImageFormat.PNG),
    "webp": Spec(kind=ImageFormat.WEBP, max_frames=100),
    "gif": Spec(kind=ImageFormat.GIF, max_frames=100),
    "avif": Spec(kind=ImageFormat.AVIF),
}


@pytest.fixture(scope="module", autouse=True)
def pillow_guard() -> None:
    guard_pillow(ImageLimits().max_pixels)


@pytest.fixture(scope="module")
def crafted() -> dict[str, bytes]:
    return {name: make() for name, make in CRAFTED.items()}


def _refusal_time(operation: Callable[[], object]) -> float:
    started = time.monotonic()
    with pytest.raises(TooLargeError):
        operation()
    return time.monotonic() - started


@pytest.mark.parametrize("case", REFUSED)
def test_a_crafted_upload_is_refused_in_milliseconds(crafted: dict[str, bytes], case: str) -> None:
    processor = PillowProcessor(ImageLimits())
    assert _refusal_time(lambda: processor.identify(crafted[case])) < 0.5


@pytest.mark.parametrize("make", PROCESSORS)
@pytest.mark.parametrize("case", REFUSED)
def test_a_crafted_original_is_refused_by_every_derivation(
    crafted: dict[str, bytes], case: str, make: Callable[[], ImageProcessor]
) -> None:
    processor = make()
    for spec in SPECS.values():
        assert _refusal_time(lambda: processor.derive(crafted[case], spec)) < 0.5  # noqa: B023


def test_metadata_reads_keep_the_budget(crafted: dict[str, bytes]) -> None:
    """A 60000x60000 PNG put straight into Swift cost 3.5 GB on the meta=true path."""
    processor = PillowProcessor(ImageLimits())
    with pytest.raises(TooManyPixelsError):
        processor.read_meta(crafted["png_60000"], include_gps=False)
    with pytest.raises(TooManyPixelsError):
        processor.read_meta(crafted["png_60000"], include_gps=False, partial=True)


def test_a_frame_growing_the_canvas_past_the_limit_is_refused_before_decoding(
    crafted: dict[str, bytes],
) -> None:
    """The header says 100x100; the second frame's extents say 65535x65535."""
    processor = PillowProcessor(ImageLimits())
    assert processor.identify(crafted["gif_extents_bomb"]).width == 100
    with pytest.raises(TooManyPixelsError):
        processor.check_decodes(crafted["gif_extents_bomb"])
    with pytest.raises(TooManyPixelsError):
        processor.derive(crafted["gif_extents_bomb"], SPECS["webp"])


def test_a_canvas_grown_within_twice_the_limit_is_refused_too() -> None:
    """Pillow's own check only warns below twice its limit; each frame is checked exactly."""
    frames = [Image.new("L", (40, 40), shade) for shade in (0, 255)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=50)
    data = bytearray(buffer.getvalue())
    second = data.index(b",", data.index(b",") + 1)  # the second image descriptor
    data[second + 5 : second + 9] = (50).to_bytes(2, "little") * 2  # 50x50 extents
    processor = PillowProcessor(ImageLimits(max_pixels=2000))
    with pytest.raises(TooManyPixelsError):
        processor.check_decodes(bytes(data))


def test_an_animation_is_bounded_by_its_total_pixels() -> None:
    frames = [Image.new("RGB", (64, 64), (index * 40, 0, 0)) for index in range(5)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=50)
    processor = PillowProcessor(ImageLimits(max_animation_pixels=64 * 64 * 4))
    with pytest.raises(TooManyPixelsError, match="the limit for an animation"):
        processor.identify(buffer.getvalue())


@pytest.mark.parametrize("make", PROCESSORS)
def test_an_output_past_its_encoders_side_is_refused_before_decoding(
    crafted: dict[str, bytes], make: Callable[[], ImageProcessor]
) -> None:
    started = time.monotonic()
    with pytest.raises(InvalidParameterError, match="16383"):
        make().derive(crafted["png_rgba_75mp_wide"], SPECS["webp"])
    assert time.monotonic() - started < 0.5


def test_work_past_the_cpu_deadline_is_abandoned() -> None:
    processor = PillowProcessor(ImageLimits(), max_decode_seconds=1e-9)
    data = encoded(picture(640, 480), "PNG")
    with pytest.raises(ImageBudgetError, match=r"images\.max_decode_seconds"):
        processor.derive(data, Spec(box=Box(64, 64)))


def test_the_deadline_counts_this_threads_cpu_only() -> None:
    deadline = Deadline(0.05)
    time.sleep(0.1)  # waiting (for Swift, say) is not decoding
    deadline.check("waiting")


def test_a_memory_error_while_decoding_is_this_requests_413() -> None:
    class ExhaustedMemory(io.BytesIO):
        def read(self, size: int | None = -1, /) -> bytes:
            raise MemoryError

    class Source:
        def reader(self) -> ExhaustedMemory:
            return ExhaustedMemory(b"")

    with pytest.raises(ImageBudgetError, match=r"workers\.max_memory_bytes"):
        PillowProcessor().identify(Source())  # type: ignore[arg-type]


@pytest.mark.parametrize("make", PROCESSORS)
def test_frames_that_merge_once_resized_are_one_gif(
    crafted: dict[str, bytes], make: Callable[[], ImageProcessor]
) -> None:
    """Pillow's GIF writer raised TypeError (a 400 'cannot encode') when every frame merged."""
    spec = Spec(kind=ImageFormat.GIF, box=Box(16, 16), max_frames=100)
    served = Image.open(io.BytesIO(make().derive(crafted["gif_merging_frames"], spec).data))
    assert served.format == "GIF"
    served.load()


@pytest.mark.parametrize("arriving", [False, True])
def test_a_jpeg_within_the_scan_limit_is_counted_once(arriving: bool) -> None:
    """Counted up front (whole bytes) or as they stream, each scan counts once: a JPEG of 60
    scans passes a limit of 100, however its bytes are read again while decoding."""
    data = _progressive_with_repeated_scan(picture(64, 48), 50)
    assert 50 < len(jpeg_scans(data)) <= MAX_JPEG_SCANS
    processor = PillowProcessor(ImageLimits())
    source = fed(data) if arriving else data
    assert processor.derive(source, Spec(box=Box(32, 32))).format is ImageFormat.JPEG
