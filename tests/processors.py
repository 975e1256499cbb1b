"""Both imaging processors, for tests that must hold for each (pixels, frames, crops)."""

from __future__ import annotations

import pytest

from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.application.ports import ImageProcessor


def pillow() -> ImageProcessor:
    return PillowProcessor()


def vips() -> ImageProcessor:
    pytest.importorskip("pyvips")
    from image_repo.adapters.imaging.vips_processor import VipsProcessor

    return VipsProcessor(PillowProcessor())


PROCESSORS = [pytest.param(pillow, id="pillow"), pytest.param(vips, id="vips")]
