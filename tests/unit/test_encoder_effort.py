"""images.webp_effort and images.avif_speed reach the encoders of every processor."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from image_repo.adapters.imaging.encode import DEFAULT_EFFORT
from image_repo.container.factories import image_processor
from image_repo.domain.formats import ImageFormat
from image_repo.domain.limits import ImageLimits
from image_repo.domain.spec import Box, Spec
from image_repo.settings import AppConfig, ConfigError, load_config
from tests.images import encoded, picture


def _derived(
    processor: str,
    source: bytes,
    kind: ImageFormat,
    *,
    webp_effort: int = DEFAULT_EFFORT.webp_effort,
    avif_speed: int = DEFAULT_EFFORT.avif_speed,
) -> bytes:
    made = image_processor(processor, ImageLimits(), 10.0, 1, 0, webp_effort, avif_speed)
    return made.derive(source, Spec(kind=kind, box=Box(300, 300), quality=75)).data


def _photo(image_format: str) -> bytes:
    noisy = Image.effect_noise((640, 480), 40).convert("RGB")
    return encoded(Image.blend(picture(), noisy, 0.3), image_format)


@pytest.mark.parametrize("processor", ["pillow", "vips", "auto"])
@pytest.mark.parametrize("source", ["JPEG", "PNG"])
def test_webp_effort_trades_cpu_for_bytes(processor: str, source: str) -> None:
    photo = _photo(source)
    fastest = _derived(processor, photo, ImageFormat.WEBP, webp_effort=0)
    smallest = _derived(processor, photo, ImageFormat.WEBP, webp_effort=6)
    assert len(smallest) < len(fastest)
    assert Image.open(io.BytesIO(smallest)).size == (300, 225)


@pytest.mark.parametrize("processor", ["pillow", "auto"])
def test_avif_speed_reaches_the_encoder(processor: str) -> None:
    photo = _photo("JPEG")
    slow = _derived(processor, photo, ImageFormat.AVIF, avif_speed=4)
    fast = _derived(processor, photo, ImageFormat.AVIF, avif_speed=10)
    assert slow != fast
    assert Image.open(io.BytesIO(fast)).format == "AVIF"


def test_defaults_and_bounds(tmp_path: Path) -> None:
    images = AppConfig().images
    assert (images.processor, images.webp_effort, images.avif_speed) == ("auto", 2, 9)
    for text in ("images: {avif_speed: 11}", "images: {webp_effort: 7}", "images: {processor: x}"):
        path = tmp_path / "c.yaml"
        path.write_text(text)
        with pytest.raises(ConfigError):
            load_config(path)
