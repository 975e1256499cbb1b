"""SPEC 14's edits on pixels through the Pillow processor (edit_steps.py): one behaviour each."""

from __future__ import annotations

import io
import random

import attrs
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from image_repo.adapters.imaging import encode as encode_module
from image_repo.adapters.imaging.edit_steps import blur, colour, corner, trim_box, unsharp
from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.adapters.imaging.prepared_cache import PreparedCache
from image_repo.adapters.imaging.prepared_images import PreparedImages
from image_repo.adapters.imaging.resampling import vips_resample
from image_repo.adapters.imaging.scaled_jpeg import decode_scaled
from image_repo.application.ports import IdentifiedSource
from image_repo.domain.edits import Edits, Flip, Padding
from image_repo.domain.formats import ImageFormat
from image_repo.domain.spec import Box, Fit, Spec

RED = (255, 0, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)


def encoded(image: Image.Image, kind: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def half_red_half_blue(width: int = 80, height: int = 60) -> Image.Image:
    """Red on the left, blue on the right."""
    image = Image.new("RGB", (width, height), RED)
    ImageDraw.Draw(image).rectangle((width // 2, 0, width - 1, height - 1), fill=BLUE)
    return image


def photo_like(size: tuple[int, int] = (200, 150), seed: int = 4) -> Image.Image:
    """Smooth gradients, shapes and some noise: something colour steps and encoders meet."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_180), gradient))
    draw = ImageDraw.Draw(image)
    generator = random.Random(seed)
    for _ in range(40):
        x, y = generator.randrange(width), generator.randrange(height)
        r = generator.randrange(4, max(5, width // 8))
        fill = tuple(generator.randrange(256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    noise = Image.effect_noise(size, 30).convert("RGB")
    return Image.blend(image, noise, 0.25)


def derive(
    data: bytes,
    edits: Edits,
    *,
    kind: ImageFormat = ImageFormat.PNG,
    box: Box | None = None,
    processor: PillowProcessor | None = None,
    **fields: object,
) -> Image.Image:
    spec = Spec(kind=kind, box=box, edits=edits, **fields)  # type: ignore[arg-type]
    derived = (processor or PillowProcessor()).derive(data, spec)
    image = Image.open(io.BytesIO(derived.data))
    image.load()
    return image


def rgb(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.convert("RGB").getpixel(xy)
    assert isinstance(value, tuple)
    return value


def rgba(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.convert("RGBA").getpixel(xy)
    assert isinstance(value, tuple)
    return value


def near(colour: tuple[int, ...], expected: tuple[int, ...], within: int = 8) -> bool:
    return all(abs(a - b) <= within for a, b in zip(colour, expected, strict=True))


def mean(image: Image.Image) -> float:
    return sum(ImageStat.Stat(image.convert("RGB")).mean) / 3


def stddev(image: Image.Image) -> float:
    return sum(ImageStat.Stat(image.convert("RGB")).stddev) / 3


# rotate and flip


def test_rotate_90_turns_clockwise() -> None:
    image = derive(encoded(half_red_half_blue(80, 60)), Edits(rotate=90))
    assert image.size == (60, 80)
    assert rgb(image, (30, 5)) == RED and rgb(image, (30, 75)) == BLUE


@pytest.mark.parametrize(("angle", "top"), [(180, BLUE), (270, BLUE)])
def test_rotate_180_and_270(angle: int, top: tuple[int, int, int]) -> None:
    image = derive(encoded(half_red_half_blue(80, 60)), Edits(rotate=angle))
    if angle == 180:
        assert image.size == (80, 60) and rgb(image, (5, 30)) == BLUE
    else:
        assert image.size == (60, 80) and rgb(image, (30, 5)) == top


def test_rotate_comes_before_the_box() -> None:
    """80x60 turned is 60x80: a box 30 wide makes it 30x40."""
    image = derive(encoded(half_red_half_blue(80, 60)), Edits(rotate=90), box=Box(30, None))
    assert image.size == (30, 40)


@pytest.mark.parametrize(
    ("flip", "left_top", "right_bottom"),
    [(Flip.HORIZONTAL, BLUE, RED), (Flip.VERTICAL, RED, BLUE), (Flip.BOTH, BLUE, RED)],
)
def test_flip(
    flip: Flip, left_top: tuple[int, int, int], right_bottom: tuple[int, int, int]
) -> None:
    source = half_red_half_blue(80, 60)
    ImageDraw.Draw(source).rectangle((0, 0, 9, 9), fill=WHITE)  # a mark at the top left
    image = derive(encoded(source), Edits(flip=flip))
    assert rgb(image, (20, 30)) == left_top and rgb(image, (70, 30)) == right_bottom
    mark = {Flip.HORIZONTAL: (75, 5), Flip.VERTICAL: (5, 55), Flip.BOTH: (75, 55)}[flip]
    assert rgb(image, mark) == WHITE


def test_a_rotated_jpeg_decoded_smaller_still_fills_the_box() -> None:
    """The DCT scale is chosen for the sides the box sees: rotated, a 400x100 JPEG fitted 40
    high is 10x40, never a smaller decode's 6x25."""
    data = encoded(half_red_half_blue(400, 100), "JPEG", quality=95)
    for processor in (PillowProcessor(), PillowProcessor(decode_scaled=decode_scaled)):
        image = derive(data, Edits(rotate=90), box=Box(None, 40), processor=processor)
        assert image.size == (10, 40)


# trim


def framed(frame: int = 10, colour: tuple[int, int, int] = WHITE) -> Image.Image:
    image = Image.new("RGB", (100 + 2 * frame, 60 + 2 * frame), colour)
    image.paste(half_red_half_blue(100, 60), (frame, frame))
    return image


def test_trim_returns_the_inside_of_a_frame() -> None:
    image = derive(encoded(framed()), Edits(trim=0))
    assert image.size == (100, 60)
    assert rgb(image, (0, 0)) == RED and rgb(image, (99, 59)) == BLUE


def test_trim_comes_before_the_box() -> None:
    image = derive(encoded(framed()), Edits(trim=0), box=Box(50, None))
    assert image.size == (50, 30)
    assert near(rgb(image, (1, 1)), RED, 16) and near(rgb(image, (48, 28)), BLUE, 16)


def test_trim_tolerance_takes_a_noisy_border() -> None:
    source = framed(colour=(250, 250, 250))
    ImageDraw.Draw(source).point([(3, 3), (100, 2)], fill=(240, 243, 250))
    source.putpixel((0, 0), WHITE)
    assert derive(encoded(source), Edits(trim=0)).size == source.size
    assert derive(encoded(source), Edits(trim=20)).size == (100, 60)


def test_trim_of_a_jpeg_sees_the_whole_image() -> None:
    """Not shrunk while decoding: what trim keeps is then fitted into the box."""
    source = Image.new("RGB", (1200, 900), WHITE)
    source.paste(half_red_half_blue(400, 200), (400, 350))
    image = derive(encoded(source, "JPEG", quality=95), Edits(trim=30), box=Box(300, None))
    assert image.size == (300, 150)


def test_trim_leaves_a_uniform_image_whole() -> None:
    image = derive(encoded(Image.new("RGB", (40, 30), WHITE)), Edits(trim=10))
    assert image.size == (40, 30)


def test_trim_box_compares_alpha_too() -> None:
    image = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    image.paste((10, 20, 30, 255), (5, 6, 15, 12))
    assert trim_box(image, 0) == (5, 6, 15, 12)


# colour


def test_grayscale_makes_every_channel_equal() -> None:
    image = derive(encoded(photo_like()), Edits(grayscale=True), kind=ImageFormat.PNG)
    red, green, blue = image.convert("RGB").split()
    assert red.tobytes() == green.tobytes() == blue.tobytes()
    assert ImageStat.Stat(red).stddev[0] > 20


@pytest.mark.parametrize(("brightness", "brighter"), [(50, True), (-50, False)])
def test_brightness_moves_the_mean(brightness: int, brighter: bool) -> None:
    data = encoded(photo_like())
    plain, adjusted = derive(data, Edits()), derive(data, Edits(brightness=brightness))
    moved = mean(adjusted) - mean(plain)
    assert (moved > 40) if brighter else (moved < -40)


def test_brightness_is_an_offset_of_2_55_per_step() -> None:
    grey = encoded(Image.new("RGB", (8, 8), (100, 100, 100)))
    assert rgb(derive(grey, Edits(brightness=20)), (4, 4)) == (151, 151, 151)


def test_contrast_spreads_the_values_around_mid_grey() -> None:
    data = encoded(photo_like())
    plain = derive(data, Edits())
    assert stddev(derive(data, Edits(contrast=50))) > stddev(plain) * 1.3
    assert stddev(derive(data, Edits(contrast=-50))) < stddev(plain) * 0.7
    grey = encoded(Image.new("RGB", (8, 8), (100, 100, 100)))
    assert rgb(derive(grey, Edits(contrast=50)), (4, 4)) == (86, 86, 86)  # 128 - 28 * 1.5


def test_saturation_minus_100_is_grayscale() -> None:
    data = encoded(photo_like())
    desaturated = derive(data, Edits(saturation=-100)).convert("RGB")
    grey = derive(data, Edits(grayscale=True)).convert("RGB")
    difference = ImageChops.difference(desaturated, grey).getextrema()
    assert all(high <= 2 for _, high in difference)  # type: ignore[misc]


def test_saturation_plus_moves_colours_away_from_grey() -> None:
    data = encoded(Image.new("RGB", (8, 8), (150, 100, 100)))
    r, g, b = rgb(derive(data, Edits(saturation=100)), (4, 4))
    assert r > 150 and g < 100 and g == b


def test_colour_keeps_alpha_and_a_grey_image_grey() -> None:
    spec = Spec(kind=ImageFormat.PNG, edits=Edits(brightness=10, grayscale=True))
    translucent = colour(Image.new("RGBA", (4, 4), (200, 10, 10, 77)), spec)
    assert translucent.mode == "RGBA" and translucent.getpixel((0, 0))[3] == 77  # type: ignore[index]
    grey = colour(Image.new("L", (4, 4), 100), spec)
    assert grey.mode == "L" and grey.getpixel((0, 0)) == 126


# blur and sharpen


def edge_contrast(image: Image.Image) -> int:
    """The difference across the middle of a half-red half-blue image, two pixels apart."""
    width, height = image.size
    left = rgb(image, (width // 2 - 2, height // 2))
    right = rgb(image, (width // 2 + 1, height // 2))
    return abs(left[0] - right[0])


def test_blur_lowers_edge_contrast() -> None:
    data = encoded(half_red_half_blue(80, 60))
    assert edge_contrast(derive(data, Edits())) == 255
    assert edge_contrast(derive(data, Edits(blur=3))) < 200


def test_sharpen_raises_edge_contrast() -> None:
    source = half_red_half_blue(80, 60).filter(ImageFilter.GaussianBlur(2))
    data = encoded(source)
    plain, sharpened = derive(data, Edits()), derive(data, Edits(sharpen=2))
    assert stddev(sharpened) > stddev(plain)
    assert edge_contrast(sharpened) > edge_contrast(plain) + 20


def test_blur_is_in_output_pixels() -> None:
    """Applied after the box: the same sigma blurs a fitted image as much, in its pixels."""
    data = encoded(half_red_half_blue(800, 600))
    small = derive(data, Edits(blur=3), box=Box(80, None))
    assert edge_contrast(small) == edge_contrast(
        derive(encoded(half_red_half_blue()), Edits(blur=3))
    )


# rounded corners and padding


def test_radius_corners_are_transparent_in_png() -> None:
    image = derive(encoded(half_red_half_blue()), Edits(radius=20))
    assert image.mode == "RGBA"
    for xy in ((0, 0), (79, 0), (0, 59), (79, 59)):
        assert rgba(image, xy)[3] == 0
    assert rgba(image, (40, 30))[3] == 255 and rgba(image, (20, 0))[3] == 255
    edge = [rgba(image, (x, 0))[3] for x in range(20)]
    assert edge[:10] == [0] * 10 and 0 < edge[15] < 255 and edge[19] > 240  # anti-aliased


def test_corner_alpha_is_the_covered_share_of_each_pixel() -> None:
    top_left = corner(2)
    # pixel (1, 1) lies wholly within 2 of (2, 2); pixel (0, 0) has 0.3151 of its area there
    # and (1, 0) 0.9132 (integrated numerically)
    assert top_left.getpixel((1, 1)) == 255 and top_left.getpixel((0, 0)) == 80
    assert top_left.getpixel((1, 0)) == top_left.getpixel((0, 1)) == 233


def test_radius_corners_take_the_background_in_jpeg() -> None:
    data = encoded(half_red_half_blue())
    image = derive(data, Edits(radius=20, background="00ff00"), kind=ImageFormat.JPEG)
    assert near(rgb(image, (1, 1)), (0, 255, 0), 24) and near(rgb(image, (20, 30)), RED, 24)
    plain = derive(data, Edits(radius=20), kind=ImageFormat.JPEG, background="000000")
    assert near(rgb(plain, (1, 1)), (0, 0, 0), 24)


def test_radius_keeps_existing_transparency() -> None:
    source = Image.new("RGBA", (40, 40), (255, 0, 0, 128))
    image = derive(encoded(source), Edits(radius=10))
    assert rgba(image, (20, 20))[3] == 128 and rgba(image, (0, 0))[3] == 0


def test_pad_adds_the_sides_in_the_background_colour() -> None:
    data = encoded(half_red_half_blue(80, 60))
    image = derive(data, Edits(pad=Padding(1, 2, 3, 4), background="112233"))
    assert image.size == (86, 64)
    assert rgba(image, (0, 0)) == (0x11, 0x22, 0x33, 255)
    assert rgba(image, (4, 1)) == (*RED, 255) and rgba(image, (83, 60)) == (*BLUE, 255)
    assert rgba(image, (85, 63)) == (0x11, 0x22, 0x33, 255)


def test_pad_is_transparent_for_alpha_kinds_without_background() -> None:
    image = derive(encoded(half_red_half_blue(80, 60)), Edits(pad=Padding(5, 5, 5, 5)))
    assert image.size == (90, 70) and rgba(image, (0, 0))[3] == 0
    assert rgba(image, (5, 5)) == (*RED, 255)


def test_pad_in_jpeg_takes_the_configured_background() -> None:
    data = encoded(half_red_half_blue(80, 60))
    image = derive(
        data, Edits(pad=Padding(10, 10, 10, 10)), kind=ImageFormat.JPEG, background="0000ff"
    )
    assert image.size == (100, 80) and near(rgb(image, (2, 2)), BLUE, 12)


def test_pad_comes_after_the_box_and_the_radius() -> None:
    data = encoded(half_red_half_blue(800, 600))
    image = derive(data, Edits(radius=10, pad=Padding(4, 4, 4, 4)), box=Box(80, None))
    assert image.size == (88, 68)
    assert rgba(image, (4, 4))[3] == 0 and rgba(image, (44, 34))[3] == 255


def test_a_grey_image_padded_in_a_colour_becomes_colour() -> None:
    source = Image.new("L", (20, 20), 90)
    image = derive(encoded(source), Edits(pad=Padding(2, 2, 2, 2), background="ff0000"))
    assert rgb(image, (0, 0)) == RED and rgb(image, (10, 10)) == (90, 90, 90)


# max_bytes


@pytest.fixture
def encodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The quality of every encode made (a list the test reads)."""
    made: list[int] = []
    save = encode_module._save

    def counted(image: Image.Image, kind: ImageFormat, options: dict[str, object]) -> bytes:
        made.append(int(options.get("quality", 0)))  # type: ignore[call-overload]
        return save(image, kind, options)

    monkeypatch.setattr(encode_module, "_save", counted)
    return made


@pytest.mark.parametrize("kind", [ImageFormat.JPEG, ImageFormat.WEBP, ImageFormat.AVIF])
def test_max_bytes_fits_the_budget_in_at_most_four_encodes(
    kind: ImageFormat, encodes: list[int]
) -> None:
    data = encoded(photo_like((800, 600)))
    spec = Spec(kind=kind, quality=90)
    full = len(PillowProcessor().derive(data, spec).data)
    budget = full // 2
    encodes.clear()
    fitted = PillowProcessor().derive(
        data, Spec(kind=kind, quality=90, edits=Edits(max_bytes=budget))
    )
    assert len(fitted.data) <= budget
    assert 2 <= len(encodes) <= 4 and encodes[0] == 90 and min(encodes) >= 10
    Image.open(io.BytesIO(fitted.data)).load()


def test_max_bytes_answers_the_smallest_when_it_cannot_fit(encodes: list[int]) -> None:
    data = encoded(photo_like((800, 600)))
    result = PillowProcessor().derive(
        data, Spec(kind=ImageFormat.JPEG, quality=85, edits=Edits(max_bytes=1024))
    )
    assert len(encodes) == 4 and encodes[-1] == 10
    lowest = PillowProcessor().derive(data, Spec(kind=ImageFormat.JPEG, quality=10))
    assert len(result.data) > 1024 and result.data == lowest.data


def test_max_bytes_within_budget_encodes_once(encodes: list[int]) -> None:
    data = encoded(photo_like())
    PillowProcessor().derive(data, Spec(kind=ImageFormat.JPEG, edits=Edits(max_bytes=10 << 20)))
    assert encodes == [85]


def test_max_bytes_leaves_png_alone(encodes: list[int]) -> None:
    data = encoded(photo_like())
    PillowProcessor().derive(data, Spec(kind=ImageFormat.PNG, edits=Edits(max_bytes=1024)))
    assert len(encodes) == 1


# animations


def animated_gif() -> bytes:
    frames = [half_red_half_blue(80, 60) for _ in range(3)]
    for index, frame in enumerate(frames):
        ImageDraw.Draw(frame).rectangle((0, 0, 5 + index * 5, 5), fill=WHITE)
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def test_an_animation_keeps_every_frame_rotated() -> None:
    spec = Spec(kind=ImageFormat.GIF, max_frames=10, edits=Edits(rotate=90))
    image = Image.open(io.BytesIO(PillowProcessor().derive(animated_gif(), spec).data))
    assert getattr(image, "n_frames", 1) == 3
    for index in range(3):
        image.seek(index)
        frame = image.convert("RGB")
        assert frame.size == (60, 80)
        assert near(rgb(frame, (30, 20)), RED) and near(rgb(frame, (30, 70)), BLUE)


def test_an_animation_is_trimmed_to_its_first_frames_box() -> None:
    frames = []
    for index in range(3):
        frame = Image.new("RGB", (60, 40), WHITE)
        frame.paste(RED if index % 2 else BLUE, (10 + index, 10, 30 + index, 20))
        frames.append(frame)
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    spec = Spec(kind=ImageFormat.GIF, max_frames=10, edits=Edits(trim=0))
    image = Image.open(io.BytesIO(PillowProcessor().derive(buffer.getvalue(), spec).data))
    assert image.size == (20, 10) and getattr(image, "n_frames", 1) == 3


def test_edits_through_libvips_resampling_and_cover() -> None:
    """The `auto` processor's finishing (libvips resampling) applies the edits alike."""
    processor = PillowProcessor(resample=vips_resample)
    data = encoded(framed())
    image = derive(
        data,
        Edits(trim=0, rotate=90, radius=5, pad=Padding(2, 2, 2, 2)),
        box=Box(30, 30),
        fit=Fit.COVER,
        processor=processor,
    )
    assert image.size == (34, 34) and rgba(image, (0, 0))[3] == 0
    assert near(rgb(image, (17, 4)), RED, 16) and near(rgb(image, (17, 29)), BLUE, 16)


def test_the_prepared_cache_never_keeps_edited_pixels() -> None:
    """Edited and plain sizes of one identified original, in turns: each is what a processor
    without the cache makes, so what was kept between them is the unedited preparation."""
    source = Image.new("RGB", (1600, 1200), WHITE)
    source.paste(photo_like((1000, 800)), (300, 200))
    data = encoded(source, "JPEG", quality=90)
    plain, cached = PillowProcessor(), PreparedCache(PillowProcessor(), PreparedImages(64 << 20))
    specs = [
        Spec(box=Box(150, 150), edits=Edits(trim=10, grayscale=True)),
        Spec(box=Box(150, 150)),
        Spec(box=Box(700, None), edits=Edits(rotate=90, flip=Flip.VERTICAL, blur=2)),
        Spec(box=Box(700, None)),
        Spec(edits=Edits(trim=10)),
        Spec(box=Box(150, 150), edits=Edits(radius=9, pad=Padding(3, 3, 3, 3))),
        Spec(),
    ]
    for spec in specs * 2:
        made = cached.derive(IdentifiedSource("c/photo", data), spec)
        assert made == plain.derive(data, spec), spec


@pytest.mark.parametrize("edits", [Edits(blur=2.0), Edits(sharpen=1.0, rotate=90)])
def test_a_blur_made_while_a_jpeg_is_resized_is_the_blur_step(edits: Edits) -> None:
    """The scaled JPEG decode blurs in the libvips pass that resizes it
    (edit_steps.filter_while_resizing): the same pixels as blurring after."""
    out = io.BytesIO()
    Image.frombytes("RGB", (640, 480), random.Random(7).randbytes(640 * 480 * 3)).save(
        out, "JPEG", quality=90
    )
    processor = PillowProcessor(decode_scaled=decode_scaled, resample=vips_resample)
    spec = Spec(kind=ImageFormat.PNG, box=Box(200, None), edits=edits)
    fused = Image.open(io.BytesIO(processor.derive(out.getvalue(), spec).data))
    plain = attrs.evolve(spec, edits=attrs.evolve(edits, blur=0.0, sharpen=0.0))
    unfiltered = Image.open(io.BytesIO(processor.derive(out.getvalue(), plain).data))
    after = blur(unfiltered, spec) if edits.blur else unsharp(unfiltered, spec)
    assert fused.size == after.size
    assert max(ImageChops.difference(fused.convert("RGB"), after.convert("RGB")).tobytes()) <= 1
