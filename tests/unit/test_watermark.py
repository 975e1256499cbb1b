"""Watermarks in Pillow (SPEC 14): placed where asked, changing only that region, tiled,
blended by opacity, sized by scale; an image that does not decode is a 422 naming it."""

from __future__ import annotations

import io

import pytest
import pyvips
from PIL import Image, ImageChops

from image_repo.adapters.imaging.vips_watermark import vips_marked
from image_repo.adapters.imaging.watermark import mark_size, marked
from image_repo.domain.edits import Watermark, WatermarkPosition
from image_repo.domain.errors import WatermarkUnavailableError


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


LOGO = png(Image.new("RGBA", (40, 20), (0, 0, 255, 255)))
PHOTO = Image.new("RGB", (200, 100), (255, 255, 255))


def changed_box(before: Image.Image, after: Image.Image) -> tuple[int, int, int, int] | None:
    return ImageChops.difference(before.convert("RGB"), after.convert("RGB")).getbbox()


@pytest.mark.parametrize(
    ("position", "box"),
    [
        (WatermarkPosition.SOUTHEAST, (160, 80, 200, 100)),
        (WatermarkPosition.NORTHWEST, (0, 0, 40, 20)),
        (WatermarkPosition.NORTH, (80, 0, 120, 20)),
        (WatermarkPosition.WEST, (0, 40, 40, 60)),
        (WatermarkPosition.CENTER, (80, 40, 120, 60)),
    ],
)
def test_a_watermark_changes_only_its_region(
    position: WatermarkPosition, box: tuple[int, int, int, int]
) -> None:
    mark = Watermark("logo", "e1", position, opacity=1.0, scale=0.2)
    result = marked(PHOTO, mark, LOGO)
    assert result.mode == "RGB" and result.size == PHOTO.size
    assert changed_box(PHOTO, result) == box
    assert result.getpixel(((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)) == (0, 0, 255)


def test_opacity_blends_and_tile_covers_the_image() -> None:
    half = marked(PHOTO, Watermark("logo", "e2", WatermarkPosition.CENTER, 0.5, 0.2), LOGO)
    red, _green, blue = half.getpixel((100, 50))  # type: ignore[misc]
    assert 120 <= red <= 135 and blue == 255
    tiled = marked(PHOTO, Watermark("logo", "e3", WatermarkPosition.TILE, 1.0, 0.2), LOGO)
    assert changed_box(PHOTO, tiled) == (0, 0, 200, 100)


def test_a_watermark_is_never_taller_than_the_image() -> None:
    assert mark_size((200, 100), (40, 20), 0.2) == (40, 20)
    assert mark_size((400, 10), (40, 40), 0.5) == (10, 10)


def test_a_watermark_that_does_not_decode_is_a_clear_error() -> None:
    mark = Watermark("logo", "broken", WatermarkPosition.CENTER)
    with pytest.raises(WatermarkUnavailableError, match="does not decode"):
        marked(PHOTO, mark, b"not an image")


@pytest.mark.parametrize(
    "position", [WatermarkPosition.SOUTHEAST, WatermarkPosition.CENTER, WatermarkPosition.TILE]
)
@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
def test_libvips_marks_as_pillow_does(position: WatermarkPosition, mode: str) -> None:
    photo = Image.new(mode, (200, 100), "white" if mode != "RGBA" else (255, 255, 255, 200))
    mark = Watermark("logo", "e4", position, opacity=0.7, scale=0.25)
    expected = marked(photo, mark, LOGO)
    vips_image = pyvips.Image.new_from_memory(
        photo.tobytes(), photo.width, photo.height, len(photo.getbands()), "uchar"
    ).copy(interpretation="b-w" if mode == "L" else "srgb")
    got = vips_marked(vips_image, mark, LOGO)
    assert got.bands == len(photo.getbands())
    pixels = Image.frombytes(mode, (got.width, got.height), got.write_to_memory())
    worst = max(ImageChops.difference(expected, pixels).tobytes())
    assert worst <= 4
