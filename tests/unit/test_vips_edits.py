"""SPEC 14's edits on libvips (vips_edits.py, vips_processor.py): the pixel facts of each, the
byte budget's search, and the same pixels as Pillow's (edit_steps.py) within 4/255."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.application.ports import ImageProcessor
from image_repo.domain.edits import NO_EDITS, Edits, Flip, Padding, Watermark, WatermarkPosition
from image_repo.domain.errors import WatermarkUnavailableError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.spec import Box, Fit, Gravity, Spec
from tests.images import encoded

pyvips = pytest.importorskip("pyvips")

from image_repo.adapters.imaging import vips_edits  # noqa: E402
from image_repo.adapters.imaging.encode import (  # noqa: E402
    MAX_ENCODES as MAX_BUDGET_ENCODES,
)
from image_repo.adapters.imaging.encode import (  # noqa: E402
    MIN_QUALITY as MIN_BUDGET_QUALITY,
)
from image_repo.adapters.imaging.encode import within_budget  # noqa: E402
from image_repo.adapters.imaging.vips_processor import VipsProcessor  # noqa: E402

RED, BLUE = (255, 0, 0), (0, 0, 255)


def _vips() -> VipsProcessor:
    return VipsProcessor(PillowProcessor())


def _derive(
    original: bytes,
    edits: Edits,
    kind: ImageFormat = ImageFormat.PNG,
    processor: ImageProcessor | None = None,
    box: Box | None = None,
    fit: Fit = Fit.CONTAIN,
    gravity: Gravity = Gravity.CENTER,
) -> Image.Image:
    spec = Spec(kind=kind, edits=edits, box=box, fit=fit, gravity=gravity)
    derived = (processor or _vips()).derive(original, spec)
    assert derived.format is kind
    image = Image.open(io.BytesIO(derived.data))
    image.load()
    return image


def _half_red_half_blue(width: int = 80, height: int = 60) -> bytes:
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    return encoded(image, "PNG")


def _rgb_at(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    return tuple(image.convert("RGB").getpixel(xy))  # type: ignore[arg-type]


def _photo(width: int = 320, height: int = 240, mode: str = "RGB") -> Image.Image:
    """Gradients, edges, shapes and noise: what a photograph puts in front of each edit."""
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    noise = random.Random(width * height).randbytes(width * height)  # the same every run
    blue = Image.frombytes("L", (width, height), noise).point(lambda v: 100 + v // 4)
    image = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, width // 3, height // 2), fill=(250, 200, 30))
    draw.ellipse((width // 2, height // 3, width - 20, height - 20), fill=(20, 90, 160))
    draw.line((0, height - 1, width - 1, 0), fill=(255, 255, 255), width=5)
    if mode == "RGBA":
        alpha = Image.linear_gradient("L").rotate(90).resize((width, height))
        image.putalpha(alpha.point(lambda v: max(v, 40)))
    return image


# The facts of each edit


def test_rotate_90_turns_clockwise() -> None:
    image = _derive(_half_red_half_blue(), Edits(rotate=90))
    assert image.size == (60, 80)
    assert _rgb_at(image, (30, 5)) == RED  # the left side is on top
    assert _rgb_at(image, (30, 75)) == BLUE


@pytest.mark.parametrize(
    ("rotate", "size", "top_left"), [(180, (80, 60), BLUE), (270, (60, 80), BLUE)]
)
def test_rotate_180_and_270(rotate: int, size: tuple[int, int], top_left: tuple[int, ...]) -> None:
    image = _derive(_half_red_half_blue(), Edits(rotate=rotate))
    assert image.size == size
    assert _rgb_at(image, (2, 2)) == top_left


@pytest.mark.parametrize(
    ("flip", "left", "right"),
    [(Flip.HORIZONTAL, BLUE, RED), (Flip.VERTICAL, RED, BLUE), (Flip.BOTH, BLUE, RED)],
)
def test_flip(flip: Flip, left: tuple[int, ...], right: tuple[int, ...]) -> None:
    image = _derive(_half_red_half_blue(), Edits(flip=flip))
    assert image.size == (80, 60)
    assert (_rgb_at(image, (2, 30)), _rgb_at(image, (77, 30))) == (left, right)


def test_flip_vertical_mirrors_top_and_bottom() -> None:
    original = Image.new("RGB", (40, 40), BLUE)
    original.paste(RED, (0, 0, 40, 10))
    image = _derive(encoded(original, "PNG"), Edits(flip=Flip.VERTICAL))
    assert _rgb_at(image, (20, 35)) == RED
    assert _rgb_at(image, (20, 2)) == BLUE


def test_rotation_keeps_the_box_on_the_result() -> None:
    """`xsize` is the rotated image's width: the box is turned for the shrink, not ignored."""
    image = _derive(_half_red_half_blue(400, 200), Edits(rotate=90), box=Box(50, None))
    assert image.size == (50, 100)
    assert _rgb_at(image, (25, 10)) == RED


def test_rotation_and_cover_keep_the_gravity_of_the_result() -> None:
    """north of the rotated image is the original's west (its red half)."""
    original = _half_red_half_blue(400, 100)  # turned: 100x400, red on top
    box, cover = Box(100, 100), Fit.COVER
    north = _derive(original, Edits(rotate=90), box=box, fit=cover, gravity=Gravity.NORTH)
    assert north.size == (100, 100)
    assert _rgb_at(north, (50, 50)) == RED
    south = _derive(original, Edits(rotate=90), box=box, fit=cover, gravity=Gravity.SOUTH)
    assert _rgb_at(south, (50, 50)) == BLUE
    turned = Edits(rotate=90, flip=Flip.VERTICAL)
    flipped = _derive(original, turned, box=box, fit=cover, gravity=Gravity.NORTH)
    assert _rgb_at(flipped, (50, 50)) == BLUE


def _framed(tolerance_noise: int = 0) -> bytes:
    image = Image.new("RGB", (100, 80), (250, 250, 250))
    image.paste((250 - tolerance_noise, 250, 250), (0, 70, 100, 71))  # within the tolerance
    image.paste(Image.open(io.BytesIO(_half_red_half_blue(50, 30))), (20, 15))
    return encoded(image, "PNG")


def test_trim_of_a_framed_image_returns_the_inside() -> None:
    image = _derive(_framed(5), Edits(trim=10))
    assert image.size == (50, 30)
    assert _rgb_at(image, (0, 0)) == RED
    assert _rgb_at(image, (49, 29)) == BLUE


def test_trim_keeps_what_differs_by_more_than_the_tolerance() -> None:
    assert _derive(_framed(5), Edits(trim=2)).size == (100, 56)  # the faint line stays


def test_trim_comes_before_the_box_and_of_a_uniform_image_keeps_it_whole() -> None:
    assert _derive(_framed(), Edits(trim=0), box=Box(25, None)).size == (25, 15)
    uniform = encoded(Image.new("RGB", (30, 20), (9, 9, 9)), "PNG")
    assert _derive(uniform, Edits(trim=50)).size == (30, 20)


def test_radius_makes_the_corners_transparent_in_png() -> None:
    image = _derive(_half_red_half_blue(), Edits(radius=20))
    assert image.mode == "RGBA"
    for corner in ((0, 0), (79, 0), (0, 59), (79, 59)):
        assert image.getpixel(corner)[3] == 0  # type: ignore[index]
    assert image.getpixel((40, 30))[3] == 255  # type: ignore[index]
    assert image.getpixel((0, 30))[3] == 255  # type: ignore[index]


def test_radius_fills_the_corners_with_the_background_in_jpeg() -> None:
    image = _derive(_half_red_half_blue(), Edits(radius=20), ImageFormat.JPEG)
    assert image.mode == "RGB"
    assert min(_rgb_at(image, (2, 2))) > 225  # white, but for JPEG's ringing
    green = _derive(_half_red_half_blue(), Edits(radius=20, background="00ff00"), ImageFormat.JPEG)
    red, green_, blue = _rgb_at(green, (2, 2))
    assert green_ > 225 and max(red, blue) < 40


def test_pad_adds_each_side_transparent_for_png() -> None:
    image = _derive(_half_red_half_blue(), Edits(pad=Padding(1, 2, 3, 4)))
    assert image.size == (80 + 2 + 4, 60 + 1 + 3)
    assert image.getpixel((0, 0))[3] == 0  # type: ignore[index]
    assert image.getpixel((4, 1)) == (*RED, 255)


def test_pad_in_the_background_colour() -> None:
    padding = Padding(10, 10, 10, 10)
    image = _derive(_half_red_half_blue(), Edits(pad=padding, background="00ff00"))
    assert image.size == (100, 80)
    assert _rgb_at(image, (2, 2)) == (0, 255, 0)
    jpeg = _derive(_half_red_half_blue(), Edits(pad=padding), ImageFormat.JPEG)
    assert all(c >= 250 for c in _rgb_at(jpeg, (2, 2)))  # images.background: white


def _stat(image: Image.Image) -> ImageStat.Stat:
    return ImageStat.Stat(image.convert("RGB"))


def test_grayscale_has_equal_channels() -> None:
    image = _derive(encoded(_photo(), "PNG"), Edits(grayscale=True)).convert("RGB")
    red, green, blue = image.split()
    assert ImageChops.difference(red, green).getbbox() is None
    assert ImageChops.difference(red, blue).getbbox() is None


@pytest.mark.parametrize("amount", [-40, 40])
def test_brightness_moves_the_mean(amount: int) -> None:
    original = encoded(_photo(), "PNG")
    before = sum(_stat(Image.open(io.BytesIO(original))).mean)
    after = sum(_stat(_derive(original, Edits(brightness=amount))).mean)
    assert (after - before) * amount > 0


@pytest.mark.parametrize("amount", [-50, 50])
def test_contrast_moves_the_spread(amount: int) -> None:
    original = encoded(_photo(), "PNG")
    before = sum(_stat(Image.open(io.BytesIO(original))).stddev)
    after = sum(_stat(_derive(original, Edits(contrast=amount))).stddev)
    assert (after - before) * amount > 0


def _chroma(image: Image.Image) -> float:
    red, green, blue = (ImageStat.Stat(band).mean[0] for band in image.convert("RGB").split())
    return float(sum(abs(a - b) for a, b in ((red, green), (green, blue), (red, blue))))


@pytest.mark.parametrize("amount", [-60, 60])
def test_saturation_moves_the_colourfulness(amount: int) -> None:
    original = encoded(_photo(), "PNG")
    before = _chroma(Image.open(io.BytesIO(original)))
    assert (_chroma(_derive(original, Edits(saturation=amount))) - before) * amount > 0


def _edge_contrast(image: Image.Image) -> float:
    return float(sum(ImageStat.Stat(image.convert("L").filter(ImageFilter.FIND_EDGES)).mean))


def test_blur_lowers_and_sharpen_raises_edge_contrast() -> None:
    original = encoded(_photo(), "PNG")
    plain = _edge_contrast(_derive(original, NO_EDITS))
    assert _edge_contrast(_derive(original, Edits(blur=2.0))) < plain * 0.7
    assert _edge_contrast(_derive(original, Edits(sharpen=1.0))) > plain * 1.2


# The byte budget


def _counted(size_at: dict[int, int] | None = None) -> tuple[list[int], Callable[[int], bytes]]:
    asked: list[int] = []

    def encode_at(quality: int) -> bytes:
        asked.append(quality)
        return bytes(size_at[quality] if size_at else 100 * quality)

    return asked, encode_at


def test_within_budget_keeps_the_highest_quality_that_fits_in_four_encodes() -> None:
    asked, encode_at = _counted()
    data = within_budget(encode_at, 85, encode_at(85), 5_000)
    assert len(data) <= 5_000
    assert len(asked) <= MAX_BUDGET_ENCODES
    assert len(data) == 100 * max(q for q in asked if q <= 50)
    assert asked == [85, 47, 66, 56]  # 4700 bytes fit: higher is tried


def test_within_budget_tries_the_floor_last_and_answers_the_smallest_when_nothing_fits() -> None:
    asked, encode_at = _counted({q: 1000 + q for q in range(101)})
    data = within_budget(encode_at, 85, encode_at(85), 500)
    assert len(data) == 1000 + MIN_BUDGET_QUALITY
    assert asked == [85, 47, 28, MIN_BUDGET_QUALITY]
    fits_at_floor = {q: 400 if q == MIN_BUDGET_QUALITY else 1000 + q for q in range(101)}
    asked, encode_at = _counted(fits_at_floor)
    assert len(within_budget(encode_at, 85, encode_at(85), 500)) == 400


@pytest.mark.parametrize("kind", [ImageFormat.JPEG, ImageFormat.WEBP])
def test_max_bytes_result_within_the_budget(kind: ImageFormat) -> None:
    original = encoded(_photo(640, 480), "PNG")
    full = _vips().derive(original, Spec(kind=kind, quality=90)).data
    budget = len(full) // 2
    spec = Spec(kind=kind, quality=90, edits=Edits(max_bytes=budget))
    derived = _vips().derive(original, spec).data
    assert len(derived) <= budget
    assert len(derived) > budget // 3  # not the floor's quality when better fits


# Animations


def _animated_gif(frames: int = 3) -> bytes:
    images = []
    for index in range(frames):
        frame = Image.new("RGB", (60, 40), BLUE)
        frame.paste(RED, (0, 0, 30, 40))
        frame.paste((0, 255, 0), (index * 10, 0, index * 10 + 5, 5))
        images.append(frame)
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return buffer.getvalue()


def test_an_animated_gif_rotated_stays_animated() -> None:
    spec = Spec(kind=ImageFormat.GIF, max_frames=100, edits=Edits(rotate=90))
    image = Image.open(io.BytesIO(_vips().derive(_animated_gif(), spec).data))
    assert getattr(image, "n_frames", 1) == 3
    assert image.size == (40, 60)
    for index in range(3):
        image.seek(index)
        assert _rgb_at(image, (20, 5)) == RED


def test_every_frame_of_a_strip_is_edited_alike() -> None:
    """libvips loads an animation as a strip of frames (`page-height`): each frame is turned,
    padded and rounded on its own, and trimmed to the first frame's box."""
    strip = pyvips.Image.new_from_buffer(_animated_gif(), "", n=-1)
    assert vips_edits.page_height(strip) == 40
    edits = Edits(rotate=90, trim=0, pad=Padding(2, 2, 2, 2), radius=5)
    image = vips_edits.turned(vips_edits.trimmed(strip, 0), edits)
    image = vips_edits.finished(image, Spec(kind=ImageFormat.PNG, edits=edits))
    assert vips_edits.page_height(image) == 64
    assert (image.width, image.height) == (44, 3 * 64)
    for index in range(3):
        frame = image.crop(0, index * 64, 44, 64)
        assert frame.getpoint(0, 0)[-1] == 0  # padding: transparent
        assert frame.getpoint(22, 4)[:3] == list(RED)  # turned on its own: red on top


# The same pixels as Pillow's


PARITY_EDITS = [
    pytest.param(Edits(trim=10), id="trim"),
    pytest.param(Edits(rotate=90), id="rotate90"),
    pytest.param(Edits(rotate=270, flip=Flip.HORIZONTAL), id="rotate270-fliph"),
    pytest.param(Edits(flip=Flip.BOTH), id="fliphv"),
    pytest.param(Edits(grayscale=True), id="grayscale"),
    pytest.param(Edits(brightness=40), id="brightness+40"),
    pytest.param(Edits(brightness=-60), id="brightness-60"),
    pytest.param(Edits(contrast=50), id="contrast+50"),
    pytest.param(Edits(contrast=-50), id="contrast-50"),
    pytest.param(Edits(saturation=80), id="saturation+80"),
    pytest.param(Edits(saturation=-70), id="saturation-70"),
    pytest.param(Edits(brightness=20, contrast=30, saturation=-40), id="colour-all"),
    pytest.param(Edits(blur=0.5), id="blur0.5"),
    pytest.param(Edits(blur=3.0), id="blur3"),
    pytest.param(Edits(blur=25.0), id="blur25"),
    pytest.param(Edits(sharpen=0.5), id="sharpen0.5"),
    pytest.param(Edits(sharpen=2.0), id="sharpen2"),
    pytest.param(Edits(sharpen=8.0), id="sharpen8"),
    pytest.param(Edits(radius=40), id="radius"),
    pytest.param(Edits(pad=Padding(5, 10, 15, 20)), id="pad"),
    pytest.param(Edits(pad=Padding(8, 8, 8, 8), background="336699"), id="pad-colour"),
    pytest.param(
        Edits(trim=10, rotate=90, flip=Flip.VERTICAL, contrast=20, sharpen=1.0, radius=15),
        id="together",
    ),
]


def _framed_photo(mode: str = "RGB") -> bytes:
    canvas = Image.new(mode, (360, 280), (240, 240, 240, 255)[: len(mode)])
    canvas.paste(_photo(mode=mode), (20, 20))
    return encoded(canvas, "PNG")


def _difference(first: Image.Image, second: Image.Image) -> list[float]:
    """The mean absolute difference of each channel (RGBA), in levels of 255."""
    assert first.size == second.size
    difference = ImageChops.difference(first.convert("RGBA"), second.convert("RGBA"))
    return [float(mean) for mean in ImageStat.Stat(difference).mean]


@pytest.mark.parametrize("box", [None, Box(240, None)], ids=["whole", "boxed"])
@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
@pytest.mark.parametrize("edits", PARITY_EDITS)
def test_libvips_and_pillow_agree_within_4_of_255(edits: Edits, mode: str, box: Box | None) -> None:
    """Whole, the edits alone differ (blur and sharpen by at most 1.5); boxed, the two
    resamplers' own difference (up to 1.7 with alpha) comes through them too."""
    original = _framed_photo(mode)
    with_vips = _derive(original, edits, box=box)
    with_pillow = _derive(original, edits, processor=PillowProcessor(), box=box)
    assert max(_difference(with_vips, with_pillow)) <= 4.0


@pytest.mark.parametrize(
    "edits",
    [
        pytest.param(Edits(radius=30), id="radius"),
        pytest.param(Edits(pad=Padding(6, 6, 6, 6)), id="pad"),
        pytest.param(Edits(grayscale=True, blur=1.5), id="grayscale-blur"),
    ],
)
def test_libvips_and_pillow_agree_on_jpeg(edits: Edits) -> None:
    original = _framed_photo("RGBA")
    with_vips = _derive(original, edits, ImageFormat.JPEG)
    with_pillow = _derive(original, edits, ImageFormat.JPEG, processor=PillowProcessor())
    assert max(_difference(with_vips, with_pillow)) <= 4.0


def _logo() -> bytes:
    logo = Image.new("RGBA", (60, 30), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((0, 0, 59, 29), fill=(255, 255, 0, 255))
    return encoded(logo, "PNG")


@pytest.mark.parametrize("kind", [ImageFormat.PNG, ImageFormat.JPEG])
@pytest.mark.parametrize(
    "position", [WatermarkPosition.SOUTHEAST, WatermarkPosition.NORTH, WatermarkPosition.TILE]
)
def test_libvips_and_pillow_watermark_alike(position: WatermarkPosition, kind: ImageFormat) -> None:
    original = _framed_photo("RGBA")
    edits = Edits(watermark=Watermark("logo", "etag1", position, 0.7, 0.25), radius=10)
    spec = Spec(kind=kind, box=Box(240, None), edits=edits)
    with_vips = _vips().derive(original, spec, watermark=_logo())
    with_pillow = PillowProcessor().derive(original, spec, watermark=_logo())
    images = [Image.open(io.BytesIO(derived.data)) for derived in (with_vips, with_pillow)]
    assert max(_difference(*images)) <= 4.0
    unmarked = _derive(original, Edits(radius=10), kind, box=Box(240, None))
    assert max(_difference(images[0], unmarked)) > 0.5  # it is marked


def test_a_watermark_without_its_image_is_refused() -> None:
    spec = Spec(edits=Edits(watermark=Watermark("logo", "etag1")))
    with pytest.raises(WatermarkUnavailableError):
        _vips().derive(_half_red_half_blue(), spec)
