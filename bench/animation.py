"""Animated GIF to 200 px, kept animated: image_repo (Pillow) beside libvips (issue 14).

Run: .venv/bin/python bench/animation.py [--runs 5]   (needs the `vips` extra)
A 100-frame 640x480 GIF (moving shapes over a gradient) made here; each side runs in a fresh
process with one thread: one warm-up, then `--runs` timed runs. "peak +MiB" is the growth of
peak RSS over the level with the input loaded, i.e. what one derivation adds.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FRAMES = 100
SIZE = (640, 480)
BOX = 200


def make_gif(path: Path) -> bytes:
    from PIL import Image, ImageDraw

    if path.exists():
        return path.read_bytes()
    background = Image.linear_gradient("L").resize(SIZE).convert("RGB")
    frames = []
    for index in range(FRAMES):
        frame = background.copy()
        draw = ImageDraw.Draw(frame)
        x = 20 + index * 5
        draw.ellipse((x, 100, x + 120, 220), fill=(220, 40, 40))
        draw.rectangle((500 - index * 4, 300, 600 - index * 4, 400), fill=(40, 40, 220))
        frames.append(frame.quantize(64))
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def ours(data: bytes, kind: str) -> bytes:
    from image_repo.adapters.imaging.pillow_processor import PillowProcessor
    from image_repo.domain.formats import ImageFormat
    from image_repo.domain.spec import Box, Spec

    spec = Spec(kind=ImageFormat(kind), box=Box(BOX, BOX), quality=80, max_frames=FRAMES)
    return PillowProcessor(max_concurrent=1).derive(data, spec).data


def vips(data: bytes, kind: str) -> bytes:
    import pyvips

    image = pyvips.Image.thumbnail_buffer(data, BOX, height=BOX, option_string="n=-1")
    if kind == "webp":
        return bytes(image.webpsave_buffer(Q=80, effort=4, keep="none"))
    return bytes(image.gifsave_buffer(keep="none"))


def measure(implementation: str, kind: str, runs: int, path: Path) -> dict[str, float]:
    if implementation == "vips":
        import pyvips

        pyvips.cache_set_max(0)
        pyvips.concurrency_set(1)
    data = path.read_bytes()
    function = ours if implementation == "ours" else vips
    function(_tiny_gif(), kind)  # imports and one-time set-up, before the baseline
    baseline = _peak_rss_kib()
    output = function(data, kind)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        function(data, kind)
        timings.append((time.perf_counter() - start) * 1000)
    peak = _peak_rss_kib()
    from PIL import Image

    served = Image.open(io.BytesIO(output))
    return {
        "median": statistics.median(timings),
        "peak_added_mib": (peak - baseline) / 1024,
        "bytes": len(output),
        "frames": getattr(served, "n_frames", 1),
    }


def _peak_rss_kib() -> int:
    """VmHWM: unlike ru_maxrss, it starts afresh at exec (not at the parent's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _tiny_gif() -> bytes:
    from PIL import Image

    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=40)
    return buffer.getvalue()


def child(implementation: str, kind: str, runs: int, path: Path) -> dict[str, float]:
    env = {**os.environ, "VIPS_CONCURRENCY": "1", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, __file__, "--child", implementation, kind, str(runs), str(path)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--inputs", type=Path, default=Path("/var/tmp/image_repo-bench-inputs"))
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        implementation, kind, runs, path = args.child
        print(json.dumps(measure(implementation, kind, int(runs), Path(path))))
        return 0
    path = args.inputs / "anim100.gif"
    data = make_gif(path)
    print(f"{FRAMES}-frame {SIZE[0]}x{SIZE[1]} GIF ({len(data) >> 10} KiB) -> fit {BOX}x{BOX}")
    print(f"{'output':8} {'side':6} {'ms':>8} {'peak +MiB':>10} {'frames':>7} {'KiB':>6}")
    for kind in ("gif", "webp"):
        for implementation in ("ours", "vips"):
            found = child(implementation, kind, args.runs, path)
            print(
                f"{kind:8} {implementation:6} {found['median']:8.0f}"
                f" {found['peak_added_mib']:10.1f} {found['frames']:7.0f}"
                f" {found['bytes'] / 1024:6.0f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
