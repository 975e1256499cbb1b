"""Each Pillow pipeline step on tiny generated images, one behaviour per test."""

from __future__ import annotations

import io

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
