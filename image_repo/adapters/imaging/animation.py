"""Animated GIF and WebP kept animated: every frame through the pipeline, timing kept.

Frames come from Pillow composited (each a full canvas, earlier frames and disposal applied),
so each is resized once, from its own decode, and never from a decoded copy of all frames:
memory holds one full-size frame and the small ones. The encoder is handed full frames; it
crops each to what changed."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import attrs
from PIL import Image, ImageFile

from image_repo.adapters.imaging.edit_steps import trim_box, trimmed_to
from image_repo.adapters.imaging.steps import FRAME_FINISHING, PREPARATION
from image_repo.domain.formats import ImageFormat
from image_repo.domain.spec import Spec

_DEFAULT_DURATION_MS = 100
# GIF disposal: 0 unspecified, 1 keep, 2 restore the background, 3 restore the previous frame.
# Frames are composited here, so "keep" draws a 3 exactly (Pillow's writer does not model 3).
_RESTORE_PREVIOUS = 3
_KEEP = 1
# The longest frame each format can say: GIF counts 16 bits of hundredths, WebP 24 bits of ms.
_LONGEST_FRAME_MS = {ImageFormat.GIF: 65535 * 10, ImageFormat.WEBP: (1 << 24) - 1}


# Called with each frame once sought and before it is decoded, and its index: the budget.
FrameCheck = Callable[[Image.Image, int], None]


@attrs.frozen
class Animation:
    frames: tuple[Image.Image, ...]
    durations_ms: tuple[int, ...]
    disposals: tuple[int, ...]
    loop: int | None  # None: play once (a GIF without a loop extension)


def _frames(
    source: ImageFile.ImageFile, count: int, check: FrameCheck
) -> Iterator[tuple[Image.Image, int, int]]:
    has_alpha = "transparency" in source.info or source.mode in ("RGBA", "LA", "PA")
    canvas = source.size
    for index in range(count):
        source.seek(index)
        check(source, index)
        frame = source.convert("RGBA" if has_alpha else "RGB")  # WebP sets the duration here
        if frame.size != canvas:
            # a GIF frame whose extents pass the logical screen grows Pillow's canvas; browsers
            # clip it to the screen, and an encoder needs every frame the same size
            frame = frame.crop((0, 0, *canvas))
        duration = int(source.info.get("duration") or _DEFAULT_DURATION_MS)
        disposal = int(getattr(source, "disposal_method", 0))
        yield frame, duration, disposal


def animation(
    source: ImageFile.ImageFile,
    frame_count: int,
    spec: Spec,
    check: FrameCheck,
    mark: Callable[[Image.Image], Image.Image] = lambda image: image,
) -> Animation:
    """At most `spec.max_frames` of its `frame_count` frames, each prepared, resized and
    finished like a still; `trim=` cuts every frame to the first frame's box, so the frames
    stay aligned."""
    frames: list[Image.Image] = []
    durations: list[int] = []
    disposals: list[int] = []
    trimming = spec.edits.trim is not None
    box: tuple[int, int, int, int] | None = None
    for frame, duration, disposal in _frames(source, min(frame_count, spec.max_frames), check):
        image = frame
        for step in PREPARATION:
            image = step(image, spec)
        if trimming:
            if not frames:
                box = trim_box(image, spec.edits.trim or 0)
            image = trimmed_to(image, box)
        for step in FRAME_FINISHING:
            image = step(image, spec)
        frames.append(mark(image))
        durations.append(duration)
        disposals.append(_KEEP if disposal == _RESTORE_PREVIOUS else disposal)
    loop = source.info.get("loop")
    return Animation(tuple(frames), tuple(durations), tuple(disposals), loop)


def decode_every_frame(source: ImageFile.ImageFile, frame_count: int, check: FrameCheck) -> None:
    """The upload check of an animation: every frame that may be served is decoded."""
    for index in range(frame_count):
        source.seek(index)
        check(source, index)
        source.load()


def _merged(animated: Animation, frames: list[Image.Image]) -> Animation:
    """Consecutive frames that came out identical (resizing merges small differences) as one
    frame shown for their summed durations. Pillow's GIF writer merges them itself, and fails
    (TypeError) on per-frame disposals once a single frame is left."""
    kept: list[Image.Image] = []
    durations: list[int] = []
    disposals: list[int] = []
    previous = b""
    for frame, duration, disposal in zip(
        frames, animated.durations_ms, animated.disposals, strict=True
    ):
        pixels = frame.convert("RGBA").tobytes()
        if kept and pixels == previous:
            durations[-1] += duration
            continue
        kept.append(frame)
        durations.append(duration)
        disposals.append(disposal)
        previous = pixels
    return Animation(tuple(kept), tuple(durations), tuple(disposals), animated.loop)


def encode_animation(animated: Animation, spec: Spec, webp_effort: int = 4) -> bytes:
    """Nothing but pixels and timing leaves: every frame's `info` (comments, profiles) is
    emptied, as `encode` does for a still."""
    frames = list(animated.frames)
    options: dict[str, object]
    if spec.kind is ImageFormat.GIF:
        animated = _merged(animated, [frame.convert("RGB").quantize(256) for frame in frames])
        frames = list(animated.frames)
        options = {"disposal": list(animated.disposals)}
        if animated.loop is not None:
            options["loop"] = animated.loop
        if len(frames) == 1:  # a still now: Pillow takes single values for one frame
            options["disposal"] = animated.disposals[0]
    else:
        loop = 1 if animated.loop is None else animated.loop
        options = {"loop": loop, "quality": spec.quality, "method": webp_effort}
    for frame in frames:
        frame.info = {}
    longest = _LONGEST_FRAME_MS[spec.kind]
    durations = [min(duration, longest) for duration in animated.durations_ms]
    buffer = io.BytesIO()
    first, *rest = frames
    first.save(
        buffer,
        "GIF" if spec.kind is ImageFormat.GIF else "WEBP",
        save_all=True,
        append_images=rest,
        duration=durations if len(frames) > 1 else durations[0],
        **options,
    )
    return buffer.getvalue()
