"""Each Pillow pipeline step on tiny generated images, one behaviour per test."""

from __future__ import annotations

import io
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image, ImageCms

from image_repo.adapters.imaging.encode import encode
from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.adapters.imaging.steps import fit, flatten, orient, sharpen, to_srgb
from image_repo.domain.formats import ImageFormat
from image_repo.domain.spec import Box, Spec
from tests.icc import adobe_rgb_profile
from tests.images import (
    EXIF_IFD,
    GPS_IFD,
    XMP_TAG,
    encoded,
    exif_with_gps,
    exif_with_location_everywhere,
    jpeg_with_gps,
)


def pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.convert("RGB").getpixel(xy)
    assert isinstance(value, tuple)
    return value


def reopened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_orient_applies_the_exif_rotation() -> None:
    image = reopened(jpeg_with_gps(40, 20, orientation=6))
    assert orient(image, Spec()).size == (20, 40)


def test_orient_ignores_an_out_of_range_orientation() -> None:
    exif = exif_with_gps()
    exif[0x0112] = 42
    image = reopened(encoded(Image.new("RGB", (40, 20)), "JPEG", exif=exif.tobytes()))
    assert orient(image, Spec()).size == (40, 20)


def test_to_srgb_converts_through_the_embedded_profile() -> None:
    source = Image.new("RGB", (4, 4), (40, 160, 60))
    source.info["icc_profile"] = adobe_rgb_profile()
    expected = ImageCms.profileToProfile(
        source,
        ImageCms.ImageCmsProfile(io.BytesIO(adobe_rgb_profile())),
        ImageCms.createProfile("sRGB"),
    )
    assert expected is not None
    assert pixel(to_srgb(source, Spec()), (0, 0)) == pixel(expected, (0, 0))


def test_to_srgb_treats_a_corrupt_profile_as_srgb() -> None:
    source = Image.new("RGB", (4, 4), (40, 160, 60))
    source.info["icc_profile"] = b"not a profile"
    assert pixel(to_srgb(source, Spec()), (0, 0)) == (40, 160, 60)


def test_to_srgb_scales_16_bit_grey_instead_of_clipping() -> None:
    grey = to_srgb(Image.new("I;16", (2, 2), 32768), Spec())
    assert grey.mode == "L" and grey.getpixel((0, 0)) == 128


def test_to_srgb_keeps_palette_transparency_as_alpha() -> None:
    image = Image.new("P", (2, 2), 0)
    image.info["transparency"] = 0
    assert to_srgb(image, Spec()).mode == "RGBA"


def test_fit_keeps_the_aspect_and_never_enlarges() -> None:
    image = Image.new("RGB", (400, 200))
    assert fit(image, Spec(box=Box(100, 100))).size == (100, 50)
    assert fit(image, Spec(box=Box(1000, 1000))) is image


def test_sharpen_only_when_asked() -> None:
    image = Image.new("RGB", (8, 8))
    assert sharpen(image, Spec()) is image
    assert sharpen(image, Spec(sharpen=0.5)) is not image


def test_flatten_puts_alpha_on_the_background_for_jpeg_only() -> None:
    clear = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    assert pixel(flatten(clear, Spec(background="00ff00")), (1, 1)) == (0, 255, 0)
    assert flatten(clear, Spec(kind=ImageFormat.PNG)).mode == "RGBA"


def test_encode_writes_no_metadata_by_default() -> None:
    image = reopened(jpeg_with_gps(40, 30))
    image.load()
    out = reopened(encode(image, Spec()))
    assert not out.getexif() and "comment" not in out.info


def test_encode_keeps_exif_with_orientation_reset_when_stripping_is_off() -> None:
    source = reopened(jpeg_with_gps(40, 30, orientation=6))
    exif = source.getexif()
    out = reopened(encode(orient(source, Spec()), Spec(strip_metadata=False), exif))
    assert out.getexif()[0x0112] == 1
    assert out.getexif()[0x010F] == "TestCam"


@pytest.mark.parametrize(
    "kind", [ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP, ImageFormat.TIFF]
)
def test_encode_with_stripping_off_keeps_exif_but_never_the_location(kind: ImageFormat) -> None:
    source = reopened(
        encoded(Image.new("RGB", (40, 30)), "JPEG", exif=exif_with_location_everywhere())
    )
    data = encode(orient(source, Spec()), Spec(kind=kind, strip_metadata=False), source.getexif())
    kept = reopened(data).getexif()
    assert (kept[0x010F], kept.get_ifd(EXIF_IFD)[0x9003]) == ("TestCam", "2024:05:06 07:08:09")
    assert GPS_IFD not in kept and not kept.get_ifd(GPS_IFD)
    assert XMP_TAG not in kept and b"GPSLatitude" not in data


def test_encode_with_stripping_off_drops_an_exif_block_it_cannot_rewrite() -> None:
    exif = exif_with_gps()
    exif[0x9999] = object()  # a value no IFD can hold
    data = encode(Image.new("RGB", (8, 8)), Spec(strip_metadata=False), exif)
    assert not reopened(data).getexif()


def test_processor_draft_decodes_a_large_jpeg_small() -> None:
    data = encoded(Image.new("RGB", (1600, 1200), "red"), "JPEG")
    derived = PillowProcessor().derive(data, Spec(box=Box(100, 100)))
    assert reopened(derived.data).size == (100, 75)


def test_prepared_originals_give_the_same_bytes_and_are_reused() -> None:
    """Sizes that decode at one DCT scale start from one prepared image, and every output is
    byte for byte what a processor without the cache makes."""
    rotated = jpeg_with_gps(1600, 1200, orientation=6)
    adobe = encoded(
        Image.new("RGB", (1200, 800), (200, 40, 40)), "JPEG", icc_profile=adobe_rgb_profile()
    )
    plain, cached = PillowProcessor(), PillowProcessor(prepared_cache_bytes=64 << 20)
    for original_id, data in (("a/rotated", rotated), ("a/adobe", adobe)):
        for spec in (
            Spec(box=Box(150, 150)),
            Spec(box=Box(140, None), kind=ImageFormat.PNG),
            Spec(box=Box(60, 60), is_thumbnail=True, sharpen=0.5),
            Spec(box=Box(700, None)),
            Spec(),
        ):
            assert cached.derive(data, spec, original_id) == plain.derive(data, spec), spec
    # 1/8 and 1/2 scale of the 1200x1600 and the 800x1200 fit a 64 MiB budget; full size too
    assert cached._prepared.bytes > 0
    before = cached._prepared.bytes
    cached.derive(rotated, Spec(box=Box(145, 145)), "a/rotated")
    assert cached._prepared.bytes == before  # same scale as the 150 box: no new entry


def test_prepared_originals_stay_within_their_budget() -> None:
    processor = PillowProcessor(prepared_cache_bytes=4 << 20)
    for index in range(6):
        data = jpeg_with_gps(1000 + index, 700)
        processor.derive(data, Spec(box=Box(800, 800)), f"b/{index}")
        assert processor._prepared.bytes <= 4 << 20
    processor.derive(jpeg_with_gps(2000, 2000), Spec(), "b/big")  # 12 MB: over a quarter
    assert processor._prepared.bytes <= 4 << 20


def test_threads_sharing_a_prepared_original_each_get_their_own_bytes() -> None:
    """Sizes that need no resize encode the prepared image itself; Pillow writes encoder
    settings onto the image it saves, so each thread must encode its own copy. A stress test:
    without that copy it failed about one run in three here."""
    data = jpeg_with_gps(900, 600)
    specs = [Spec(kind=kind) for kind in (ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP)]
    expected = {spec.kind: PillowProcessor().derive(data, spec) for spec in specs}
    shared = PillowProcessor(max_concurrent=8, prepared_cache_bytes=64 << 20)
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # hand the GIL over as often as possible: races show up
    try:
        with ThreadPoolExecutor(8) as pool:
            made = list(pool.map(lambda n: shared.derive(data, specs[n % 3], "c/x"), range(60)))
    finally:
        sys.setswitchinterval(switch_interval)
    assert all(image == expected[image.format] for image in made)
