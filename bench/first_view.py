"""First views (issue 15): truly cold requests beside Swift GET + libvips, and upload-then-view.

Run: .venv/bin/python bench/first_view.py [--rounds 9] [--server-pythonpath DIR] [--part cold|eager]

Truly cold: distinct 24 MP JPEGs (one photo, each copy made unique by a JPEG comment, so every
copy decodes alike but has its own ETag), uploaded through the API of server A or put in the
data container as `<name>.jpg` by swiftclient, each fetched once at 50x50 or 800x800 from
server B, which never saw them. Beside each, interleaved (the order alternates every round), the
least any service whose originals live in Swift must do: GET another such copy from Swift, then
libvips `thumbnail_buffer` with one thread and a JPEG q85 save without metadata. Medians per row
and their ratio against the 1.2x target.

Upload then first view: a photo uploaded to A, then its `preset=thumb` asked at once of A (the
node that owns the name) and its `preset=medium` of B (another node: the cache container), with
`images.eager_presets` off and on; the time from sending the upload to the view's last byte.
`--server-pythonpath` runs both servers from another checkout (the "before" figures).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("VIPS_CONCURRENCY", "1")  # before pyvips is imported: one thread

import attrs
import httpx
from swiftclient.client import Connection

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    Server,
    image_repo_server,
    local_swift,
    swift_cpu_seconds,
    wait_for_cache_writes,
)
from bench.inputs import make_inputs
from image_repo.localswift import SwiftEndpoint

TARGET = 1.2
ROWS = (("uploaded", 50), ("uploaded", 800), ("name.jpg", 50), ("name.jpg", 800))
PRESETS = {"thumb": "thumbnail=true", "medium": "xsize=800&ysize=800"}
ELSEWHERE_AFTER_SECONDS = 1.0


@attrs.define
class ColdSamples:
    """Seconds per row (original, box): image_repo's and the reference's; X-Cache values seen."""

    ours: dict[tuple[str, int], list[float]] = attrs.field(factory=lambda: {r: [] for r in ROWS})
    theirs: dict[tuple[str, int], list[float]] = attrs.field(factory=lambda: {r: [] for r in ROWS})
    tiers: set[str] = attrs.field(factory=set)
    swift_cpu: dict[tuple[str, int], list[float]] = attrs.field(
        factory=lambda: {r: [] for r in ROWS}
    )
    reference_swift_cpu: list[float] = attrs.field(factory=list)


def unique_copy(jpeg: bytes, tag: str) -> bytes:
    """`jpeg` with a comment segment (COM) after its start marker: other bytes, same pixels."""
    comment = tag.encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + jpeg[2:]


def libvips_reference(swift: Connection, container: str, object_name: str, box: int) -> float:
    """Seconds to GET `object_name` from Swift and make the box's JPEG from it with libvips."""
    import pyvips

    started = time.perf_counter()
    _headers, body = swift.get_object(container, object_name)
    image = pyvips.Image.thumbnail_buffer(body, box, height=box, size="down")
    image.jpegsave_buffer(Q=85, keep="none")
    return time.perf_counter() - started


def timed_get(client: httpx.Client, url: str, params: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    answer = client.get(url, params=params)
    elapsed = time.perf_counter() - started
    answer.raise_for_status()
    return elapsed, answer.headers.get("x-cache", "?")


@contextmanager
def two_servers(
    endpoint: SwiftEndpoint, root: Path, container: str, **images: Any
) -> Iterator[tuple[Server, Server]]:
    """A and B on one data container and one cache container, each with its own disk cache."""
    sections: dict[str, Any] = {"swift": {"container": container}}
    if images:
        sections["images"] = images
    with ExitStack() as stack:
        first = stack.enter_context(image_repo_server(endpoint, root, **sections))
        second = stack.enter_context(image_repo_server(endpoint, root, **sections))
        yield first, second


@contextmanager
def profiled(pid: int, output: Path | None) -> Iterator[None]:
    """py-spy (`pip install py-spy`) sampling process `pid`, every thread, into `output`
    (collapsed stacks: one line per stack with its count of samples)."""
    if output is None:
        yield
        return
    spy = subprocess.Popen(
        [
            "py-spy",
            "record",
            "-p",
            str(pid),
            "-o",
            str(output),
            "-f",
            "raw",
            "-r",
            "250",
            "--threads",
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)


def truly_cold(
    endpoint: SwiftEndpoint, root: Path, jpeg: bytes, rounds: int, profile: Path | None = None
) -> None:
    import pyvips

    pyvips.cache_set_max(0)
    container = f"bench_cold_{uuid.uuid4().hex[:6]}"
    swift = Connection(endpoint.auth_url, endpoint.user, endpoint.key, retries=0)
    swift.put_container(container)
    samples = ColdSamples()
    with (
        two_servers(endpoint, root, container) as (uploader, viewer),
        httpx.Client(timeout=120) as client,
    ):
        # one warm-up of each path (connections, imports), on names not measured
        warm = unique_copy(jpeg, "warm-up")
        client.put(f"{uploader.base_url}/images/warm", content=warm).raise_for_status()
        client.get(f"{viewer.base_url}/images/warm", params={"xsize": "50"}).raise_for_status()
        swift.put_object(container, "warm-ref", warm)
        libvips_reference(swift, container, "warm-ref", 50)
        with profiled(viewer.pid, profile):
            measure_cold(client, swift, container, uploader, viewer, jpeg, rounds, samples)
    report_cold(jpeg, rounds, samples)


def measure_cold(
    client: httpx.Client,
    swift: Connection,
    container: str,
    uploader: Server,
    viewer: Server,
    jpeg: bytes,
    rounds: int,
    samples: ColdSamples,
) -> None:
    ours, theirs = samples.ours, samples.theirs
    for round_number in range(rounds):
        for source, box in ROWS:
            name = f"cold/{source.replace('.', '-')}-{box}-{round_number}-{uuid.uuid4().hex}"
            data = unique_copy(jpeg, name)
            if source == "uploaded":
                url = f"{uploader.base_url}/images/{name}"
                client.put(url, content=data).raise_for_status()
            else:
                swift.put_object(container, f"{name}.jpg", data, content_type="image/jpeg")
            reference = f"reference/{name}"
            swift.put_object(container, reference, unique_copy(jpeg, reference))
            params = {"xsize": str(box), "ysize": str(box)}
            view = f"{viewer.base_url}/images/{name}"
            if round_number % 2:
                theirs[(source, box)].append(libvips_reference(swift, container, reference, box))
                elapsed, tier = timed_get(client, view, params)
            else:
                elapsed, tier = timed_get(client, view, params)
                theirs[(source, box)].append(libvips_reference(swift, container, reference, box))
            ours[(source, box)].append(elapsed)
            samples.tiers.add(tier)
            # Swift's CPU for one more view of the same kind, cache writes included (outside
            # the timings above: the wait for the write-behind queue would blur them)
            again = f"{view}-again"
            if source == "uploaded":
                client.put(f"{uploader.base_url}/images/{name}-again", content=data)
            else:
                swift.put_object(container, f"{name}-again.jpg", data, content_type="image/jpeg")
            wait_for_cache_writes(viewer.base_url)
            before = swift_cpu_seconds()
            timed_get(client, again, params)
            wait_for_cache_writes(viewer.base_url)
            samples.swift_cpu[(source, box)].append(swift_cpu_seconds() - before)
            before = swift_cpu_seconds()
            swift.get_object(container, reference)
            samples.reference_swift_cpu.append(swift_cpu_seconds() - before)


def report_cold(jpeg: bytes, rounds: int, samples: ColdSamples) -> None:
    ours, theirs, tiers = samples.ours, samples.theirs, samples.tiers
    reference_cpu_ms = statistics.median(samples.reference_swift_cpu) * 1000
    print(f"truly cold, {rounds} originals per row (24 MP JPEG, {len(jpeg) / 1e6:.1f} MB);")
    print(f"X-Cache of the measured answers: {', '.join(sorted(tiers))}")
    print(
        "Swift CPU per view: every Swift process's CPU for one more such view, its cache"
        f" writes included (the reference's GET alone: {reference_cpu_ms:.0f} ms)"
    )
    header = f"{'original':10} {'box':>4} {'image_repo ms':>14} {'Swift GET + libvips ms':>23}"
    print(f"{header} ratio            Swift CPU per view")
    for source, box in ROWS:
        mine = statistics.median(ours[(source, box)]) * 1000
        reference_ms = statistics.median(theirs[(source, box)]) * 1000
        ratio = mine / reference_ms
        swift_ms = statistics.median(samples.swift_cpu[(source, box)]) * 1000
        print(
            f"{source:10} {box:>4} {mine:>14.1f} {reference_ms:>23.1f} "
            f"cold ratio {ratio:.2f}x <={TARGET}   {swift_ms:6.0f} ms"
        )


def upload_then_view(
    endpoint: SwiftEndpoint, root: Path, jpeg: bytes, rounds: int, *, eager: bool
) -> None:
    """Per round: upload to the owner; at once its thumb from the owner (a page shown right
    after the upload); `ELSEWHERE_AFTER_SECONDS` later its medium from the other node."""
    container = f"bench_eager_{uuid.uuid4().hex[:6]}"
    images: dict[str, Any] = {"presets": PRESETS}
    if eager:
        images["eager_presets"] = list(PRESETS)
    label = "eager_presets on " if eager else "eager_presets off"
    owner_times: list[float] = []
    upload_times: list[float] = []
    other_times: list[float] = []
    owner_tiers: list[str] = []
    other_tiers: list[str] = []
    with (
        two_servers(endpoint, root, container, **images) as (owner, other),
        httpx.Client(timeout=120) as client,
    ):
        for round_number in range(rounds + 1):
            name = f"fresh/{round_number}-{uuid.uuid4().hex}"
            data = unique_copy(jpeg, name)
            started = time.perf_counter()
            client.put(f"{owner.base_url}/images/{name}", content=data).raise_for_status()
            upload_seconds = time.perf_counter() - started
            seconds, tier = timed_get(
                client, f"{owner.base_url}/images/{name}", {"preset": "thumb"}
            )
            time.sleep(ELSEWHERE_AFTER_SECONDS)
            elsewhere = f"{other.base_url}/images/{name}"
            other_seconds, other_tier = timed_get(client, elsewhere, {"preset": "medium"})
            if round_number == 0:
                continue  # warm-up
            owner_times.append(seconds)
            upload_times.append(upload_seconds)
            other_times.append(other_seconds)
            owner_tiers.append(tier)
            other_tiers.append(other_tier)
    owner_ms = statistics.median(owner_times) * 1000
    other_ms = statistics.median(other_times) * 1000
    upload_ms = statistics.median(upload_times) * 1000
    print(
        f"{label}: upload {upload_ms:.1f} ms;"
        f" preset=thumb on the owner right after the upload {owner_ms:.1f} ms"
        f" (X-Cache {_counts(owner_tiers)}); preset=medium on another node"
        f" {ELSEWHERE_AFTER_SECONDS:g} s later {other_ms:.1f} ms (X-Cache {_counts(other_tiers)})"
    )


def _counts(tiers: list[str]) -> str:
    return ", ".join(f"{tier} x{tiers.count(tier)}" for tier in sorted(set(tiers)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=9, help="originals per row")
    parser.add_argument("--server-pythonpath", help="run the servers from this checkout")
    parser.add_argument("--profile", type=Path, help="py-spy's collapsed stacks of server B")
    parser.add_argument("--part", choices=("cold", "eager", "both"), default="both")
    args = parser.parse_args()
    if args.server_pythonpath:
        os.environ["PYTHONPATH"] = args.server_pythonpath
    jpeg = make_inputs(Path("/var/tmp/image_repo-bench-inputs"))["camera24"].read_bytes()
    with local_swift() as endpoint, tempfile.TemporaryDirectory(prefix="bench-first-") as scratch:
        root = Path(scratch)
        if args.part in ("cold", "both"):
            truly_cold(endpoint, root, jpeg, args.rounds, args.profile)
        if args.part in ("eager", "both"):
            upload_then_view(endpoint, root, jpeg, args.rounds, eager=False)
            if not args.server_pythonpath:
                upload_then_view(endpoint, root, jpeg, args.rounds, eager=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
