"""The cost of gravity=smart beside gravity=center (issue 14: within 1.2x on a 24 MP JPEG).

Run: .venv/bin/python bench/smart_crop.py [--runs 9]
One thread, input in memory, no decoded-original cache (every run decodes); libvips' own
`thumbnail` with crop=centre and crop=attention beside it, for reference.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from image_repo.application.ports import ImageProcessor
from image_repo.container.factories import image_processor
from image_repo.domain.limits import ImageLimits
from image_repo.domain.spec import Box, Fit, Gravity, Spec

BOXES = ((300, 300), (800, 800), (1920, 1080))


def median_ms(function: Callable[[], object], runs: int) -> float:
    function()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--inputs", type=Path, default=Path("/var/tmp/image_repo-bench-inputs"))
    args = parser.parse_args()
    from bench.inputs import make_inputs

    data = make_inputs(args.inputs)["jpeg24"].read_bytes()
    processor = image_processor(
        "pillow", ImageLimits(), 60.0, max_concurrent=1, prepared_cache_bytes=0
    )
    print(f"{'24 MP JPEG, fit=cover':28} {'center ms':>9} {'smart ms':>9} {'ratio':>6}"
          f" {'vips centre':>11} {'attention':>9}")  # fmt: skip
    for width, height in BOXES:
        ours = functools.partial(_ours, processor, data, width, height)
        times = {g: median_ms(functools.partial(ours, g), args.runs)
                 for g in (Gravity.CENTER, Gravity.SMART)}  # fmt: skip
        vips = {c: median_ms(functools.partial(_vips, data, width, height, c), args.runs)
                for c in ("centre", "attention")}  # fmt: skip
        ratio = times[Gravity.SMART] / times[Gravity.CENTER]
        print(
            f"{f'{width}x{height}':28} {times[Gravity.CENTER]:9.1f} {times[Gravity.SMART]:9.1f}"
            f" {ratio:6.2f} {vips['centre']:11.1f} {vips['attention']:9.1f}"
        )
    return 0


def _ours(
    processor: ImageProcessor, data: bytes, width: int, height: int, gravity: Gravity
) -> bytes:
    spec = Spec(box=Box(width, height), fit=Fit.COVER, gravity=gravity)
    return processor.derive(data, spec).data


def _vips(data: bytes, width: int, height: int, crop: str) -> bytes:
    import pyvips

    pyvips.cache_set_max(0)
    pyvips.concurrency_set(1)
    image = pyvips.Image.thumbnail_buffer(data, width, height=height, crop=crop, size="down")
    return bytes(image.jpegsave_buffer(Q=85, keep="none"))


if __name__ == "__main__":
    sys.exit(main())
