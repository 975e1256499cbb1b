"""fit=cover on pixels, through both processors: gravity, smart crop, never enlarging."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw

from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.application.ports import ImageProcessor
from image_repo.domain.formats import ImageFormat
from image_repo.domain.spec import Box, Fit, Gravity, Spec
from tests.processors import PROCESSORS

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREY = (128, 128, 128)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def half_red_half_blue(width: int, height: int, *, vertical: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), RED)
    half = (0, height // 2, width, height) if vertical else (width // 2, 0, width, height)
    ImageDraw.Draw(image).rectangle((half[0], half[1], half[2] - 1, half[3] - 1), fill=BLUE)
    return png(image)


def derived(processor: ImageProcessor, data: bytes, box: Box, gravity: Gravity) -> Image.Image:
    spec = Spec(kind=ImageFormat.PNG, box=box, fit=Fit.COVER, gravity=gravity)
    return Image.open(io.BytesIO(processor.derive(data, spec).data)).convert("RGB")


def counted(image: Image.Image) -> list[tuple[int, tuple[int, int, int]]]:
    """(count, colour) of an RGB image."""
    return [(count, colour) for count, colour in image.getcolors(1 << 20) or []]  # type: ignore[misc]


def colours(image: Image.Image) -> set[tuple[int, int, int]]:
    return {colour for _, colour in counted(image)}


def near(colour: tuple[int, int, int], expected: tuple[int, int, int], within: int = 8) -> bool:
    return all(abs(a - b) <= within for a, b in zip(colour, expected, strict=True))


@pytest.mark.parametrize("make", PROCESSORS)
@pytest.mark.parametrize(
    ("gravity", "vertical", "kept"),
    [
        (Gravity.WEST, False, RED),
        (Gravity.EAST, False, BLUE),
        (Gravity.NORTH, True, RED),
        (Gravity.SOUTH, True, BLUE),
    ],
)
def test_gravity_keeps_its_side(
    make: type[ImageProcessor], gravity: Gravity, vertical: bool, kept: tuple[int, int, int]
) -> None:
    size = (200, 400) if vertical else (400, 200)
    image = derived(make(), half_red_half_blue(*size, vertical=vertical), Box(50, 50), gravity)
    assert image.size == (50, 50)
    # libvips shrinks, then crops: the column at the cut may take 6 % of the other half
    assert all(near(colour, kept, within=16) for colour in colours(image))


@pytest.mark.parametrize("make", PROCESSORS)
def test_center_keeps_both_halves(make: type[ImageProcessor]) -> None:
    image = derived(make(), half_red_half_blue(400, 200), Box(50, 50), Gravity.CENTER)
    assert near(image.getpixel((2, 25)), RED) and near(image.getpixel((47, 25)), BLUE)  # type: ignore[arg-type]


@pytest.mark.parametrize("make", PROCESSORS)
def test_a_smaller_original_is_cropped_to_the_aspect_ratio_at_its_own_size(
    make: type[ImageProcessor],
) -> None:
    image = derived(make(), half_red_half_blue(80, 40), Box(500, 500), Gravity.WEST)
    assert image.size == (40, 40)
    assert all(near(colour, RED) for colour in colours(image))


def detailed_patch_at(left: int, top: int, size: int = 60) -> tuple[bytes, tuple[int, int]]:
    """A flat grey 600x300 image with one patch of coloured noise off-centre."""
    rnd = random.Random(7)
    image = Image.new("RGB", (600, 300), GREY)
    noise = bytes(rnd.randrange(256) for _ in range(size * size * 3))
    image.paste(Image.frombytes("RGB", (size, size), noise), (left, top))
    return png(image), (left + size // 2, top + size // 2)


def grey_share(image: Image.Image) -> float:
    grey = sum(count for count, colour in counted(image) if near(colour, GREY))
    return grey / (image.width * image.height)


@pytest.mark.parametrize("make", PROCESSORS)
@pytest.mark.parametrize("left", [20, 480])
def test_smart_crop_keeps_the_detailed_patch(make: type[ImageProcessor], left: int) -> None:
    data, _centre = detailed_patch_at(left, 120)
    smart = derived(make(), data, Box(150, 150), Gravity.SMART)
    centre = derived(make(), data, Box(150, 150), Gravity.CENTER)
    assert smart.size == (150, 150)
    assert grey_share(centre) > 0.99  # the centre misses the patch...
    assert grey_share(smart) < 0.97  # ...which smart keeps whole: 60x60 of a 300x300 window is 4 %


@pytest.mark.parametrize("make", PROCESSORS)
def test_smart_crop_at_the_originals_own_size_keeps_the_patch(make: type[ImageProcessor]) -> None:
    data, _centre = detailed_patch_at(500, 120, size=40)
    smart = derived(make(), data, Box(1000, 1000), Gravity.SMART)
    assert smart.size == (300, 300)
    assert grey_share(smart) < 0.99


def test_thumbnail_cover_is_exactly_the_box() -> None:
    spec = Spec(box=Box(50, 50), is_thumbnail=True, fit=Fit.COVER, sharpen=0.5)
    data = PillowProcessor().derive(half_red_half_blue(400, 150), spec).data
    assert Image.open(io.BytesIO(data)).size == (50, 50)


def test_a_jpeg_shrunk_on_load_still_covers_the_box() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 1000), GREY).save(buffer, "JPEG")
    spec = Spec(box=Box(300, 300), fit=Fit.COVER)
    data = PillowProcessor().derive(buffer.getvalue(), spec).data
    assert Image.open(io.BytesIO(data)).size == (300, 300)
