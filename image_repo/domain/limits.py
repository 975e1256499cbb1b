"""Size limits an original must respect before anything decodes it."""

from __future__ import annotations

import attrs

from image_repo.domain.errors import TooManyPixelsError
from image_repo.domain.records import ImageInfo


@attrs.frozen
class ImageLimits:
    """Checked on the header alone: a few KB can declare 64000x64000 pixels."""

    max_pixels: int = 75_000_000
    max_frames: int = 100
    # canvas x frames of an animation: what 100 frames of 1920x1080 need
    max_animation_pixels: int = 100 * 1920 * 1080

    def check(self, info: ImageInfo) -> None:
        if info.width * info.height > self.max_pixels:
            raise TooManyPixelsError(
                f"{info.width}x{info.height} is {info.width * info.height} pixels;"
                f" the limit is {self.max_pixels}"
            )
        if info.frames > self.max_frames:
            raise TooManyPixelsError(f"{info.frames} frames; the limit is {self.max_frames}")
        if info.frames > 1 and info.pixels > self.max_animation_pixels:
            raise TooManyPixelsError(
                f"{info.frames} frames of {info.width}x{info.height} are {info.pixels} pixels;"
                f" the limit for an animation is {self.max_animation_pixels}"
            )
