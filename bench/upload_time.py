"""Upload time of a 24 MP JPEG over HTTP: the cost of checking an upload decodes (issue 12).

Run: .venv/bin/python bench/upload_time.py [--uploads 10] [--input jpeg24|jpeg12|png12]
One local Swift, one image_repo process; each upload goes to a new name (a replace would cost
the same). Prints the median and the spread of the wall time of a PUT answered 201.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import image_repo_server, local_swift
from bench.inputs import make_inputs


def upload_seconds(base_url: str, data: bytes, uploads: int) -> list[float]:
    samples = []
    with httpx.Client(base_url=base_url, timeout=120) as client:
        client.put(f"/images/warm-{uuid.uuid4().hex}.jpg", content=data)  # first-use costs
        for _ in range(uploads):
            start = time.perf_counter()
            answer = client.put(f"/images/bench-{uuid.uuid4().hex}.jpg", content=data)
            samples.append(time.perf_counter() - start)
            assert answer.status_code == 201, answer.text
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--uploads", type=int, default=10)
    parser.add_argument("--input", choices=("jpeg24", "jpeg12", "png12"), default="jpeg24")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as folder:
        data = make_inputs(Path(folder) / "inputs")[arguments.input].read_bytes()
        with local_swift() as endpoint, image_repo_server(endpoint, Path(folder)) as server:
            samples = upload_seconds(server.base_url, data, arguments.uploads)
    milliseconds = sorted(s * 1000 for s in samples)
    print(
        f"{arguments.input} ({len(data) / 1e6:.1f} MB), {len(samples)} uploads: "
        f"median {statistics.median(milliseconds):.0f} ms, "
        f"min {milliseconds[0]:.0f} ms, max {milliseconds[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
