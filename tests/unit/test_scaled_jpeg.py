"""Plain JPEGs decoded straight at the size asked (the auto processor, nothing kept) look as
Pillow's path makes them: same size, orientation, colours."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from image_repo.adapters.imaging.scaled_jpeg import decode_scaled
from image_repo.container.factories import image_processor
from image_repo.domain.errors import CorruptImageError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.limits import ImageLimits
from image_repo.domain.spec import Box, Spec
from tests.icc import adobe_rgb_profile
from tests.images import encoded, jpeg_with_gps, picture

FIT = Spec(kind=ImageFormat.PNG, box=Box(300, 300))


def _derived(processor: str, data: bytes, spec: Spec = FIT) -> Image.Image:
    made = image_processor(processor, ImageLimits(), 10.0, 1, 0).derive(data, spec)
    return Image.open(io.BytesIO(made.data))


def _mean_difference(first: Image.Image, second: Image.Image) -> float:
    assert (first.mode, first.size) == (second.mode, second.size)
    return max(ImageStat.Stat(ImageChops.difference(first, second)).mean)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_comes_out_upright_as_pillow_makes_it(orientation: int) -> None:
    data = jpeg_with_gps(1600, 1000, orientation=orientation)
    ours, pillows = _derived("auto", data), _derived("pillow", data)
    assert _mean_difference(ours, pillows) < 2.0


def test_grey_and_small_jpegs() -> None:
    grey = encoded(picture(1200, 900).convert("L"), "JPEG", quality=90)
    assert _mean_difference(_derived("auto", grey), _derived("pillow", grey)) < 2.0
    small = encoded(picture(200, 100), "JPEG", quality=90)  # never enlarged: decoded 1/1
    assert _derived("auto", small).size == (200, 100)


def test_a_profile_other_than_srgb_is_still_converted() -> None:
    mid_tones = Image.blend(picture(1200, 900), Image.new("RGB", (1200, 900), (40, 160, 90)), 0.7)
    data = encoded(mid_tones, "JPEG", quality=90, icc_profile=adobe_rgb_profile())
    ours, pillows = _derived("auto", data), _derived("pillow", data)
    assert _mean_difference(ours, pillows) < 2.0
    unconverted = _derived("auto", encoded(mid_tones, "JPEG", quality=90))
    assert _mean_difference(ours, unconverted) > 2.0


def test_decoded_at_the_exact_size_or_not_at_all() -> None:
    data = encoded(picture(2040, 1356), "JPEG", quality=90)
    image = decode_scaled(data, "RGB", (512, 340))
    assert image is not None and (image.mode, image.size) == ("RGB", (512, 340))
    assert decode_scaled(data, "CMYK", (512, 340)) is None
    assert decode_scaled(data[: len(data) // 2], "RGB", (512, 340)) is None  # cut short


def test_a_jpeg_this_decoder_refuses_is_pillows_to_judge() -> None:
    truncated = encoded(picture(1200, 900), "JPEG", quality=90)[:-400]
    Image.open(io.BytesIO(truncated))  # the header still reads
    for processor in ("auto", "pillow"):
        with pytest.raises(CorruptImageError, match="truncated"):
            _derived(processor, truncated)
