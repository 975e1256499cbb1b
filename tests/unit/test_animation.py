"""Animated GIF and WebP stay animated as gif and webp: frames, colours, timing, loop (SPEC 9)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.application.ports import ImageProcessor
from image_repo.domain.derivation import DerivationDefaults, spec_for
from image_repo.domain.errors import CorruptImageError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.request import ImageRequest
from image_repo.domain.spec import Box, Fit, Spec
from tests.processors import PROCESSORS

COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
DURATIONS = [100, 200, 300, 400]


def animated(image_format: str, size: tuple[int, int] = (120, 80)) -> bytes:
    frames = [Image.new("RGB", size, colour) for colour in COLOURS]
    buffer = io.BytesIO()
    options: dict[str, object] = {"lossless": True} if image_format == "WEBP" else {}
    frames[0].save(
        buffer,
        image_format,
        save_all=True,
        append_images=frames[1:],
        duration=DURATIONS,
        loop=0,
        **options,
    )
    return buffer.getvalue()


def frames_of(data: bytes) -> list[tuple[tuple[int, ...], int, tuple[int, int]]]:
    """(centre colour, duration, size) of every frame."""
    image = Image.open(io.BytesIO(data))
    found = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        rgb = image.convert("RGB")
        pixel = rgb.getpixel((rgb.width // 2, rgb.height // 2))
        assert isinstance(pixel, tuple)
        found.append((pixel, int(image.info.get("duration", 0)), image.size))
    return found


def near(colour: tuple[int, ...], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(colour, expected, strict=True))


@pytest.mark.parametrize("make", PROCESSORS)
@pytest.mark.parametrize("source", ["GIF", "WEBP"])
@pytest.mark.parametrize("kind", [ImageFormat.GIF, ImageFormat.WEBP])
def test_every_frame_is_resized_with_its_colour_and_duration(
    make: type[ImageProcessor], source: str, kind: ImageFormat
) -> None:
    spec = Spec(kind=kind, box=Box(60, None), quality=90, max_frames=100)
    data = make().derive(animated(source), spec).data
    frames = frames_of(data)
    assert [size for _, _, size in frames] == [(60, 40)] * 4
    assert [duration for _, duration, _ in frames] == DURATIONS
    assert all(near(colour, want) for (colour, _, _), want in zip(frames, COLOURS, strict=True))
    assert Image.open(io.BytesIO(data)).info.get("loop") == 0


def test_a_gif_without_a_loop_extension_still_plays_once() -> None:
    frames = [Image.new("RGB", (20, 20), colour) for colour in COLOURS[:2]]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=50)
    spec = Spec(kind=ImageFormat.GIF, max_frames=100)
    served = Image.open(io.BytesIO(PillowProcessor().derive(buffer.getvalue(), spec).data))
    assert getattr(served, "n_frames", 1) == 2 and "loop" not in served.info


def test_max_frames_bounds_the_frames_served() -> None:
    spec = Spec(kind=ImageFormat.GIF, box=Box(30, 30), max_frames=2)
    assert len(frames_of(PillowProcessor().derive(animated("GIF"), spec).data)) == 2


@pytest.mark.parametrize(
    "spec",
    [
        Spec(kind=ImageFormat.GIF, box=Box(30, 30)),  # keep_animation: false
        Spec(kind=ImageFormat.PNG, box=Box(30, 30)),  # other kinds: the first frame
    ],
)
def test_a_still_is_the_first_frame(spec: Spec) -> None:
    frames = frames_of(PillowProcessor().derive(animated("GIF"), spec).data)
    assert len(frames) == 1 and near(frames[0][0], COLOURS[0])


def test_cover_applies_to_every_frame() -> None:
    spec = Spec(kind=ImageFormat.WEBP, box=Box(40, 40), max_frames=100, fit=Fit.COVER)
    frames = frames_of(PillowProcessor().derive(animated("GIF"), spec).data)
    assert [size for _, _, size in frames] == [(40, 40)] * 4


def test_animation_enters_the_key_of_gif_and_webp_only() -> None:
    defaults = DerivationDefaults(animation_frames=100)
    gif = spec_for(ImageRequest(kind=ImageFormat.GIF), None, defaults)
    assert gif.canonical().endswith(";frames=100") and Spec.parse(gif.canonical()) == gif
    assert spec_for(ImageRequest(), None, defaults) == Spec()
    still = spec_for(ImageRequest(kind=ImageFormat.GIF), None, DerivationDefaults())
    assert still.canonical() == Spec(kind=ImageFormat.GIF, quality=100).canonical()
    assert "frames" not in still.canonical()


def test_the_upload_check_decodes_every_frame() -> None:
    data = animated("GIF", size=(200, 200))
    PillowProcessor().check_decodes(data)
    with pytest.raises(CorruptImageError):
        PillowProcessor().check_decodes(data[: len(data) - 40])
