"""Benchmark inputs made here, not downloaded: photo-like content with EXIF and GPS."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from tests.images import exif_with_gps


def photo_like(width: int, height: int, seed: int = 1, mode: str = "RGB") -> Image.Image:
    """Smooth gradients and shapes (what JPEG compresses well) under fine grain (what it does
    not), so decoders and encoders do work comparable to a real photograph's."""
    rng = random.Random(seed)
    small = Image.effect_noise((width // 32 + 1, height // 32 + 1), 90).convert("RGB")
    base = small.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(base)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        radius = rng.randrange(width // 40, width // 6)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    base = base.filter(ImageFilter.GaussianBlur(3))
    grain = Image.effect_noise((width, height), 24).convert("RGB")
    photo = Image.blend(base, grain, 0.12)
    if mode == "RGBA":
        alpha = Image.linear_gradient("L").resize((width, height))
        photo.putalpha(alpha)
    return photo


def make_inputs(folder: Path) -> dict[str, Path]:
    """24 MP and 12 MP JPEGs (EXIF with GPS), and a 4000x3000 RGBA PNG; cached in `folder`.
    `camera24` is the 24 MP photo at a camera's size (~10 MB, quality 98): decoding costs
    with the bytes of the scan."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {
        "jpeg24": (6000, 4000, "RGB", "JPEG", 90),
        "jpeg12": (4000, 3000, "RGB", "JPEG", 90),
        "png12": (4000, 3000, "RGBA", "PNG", 0),
        "camera24": (6000, 4000, "RGB", "JPEG", 98),
    }
    paths = {}
    for key, (width, height, mode, image_format, quality) in wanted.items():
        path = folder / f"{key}.{image_format.lower()}"
        if not path.exists():
            image = photo_like(width, height, mode=mode)
            buffer = io.BytesIO()
            if image_format == "JPEG":
                image.save(buffer, "JPEG", quality=quality, exif=exif_with_gps().tobytes())
            else:
                image.save(buffer, "PNG", compress_level=6)
            path.write_bytes(buffer.getvalue())
        paths[key] = path
    Image.new("RGB", (32, 32), "red").save(folder / "tiny.jpg")  # for warm-up runs
    return paths
