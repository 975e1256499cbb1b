"""Imaging speed and memory: image_repo's Pillow path beside libvips, same inputs, same run.

Run: .venv/bin/python bench/imaging.py [--runs 15]   (needs the `vips` extra)
Each (implementation, workload) runs in a fresh process: one thread, inputs already in memory,
two warm-up runs, then `--runs` timed ones. "peak +MiB" is the growth of the process's peak RSS
over its level with the input loaded, i.e. what one derivation adds.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from image_repo.application.ports import ImageProcessor
from image_repo.container.factories import image_processor
from image_repo.domain.limits import ImageLimits

# (name, input, box, output kind, target ratio vips:ours)
WORKLOADS = [
    ("24 MP JPEG -> 50x50 thumbnail", "jpeg24", (50, 50), "jpeg", 1.1),
    ("24 MP JPEG -> fit 800", "jpeg24", (800, 800), "jpeg", 1.1),
    ("12 MP JPEG -> fit 1920 WebP", "jpeg12", (1920, 1920), "webp", 1.1),
    ("4000x3000 RGBA PNG -> fit 800 JPEG", "png12", (800, 800), "jpeg", 1.2),
]


def ours(data: bytes, box: tuple[int, int], kind: str, thumbnail: bool) -> bytes:
    from image_repo.domain.formats import ImageFormat
    from image_repo.domain.spec import Box, Spec

    quality = 80 if kind == "webp" else 85
    spec = Spec(kind=ImageFormat(kind), box=Box(*box), is_thumbnail=thumbnail, quality=quality,
                sharpen=0.5 if thumbnail else 0.0)  # fmt: skip
    return _processor().derive(data, spec).data


@functools.cache
def _processor() -> ImageProcessor:
    # No decoded-original cache: every run decodes, as libvips does.
    processor = os.environ.get("BENCH_PROCESSOR", "auto")
    return image_processor(processor, ImageLimits(), 60.0, max_concurrent=1, prepared_cache_bytes=0)


def vips(data: bytes, box: tuple[int, int], kind: str, thumbnail: bool) -> bytes:
    import pyvips

    image = pyvips.Image.thumbnail_buffer(data, box[0], height=box[1], size="down")
    if image.hasalpha():
        image = image.flatten(background=[255, 255, 255])
    if kind == "webp":
        return bytes(image.webpsave_buffer(Q=80, effort=4, keep="none"))
    return bytes(image.jpegsave_buffer(Q=85, keep="none"))


def _vips_version() -> str:
    import pyvips

    return ".".join(str(pyvips.version(i)) for i in range(3))


def measure(implementation: str, workload: int, runs: int, inputs: Path) -> dict[str, float]:
    """Runs inside the child process."""
    if implementation == "vips":
        import pyvips

        pyvips.cache_set_max(0)
    _name, key, box, kind, _target = WORKLOADS[workload]
    data = next(inputs.glob(f"{key}.*")).read_bytes()
    function = ours if implementation == "ours" else vips
    thumbnail = box == (50, 50)
    tiny = (inputs / "tiny.jpg").read_bytes()
    function(tiny, (8, 8), kind, thumbnail)  # imports and one-time set-up, before the baseline
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    output = function(data, box, kind, thumbnail)
    function(data, box, kind, thumbnail)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        function(data, box, kind, thumbnail)
        timings.append((time.perf_counter() - start) * 1000)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings.sort()
    return {
        "median": statistics.median(timings),
        "p90": timings[min(len(timings) - 1, int(0.9 * len(timings)))],
        "peak_added_mib": (peak - baseline) / 1024,
        "output_bytes": len(output),
    }


def child(implementation: str, workload: int, runs: int, inputs: Path) -> dict[str, float]:
    env = {**os.environ, "VIPS_CONCURRENCY": "1", "OMP_NUM_THREADS": "1"}
    command = [
        sys.executable,
        __file__,
        "--child",
        implementation,
        str(workload),
        str(runs),
        str(inputs),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--inputs", type=Path, default=Path("/var/tmp/image_repo-bench-inputs"))
    parser.add_argument("--processor", choices=("auto", "pillow", "vips"), default="auto",
                        help="images.processor of image_repo's side")  # fmt: skip
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        implementation, workload, runs, inputs = args.child
        print(json.dumps(measure(implementation, int(workload), int(runs), Path(inputs))))
        return 0
    from bench.inputs import make_inputs

    make_inputs(args.inputs)
    os.environ["BENCH_PROCESSOR"] = args.processor
    print(f"image_repo with images.processor: {args.processor}; libvips {_vips_version()}")
    columns = ("ours ms", "p90", "+MiB", "vips ms", "p90", "+MiB", "ratio")
    print(f"{'workload':36} " + " ".join(f"{c:>7}" for c in columns) + "  target")
    for index, (name, _key, _box, _kind, target) in enumerate(WORKLOADS):
        mine = child("ours", index, args.runs, args.inputs)
        theirs = child("vips", index, args.runs, args.inputs)
        ratio = mine["median"] / theirs["median"]
        verdict = "ok" if ratio <= target else "MISSED"
        print(
            f"{name:36} {mine['median']:7.1f} {mine['p90']:7.1f} {mine['peak_added_mib']:7.1f}"
            f" {theirs['median']:7.1f} {theirs['p90']:7.1f} {theirs['peak_added_mib']:7.1f}"
            f" {ratio:7.2f}  <={target} {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
