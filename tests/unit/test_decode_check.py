"""The upload's decoding check (SPEC §3, §8): what passes can be derived, whatever is wrong with
the bytes, and any decoder failure is a CorruptImageError, never another exception."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image

from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.adapters.imaging.vips_processor import VipsProcessor
from image_repo.domain.errors import (
    CorruptImageError,
    InvalidParameterError,
    UnsupportedImageError,
)
from image_repo.domain.formats import ImageFormat
from image_repo.domain.spec import Box, Spec
from tests import hostile
from tests.images import encoded, exif_with_gps, picture

PROCESSOR = PillowProcessor()

# Each was answered 201 (or 500) before issue 12, and could never be served.
NAMED_CASES: dict[str, Callable[[], bytes]] = {
    "tiff-second-page-without-width": hostile.tiff_second_page_without_width,
    "truncated-gif": hostile.truncated(lambda: encoded(picture(200, 150), "GIF"), 0.6),
    "truncated-tiff": hostile.truncated(hostile.single_frame("TIFF"), 0.6),
    "truncated-bmp": hostile.truncated(hostile.single_frame("BMP"), 0.6),
    "tiff-damaged-strip": hostile.tiff_with_damaged_strip,
    "tiff-webp-compression": hostile.tiff_with_webp_compression,
    "bmp-oversized-palette": hostile.bmp_with_oversized_palette,
    "apng-without-frame-control": hostile.apng_without_second_frame_control,
}


def upload_check(processor: PillowProcessor | VipsProcessor, data: bytes) -> None:
    processor.identify(data)
    processor.check_decodes(data)


@pytest.mark.parametrize("case", sorted(NAMED_CASES))
def test_named_damaged_files_are_corrupt_images(case: str) -> None:
    with pytest.raises(CorruptImageError):
        upload_check(PROCESSOR, NAMED_CASES[case]())


def test_the_vips_processor_checks_uploads_the_same_way() -> None:
    vips = VipsProcessor(PROCESSOR)
    for case, make in NAMED_CASES.items():
        with pytest.raises(CorruptImageError):
            upload_check(vips, make())
            pytest.fail(case)


def test_a_plugins_python_exception_is_a_corrupt_image_with_no_python_in_its_detail() -> None:
    """`n_frames` raises TypeError('Missing dimensions') on this TIFF."""
    with pytest.raises(CorruptImageError) as refused:
        PROCESSOR.identify(hostile.tiff_second_page_without_width())
    assert isinstance(refused.value.__cause__, TypeError)
    assert "TypeError" not in refused.value.detail


def test_an_unidentifiable_image_detail_holds_no_repr() -> None:
    with pytest.raises(CorruptImageError) as refused:
        PROCESSOR.identify(hostile.png_declaring(0, 0))
    assert "<" not in refused.value.detail and "0x" not in refused.value.detail


def decodes_whole(data: bytes) -> bool:
    """Decoded at full scale (what `kind=png` without a box does), Pillow's strict settings."""
    try:
        PROCESSOR.derive(data, Spec(kind=ImageFormat.PNG))
    except CorruptImageError:
        return False
    return True


@pytest.mark.parametrize("progressive", [False, True])
def test_a_jpeg_cut_anywhere_is_refused_or_decodes_at_full_scale(progressive: bool) -> None:
    """The check decodes a JPEG at 1/8 DCT scale: every cut must still be found, so an upload
    that passes always decodes whole (a cut that leaves only the end-of-image marker off
    decodes whole: libjpeg completes it)."""
    grain = Image.effect_noise((480, 360), 40).convert("RGB")
    photo = Image.blend(picture(480, 360), grain, 0.3)
    data = encoded(photo, "JPEG", quality=90, progressive=progressive, exif=exif_with_gps())
    step = len(data) // 150
    cuts = sorted({*range(1, len(data), step), *range(len(data) - 40, len(data))})
    refused = 0
    for cut in cuts:
        try:
            upload_check(PROCESSOR, data[:cut])
        except (CorruptImageError, UnsupportedImageError):
            refused += 1
            continue
        except Exception as error:  # the upload check must never raise anything else
            pytest.fail(f"cut at {cut}: {error!r}")
        assert decodes_whole(data[:cut]), f"cut at {cut} of {len(data)} passed the check"
    assert refused >= len(cuts) - 3, (refused, len(cuts))


def test_an_encoder_limit_is_a_request_error_that_names_it() -> None:
    """WebP stops at 16383 pixels a side: that kind at that size is refused, the original is
    fine (another kind or a box serves it)."""
    strip = encoded(Image.new("L", (20000, 1)), "PNG")
    upload_check(PROCESSOR, strip)
    with pytest.raises(InvalidParameterError, match="WEBP cannot encode 20000x1"):
        PROCESSOR.derive(strip, Spec(kind=ImageFormat.WEBP))
    assert PROCESSOR.derive(strip, Spec(kind=ImageFormat.WEBP, box=Box(8000, None)))


def test_a_check_that_passes_leaves_the_image_derivable_in_every_kind() -> None:
    data = encoded(picture(120, 90, "RGBA"), "PNG")
    upload_check(PROCESSOR, data)
    for kind in (ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.GIF, ImageFormat.BMP):
        image = Image.open(io.BytesIO(PROCESSOR.derive(data, Spec(kind=kind)).data))
        image.load()


def test_libvips_hands_a_damaged_original_to_pillow_which_says_so() -> None:
    """libvips reads past damage by default; a cut PNG must not come out half grey."""
    cut = hostile.truncated(lambda: encoded(picture(200, 150), "PNG"))()
    with pytest.raises(CorruptImageError, match="truncated"):
        VipsProcessor(PROCESSOR).derive(cut, Spec(kind=ImageFormat.PNG))
