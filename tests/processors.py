"""Every imaging processor, for tests that must hold for each (pixels, frames, crops)."""

from __future__ import annotations

import pytest

from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.application.ports import ImageProcessor
from image_repo.container.factories import image_processor
from image_repo.domain.limits import ImageLimits


def pillow() -> ImageProcessor:
    return PillowProcessor()


def vips() -> ImageProcessor:
    pytest.importorskip("pyvips")
    from image_repo.adapters.imaging.vips_processor import VipsProcessor

    return VipsProcessor(PillowProcessor())


def auto() -> ImageProcessor:
    """The default: Pillow decodes JPEG and AVIF and libvips resamples; libvips the rest."""
    return image_processor("auto", ImageLimits(), 10.0, max_concurrent=2, prepared_cache_bytes=0)


PROCESSORS = [
    pytest.param(pillow, id="pillow"),
    pytest.param(vips, id="vips"),
    pytest.param(auto, id="auto"),
]
