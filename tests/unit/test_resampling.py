"""libvips' resampling (the auto processor's) gives Pillow's LANCZOS result, size for size."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageStat

from image_repo.adapters.imaging.resampling import pillow_resample, vips_resample
from tests.images import picture


def _photo(mode: str, size: tuple[int, int] = (1021, 677)) -> Image.Image:
    image = picture(*size).convert(mode)
    if "A" in mode:  # a real alpha ramp, fully transparent on the left
        image.putalpha(Image.linear_gradient("L").rotate(90).resize(size))
    return image


def _premultiplied(image: Image.Image) -> Image.Image:
    """What the eye sees of an image with alpha: colour weighted by coverage."""
    if image.mode not in ("RGBA", "LA"):
        return image
    return image.convert("RGBa" if image.mode == "RGBA" else "La")


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA", "LA"])
@pytest.mark.parametrize("size", [(512, 339), (100, 66), (1000, 663), (37, 500)])
def test_libvips_matches_pillow_within_a_level(mode: str, size: tuple[int, int]) -> None:
    image = _photo(mode)
    ours = vips_resample(image, size, 2.0)
    reference = pillow_resample(image, size, 2.0)
    assert (ours.mode, ours.size) == (mode, size)
    difference = ImageChops.difference(_premultiplied(ours), _premultiplied(reference))
    assert max(ImageStat.Stat(difference).mean) < 1.0  # mean error under one level of 255
    # the filters' ringing differs at hard edges only: nearly every pixel is within 4 levels
    bands = difference.split()
    off = sum(sum(band.histogram()[5:]) for band in bands) / (len(bands) * size[0] * size[1])
    assert off < 0.02


@pytest.mark.parametrize("mode", ["P", "I;16", "CMYK", "1"])
def test_other_modes_are_resampled_by_pillow(mode: str) -> None:
    image = _photo("RGB", (64, 48)).convert(mode)
    ours = vips_resample(image, (32, 24), 2.0)
    assert ours.mode == pillow_resample(image, (32, 24), 2.0).mode
    assert ours.tobytes() == pillow_resample(image, (32, 24), 2.0).tobytes()


def test_tiny_images_and_enlargements_keep_the_asked_size() -> None:
    for source, target in [((1, 1), (1, 1)), ((1, 40), (1, 20)), ((3, 2), (9, 6))]:
        image = _photo("RGB", source)
        assert vips_resample(image, target, 2.0).size == target
