"""Animated GIF and WebP kept animated: every frame through the pipeline, timing kept.

Frames come from Pillow composited (each a full canvas, earlier frames and disposal applied),
so each is resized once, from its own decode, and never from a decoded copy of all frames:
memory holds one full-size frame and the small ones. The encoder is handed full frames; it
crops each to what changed."""

from __future__ import annotations

import io
from collections.abc import Iterator

import attrs
from PIL import Image, ImageFile

from image_repo.adapters.imaging.steps import FRAME_PIPELINE
from image_repo.domain.formats import ImageFormat
from image_repo.domain.spec import Spec

_DEFAULT_DURATION_MS = 100
# GIF disposal: 0 unspecified, 1 keep, 2 restore the background, 3 restore the previous frame.
# Frames are composited here, so "keep" draws a 3 exactly (Pillow's writer does not model 3).
_RESTORE_PREVIOUS = 3
_KEEP = 1


@attrs.frozen
class Animation:
    frames: tuple[Image.Image, ...]
    durations_ms: tuple[int, ...]
    disposals: tuple[int, ...]
    loop: int | None  # None: play once (a GIF without a loop extension)


def is_animation(source: ImageFile.ImageFile, spec: Spec) -> bool:
    return spec.is_animated and int(getattr(source, "n_frames", 1)) > 1


def frame_count(source: ImageFile.ImageFile, spec: Spec) -> int:
    return min(int(getattr(source, "n_frames", 1)), spec.max_frames)


def _frames(source: ImageFile.ImageFile, count: int) -> Iterator[tuple[Image.Image, int, int]]:
    has_alpha = "transparency" in source.info or source.mode in ("RGBA", "LA", "PA")
    for index in range(count):
        source.seek(index)
        frame = source.convert("RGBA" if has_alpha else "RGB")  # WebP sets the duration here
        duration = int(source.info.get("duration") or _DEFAULT_DURATION_MS)
        disposal = int(getattr(source, "disposal_method", 0))
        yield frame, duration, disposal


def animation(source: ImageFile.ImageFile, spec: Spec) -> Animation:
    """At most `spec.max_frames` frames, each prepared, resized and finished like a still."""
    frames, durations, disposals = [], [], []
    for frame, duration, disposal in _frames(source, frame_count(source, spec)):
        image = frame
        for step in FRAME_PIPELINE:
            image = step(image, spec)
        frames.append(image)
        durations.append(duration)
        disposals.append(_KEEP if disposal == _RESTORE_PREVIOUS else disposal)
    loop = source.info.get("loop")
    return Animation(tuple(frames), tuple(durations), tuple(disposals), loop)


def decode_every_frame(source: ImageFile.ImageFile, max_frames: int) -> None:
    """The upload check of an animation: every frame that may be served is decoded."""
    for index in range(min(int(getattr(source, "n_frames", 1)), max_frames)):
        source.seek(index)
        source.load()


def encode_animation(animated: Animation, spec: Spec) -> bytes:
    """Nothing but pixels and timing leaves: every frame's `info` (comments, profiles) is
    emptied, as `encode` does for a still."""
    frames = list(animated.frames)
    options: dict[str, object]
    if spec.kind is ImageFormat.GIF:
        frames = [frame.convert("RGB").quantize(256) for frame in frames]
        options = {"disposal": list(animated.disposals)}
        if animated.loop is not None:
            options["loop"] = animated.loop
    else:
        loop = 1 if animated.loop is None else animated.loop
        options = {"loop": loop, "quality": spec.quality, "method": 4}
    for frame in frames:
        frame.info = {}
    buffer = io.BytesIO()
    first, *rest = frames
    first.save(
        buffer,
        "GIF" if spec.kind is ImageFormat.GIF else "WEBP",
        save_all=True,
        append_images=rest,
        duration=list(animated.durations_ms),
        **options,
    )
    return buffer.getvalue()
