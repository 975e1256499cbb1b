"""What SPEC 15's looks add to an upload of a 24 MP JPEG (issue 25's target: under 10 ms for the
placeholders), and what face detection adds.

Run: .venv/bin/python bench/looks.py [--runs 30] [--uploads 12]

Two measures, both on the same photos:
- in process, the upload check alone (`check_decodes`, the processor as the server builds it):
  without looks, with the placeholders, with placeholders and faces; the median of `--runs`
  each, interleaved so that drift hits all three alike. This is the CPU an upload adds;
- over HTTP, the wall time of a PUT answered 201 by one image_repo process on a local Swift,
  for each setting (images.placeholders false, true; detect_faces true), `--uploads` each.
The photos: bench.inputs' 24 MP JPEG (noise and gradients, no face), and scikit-image's
astronaut (a real photograph with a face) scaled to 24 MP.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import image_repo_server, local_swift
from bench.inputs import make_inputs
from bench.upload_time import upload_seconds
from image_repo.container.factories import image_processor
from image_repo.domain.limits import ImageLimits

SETTINGS = {
    "without looks (images.placeholders: false)": {"placeholders": False},
    "placeholders (the default)": {"placeholders": True},
    "placeholders and faces (images.detect_faces: true)": {
        "placeholders": True,
        "detect_faces": True,
    },
}


def astronaut_24mp() -> bytes:
    from skimage import data  # a dev dependency: the photo ships in its wheel

    pixels = data.astronaut()  # type: ignore[no-untyped-call]
    photo = Image.fromarray(pixels).resize((4899, 4899), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    return out.getvalue()


def check_medians(data: bytes, runs: int) -> dict[str, float]:
    """Median ms of the upload check per setting, interleaved."""
    plain = image_processor("auto", ImageLimits(), 30.0, 1, 0)
    faces = image_processor("auto", ImageLimits(), 30.0, 1, 0, detect_faces=True)
    cases: dict[str, Callable[[], object]] = {
        "check only": lambda: plain.check_decodes(data),
        "check + placeholders": lambda: plain.check_decodes(data, looks=True),
        "check + placeholders + faces": lambda: faces.check_decodes(data, looks=True),
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for case in cases.values():
        case()  # first-use costs (the cascade's load)
    for _ in range(runs):
        for name, case in cases.items():
            start = time.perf_counter()
            case()
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--uploads", type=int, default=12)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-looks-") as folder:
        photos = {
            "24 MP JPEG (bench.inputs jpeg24)": make_inputs(Path(folder) / "inputs")[
                "jpeg24"
            ].read_bytes(),
            "24 MP astronaut (a face)": astronaut_24mp(),
        }
        print("In process, the upload check (median ms):")
        print("| photo | check only | + placeholders | + placeholders and faces |")
        print("| --- | ---: | ---: | ---: |")
        added: list[tuple[float, float]] = []
        for label, data in photos.items():
            medians = check_medians(data, arguments.runs)
            base = medians["check only"]
            placeholders = medians["check + placeholders"]
            faces = medians["check + placeholders + faces"]
            added.append((placeholders - base, faces - placeholders))
            print(
                f"| {label} | {base:.1f} | {placeholders:.1f} (+{placeholders - base:.1f})"
                f" | {faces:.1f} (+{faces - base:.1f}) |"
            )
        print(
            f"summary: placeholders add {max(p for p, _ in added):.1f} ms,"
            f" faces add {max(f for _, f in added):.1f} ms (the most of both photos)"
        )
        print()
        print("Over HTTP, a PUT answered 201 (median ms, min-max):")
        print("| photo | " + " | ".join(SETTINGS) + " |")
        print("| --- |" + " ---: |" * len(SETTINGS))
        with local_swift() as endpoint:
            rows: dict[str, list[str]] = {label: [] for label in photos}
            for images in SETTINGS.values():
                with image_repo_server(endpoint, Path(folder), images=images) as server:
                    for label, data in photos.items():
                        ms = sorted(s * 1000 for s in upload_seconds(
                            server.base_url, data, arguments.uploads
                        ))  # fmt: skip
                        rows[label].append(
                            f"{statistics.median(ms):.0f} ({ms[0]:.0f}-{ms[-1]:.0f})"
                        )
            for label, cells in rows.items():
                print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
