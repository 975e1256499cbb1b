"""SPEC 12, speed against the field: image_repo beside thumbor 7.8 on imgproxy's workload.

Run: .venv/bin/python bench/servers.py [--seconds 20] [--rounds 1] [--formats jpg,png,webp,avif]
     [--json PATH] [--checkout PATH]

It reproduces imgproxy's `image-servers-benchmark` (its k6.js, Makefile and
thumbor/thumbor.conf.in) on this machine, with both servers in the same run:

- Dataset: 35 real photographs from Debian packages, 2040 px on the longer side, stored as PNG
  and re-saved as JPEG, WebP and AVIF as `vips copy` does (bench/field_photos.py says how and
  why DIV2K itself is not used). Every file goes into one container of a local Swift, under
  `<format>/<photo>` (image_repo's names carry no extension, so each format gets a folder).
- thumbor 7.8 (own venv, Pillow < 13, whose wheel carries libavif: thumbor's PIL engine uses
  Pillow's native AVIF, so pillow-avif-plugin is not needed; pycurl is only used by thumbor when
  HTTP_LOADER_CURL_ASYNC_HTTP_CLIENT is set, which that config does not) configured as that
  thumbor.conf.in: http_loader reading the objects from Swift's proxy URL (the container is
  anonymously readable), no storage, no result storage, PIL engine, progressive JPEG, LANCZOS,
  AVIF speed 10, EXIF copyright kept, ENGINE_THREADPOOL_SIZE = cores; one process, as there.
  Request: `/unsafe/fit-in/512x512/filters:format(F):quality(Q)/<object URL>`.
- image_repo under gunicorn with deploy/gunicorn.conf.py (as many workers as cores, its
  default), default settings except every derived-image tier off (SPEC 12), reading the same
  container. Request: `/images/<format>/<photo>?xsize=512&ysize=512&kind=F&quality=Q`.
- Quality per format as k6.js: JPEG 80, PNG 80 (ignored by both), WebP 75, AVIF 65.
- Load, per format, thumbor then image_repo (`--rounds N` repeats the pair, medians reported):
  as many clients as cores, each a thread with its own keep-alive connection, each request the
  next URL of the format's list, one counter shared by all clients (k6.js:
  `urls[iterationInTest % len]`); bodies read in full and counted; anything but a 200 is a
  failed request. Each measurement stops after `--seconds` or `--max-requests`, whichever
  comes first; requests in flight then are finished and counted. Before each measurement one
  sequential pass over the list's first 4 URLs warms the server (not counted); image_repo
  describes every original once at its start (`meta=true`; SPEC 15's placeholders, which an
  upload through the API makes at upload), not counted either; and before the
  whole run one request per server and format checks the answer is a 200 and an image of that
  format within 512x512.
- Measure: the server's own CPU per answered request. Its whole process tree (thumbor's
  process; gunicorn's master, its workers and their children) is read from /proc (utime +
  stime of each process, threads included) at the start and at the end; a process present at
  one end only (a worker replaced mid-run) is reported as a failure, since its CPU would be
  lost. Swift's processes and this load generator are not counted (Swift shares the cores, so
  requests per second, also reported, depend on it and on the load generator). Both servers
  stay up for the whole run; the idle one's CPU during the other's measurement is in the JSON.
- Output bytes: mean bytes per answer, and image_repo's bytes over thumbor's summed over the
  photos both answered (the same photos, whatever the share of the cycle each run covered).

`--checkout PATH` measures another source tree's image_repo (its code first on the workers'
sys.path, its deploy/gunicorn.conf.py), e.g. `git archive HEAD | tar -x -C PATH` while the work
tree is being changed. Each measurement's line shows "other work": cores busy with anything but
the two servers, Swift and this load generator (another session's tests): CPU per request moves
far less with it than requests per second do, but a run with much of it is noisy.

A format "meets" SPEC 12 when thumbor's CPU per request over image_repo's is at least imgproxy's
published margin (its rps ratio over thumbor on x86_64), no request failed, and image_repo's
output bytes are at most 1.1x thumbor's.
"""

from __future__ import annotations

import argparse
import http.client
import io
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx
import yaml
from PIL import Image
from swiftclient.client import Connection

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.field_photos import FOLDER, make_field_photos
from bench.harness import local_swift, swift_cpu_seconds
from bench.http_cold import ensure_thumbor, wait_until_alive_path
from image_repo.localswift import SwiftEndpoint
from image_repo.localswift.cluster import free_port
from tests.cluster import wait_for_health

REPO = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")
BOX = 512
WARM_UP_URLS = 4
BYTES_LIMIT = 1.1


@attrs.frozen
class Format:
    """One row of the workload: what k6.js asks for, and imgproxy's published margin."""

    pillow_name: str
    quality: int
    margin: float


FORMATS = {
    "jpg": Format("JPEG", 80, 1.54),
    "png": Format("PNG", 80, 2.16),
    "webp": Format("WEBP", 75, 1.67),
    "avif": Format("AVIF", 65, 1.01),
}
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "avif": "image/avif"}
SERVERS = ("thumbor", "image_repo")


@attrs.frozen
class Target:
    """A running server: the root of its process tree and how to ask it for one photo."""

    name: str
    pid: int
    url_for: Callable[[str, str], str]  # (format, photo) -> URL


@attrs.frozen
class Load:
    """What the clients saw in one measurement."""

    answered: int
    failed: int
    seconds: float
    body_bytes: int
    bytes_by_photo: dict[str, int]


@attrs.frozen
class Measurement:
    server: str
    load: Load
    cpu_seconds: float
    replaced_processes: int
    idle_other_cpu_seconds: float
    swift_cpu_seconds: float
    unaccounted_cpu_seconds: float  # the machine's other work: noise when large

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_seconds / self.load.answered if self.load.answered else float("inf")

    @property
    def rate(self) -> float:
        return self.load.answered / self.load.seconds if self.load.seconds else 0.0

    @property
    def mean_bytes(self) -> float:
        return self.load.body_bytes / self.load.answered if self.load.answered else 0.0

    @property
    def noise_cores(self) -> float:
        """Cores busy with work that is neither server's, Swift's nor the load generator's."""
        return self.unaccounted_cpu_seconds / self.load.seconds if self.load.seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        load = self.load
        return {
            "answered": load.answered,
            "failed": load.failed,
            "replaced_processes": self.replaced_processes,
            "seconds": round(load.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "cpu_ms_per_request": round(self.cpu_ms_per_request, 3),
            "requests_per_second": round(self.rate, 3),
            "mean_bytes": round(self.mean_bytes, 1),
            "idle_other_server_cpu_seconds": round(self.idle_other_cpu_seconds, 3),
            "unaccounted_cores": round(self.noise_cores, 3),
            "swift_cpu_ms_per_request": round(
                1000 * self.swift_cpu_seconds / load.answered if load.answered else 0.0, 3
            ),
        }


# --- CPU from /proc --------------------------------------------------------------------------


def process_tree_cpu(root: int) -> dict[tuple[int, int], float]:
    """CPU seconds (utime + stime, all threads) of `root` and every descendant, keyed by
    (pid, start time) so a pid the kernel reuses for a new process is not taken for the old."""
    found: dict[tuple[int, int], float] = {}
    pending = [root]
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = [
                int(child)
                for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()
            ]
        except (FileNotFoundError, ProcessLookupError):
            continue  # exited between the listing and the read
        found[(pid, int(fields[19]))] = (int(fields[11]) + int(fields[12])) / TICKS
        pending.extend(children)
    return found


# --- load --------------------------------------------------------------------------------------


def drive(urls: list[str], clients: int, seconds: float, max_requests: int) -> Load:
    """`clients` threads, each with one keep-alive connection, taking URLs in turn from one
    shared counter until `seconds` have passed or `max_requests` were sent."""
    parts = urlsplit(urls[0])
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    paths = [url.removeprefix(f"{parts.scheme}://{parts.netloc}") for url in urls]
    photos = [url.rsplit("/", 1)[-1].split("?", 1)[0] for url in urls]
    counter = itertools.count()
    lock = threading.Lock()
    totals = {"answered": 0, "failed": 0, "bytes": 0}
    by_photo: dict[str, int] = {}
    deadline = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=120)
        try:
            while time.monotonic() < deadline:
                number = next(counter)
                if number >= max_requests:
                    return
                index = number % len(paths)
                try:
                    connection.request("GET", paths[index])
                    answer = connection.getresponse()
                    body = answer.read()
                    ok = answer.status == 200
                except (OSError, http.client.HTTPException):
                    connection.close()  # reopened by the next request
                    ok, body = False, b""
                with lock:
                    if ok:
                        totals["answered"] += 1
                        totals["bytes"] += len(body)
                        by_photo[photos[index]] = len(body)
                    else:
                        totals["failed"] += 1
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 300)
    elapsed = time.monotonic() - started
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("a client did not finish within 300 s of the deadline")
    return Load(totals["answered"], totals["failed"], elapsed, totals["bytes"], by_photo)


@attrs.frozen
class Snapshot:
    """CPU seconds used so far by each party of one measurement."""

    tree: dict[tuple[int, int], float]  # the measured server's processes
    other: float  # the idle server's
    swift: float
    own: float  # this load generator's
    machine: float  # every core's busy time, whoever used it

    @classmethod
    def take(cls, target: Target, other: Target) -> Snapshot:
        return cls(
            process_tree_cpu(target.pid),
            sum(process_tree_cpu(other.pid).values()),
            swift_cpu_seconds(),
            time.process_time(),
            machine_busy_seconds(),
        )


def machine_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine (/proc/stat: user, nice, system, irq, softirq;
    steal is time the host kept, not used here)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(value) for value in fields[:7])
    return (user + nice + system + irq + softirq) / TICKS


def measure(
    target: Target, other: Target, urls: list[str], args: argparse.Namespace
) -> Measurement:
    """One measurement of `target` (warm-up first, not counted) while `other` stays idle.
    What neither server, Swift nor the load generator used (other sessions' work) is kept as
    a sign of noise."""
    with httpx.Client(timeout=120) as warm:
        for url in urls[:WARM_UP_URLS]:
            warm.get(url)
    before = Snapshot.take(target, other)
    load = drive(urls, args.clients, args.seconds, args.max_requests)
    after = Snapshot.take(target, other)
    replaced = len(before.tree.keys() ^ after.tree.keys())
    cpu = sum(after.tree[key] - before.tree.get(key, 0.0) for key in after.tree)
    idle, swift = after.other - before.other, after.swift - before.swift
    accounted = cpu + idle + swift + after.own - before.own
    unaccounted = max(0.0, after.machine - before.machine - accounted)
    return Measurement(target.name, load, cpu, replaced, idle, swift, unaccounted)


# --- servers -----------------------------------------------------------------------------------


@attrs.frozen
class Originals:
    """The dataset in Swift: the anonymous URL of the container, and the photos' stems."""

    container: str
    public_url: str
    photos: list[str]


def upload(endpoint: SwiftEndpoint, names: list[str]) -> Originals:
    """Every dataset file into one container as `<format>/<photo>`, readable anonymously
    (thumbor's http_loader sends no token), checked with one anonymous GET."""
    swift = Connection(endpoint.auth_url, endpoint.user, endpoint.key, auth_version="1.0")
    container = f"field_{uuid.uuid4().hex[:6]}"
    swift.put_container(container, headers={"X-Container-Read": ".r:*"})
    for name in names:
        stem, extension = name.rsplit(".", 1)
        swift.put_object(
            container,
            f"{extension}/{stem}",
            (FOLDER / name).read_bytes(),
            content_type=MEDIA_TYPES[extension],
        )
    storage_url, _ = swift.get_auth()
    swift.close()
    public_url = f"{storage_url}/{container}"
    photos = [name.removesuffix(".png") for name in names if name.endswith(".png")]
    probe = httpx.get(f"{public_url}/jpg/{photos[0]}", timeout=30)
    if probe.status_code != 200:
        raise RuntimeError(f"anonymous GET from Swift answered {probe.status_code}")
    return Originals(container, public_url, photos)


def thumbor_config(root: Path) -> Path:
    """thumbor.conf.in's settings (its Makefile sets the thread pool to nproc)."""
    config = root / "thumbor.conf"
    config.write_text(
        "LOADER = 'thumbor.loaders.http_loader'\n"
        "STORAGE = 'thumbor.storages.no_storage'\n"
        "RESULT_STORAGE = None\n"
        "ENGINE = 'thumbor.engines.pil'\n"
        "PROGRESSIVE_JPEG = True\n"
        "PILLOW_RESAMPLING_FILTER = 'LANCZOS'\n"
        "AVIF_SPEED = 10\n"
        "PRESERVE_EXIF_COPYRIGHT_INFO = True\n"
        f"ENGINE_THREADPOOL_SIZE = {os.cpu_count() or 2}\n"
        "ALLOW_UNSAFE_URL = True\n"
    )
    return config


@contextmanager
def thumbor_server(venv: Path, root: Path, originals: Originals) -> Iterator[Target]:
    thumbor = ensure_thumbor(venv)
    port = free_port()
    log_path = root / "thumbor.log"
    with log_path.open("wb") as log:
        command = [str(thumbor), "--port", str(port), "--conf", str(thumbor_config(root))]
        command += ["--processes", "1", "-l", "warning"]
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def url_for(image_format: str, photo: str) -> str:
        quality = FORMATS[image_format].quality
        return (
            f"{base}/unsafe/fit-in/{BOX}x{BOX}/filters:format({image_format}):quality({quality})"
            f"/{originals.public_url}/{image_format}/{photo}"
        )

    try:
        wait_until_alive_path(base + "/healthcheck", process, log_path)
        yield Target("thumbor", process.pid, url_for)
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def image_repo_gunicorn(
    endpoint: SwiftEndpoint, root: Path, originals: Originals, checkout: Path
) -> Iterator[Target]:
    """`checkout`'s image_repo under its deploy/gunicorn.conf.py, with that file's worker count
    (cores) and every derived-image tier off; tests' start_gunicorn fixes 2 workers and this
    checkout, so it is not used here."""
    port = free_port()
    config = {
        "server": {"log_level": "warning"},
        "swift": {"container": originals.container, "cache_container": f"{originals.container}_c"},
        "cache": {
            "cache_dir": str(root / "cache"),
            "memory_cache_bytes": 0,
            "disk_cache_bytes": 0,
            "prepared_cache_bytes": 0,
            "originals_memory_bytes": 0,
            "swift_cache": False,
        },
    }
    (root / "image_repo.yaml").write_text(yaml.safe_dump(config))
    env = {
        **os.environ,
        **endpoint.environ(),
        "IMAGE_REPO_CONFIG": str(root / "image_repo.yaml"),
        "IMAGE_REPO_BIND": f"127.0.0.1:{port}",
        "PROMETHEUS_MULTIPROC_DIR": str(root / "metrics"),
    }
    env.pop("IMAGE_REPO_WORKERS", None)
    if checkout != REPO:  # another checkout's code first on the workers' sys.path
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(checkout), env.get("PYTHONPATH")]))
    log_path = root / "gunicorn.log"
    with log_path.open("wb") as log:
        conf = checkout / "deploy" / "gunicorn.conf.py"
        command = [sys.executable, "-m", "gunicorn", "-c", str(conf)]
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"

    def url_for(image_format: str, photo: str) -> str:
        quality = FORMATS[image_format].quality
        query = f"xsize={BOX}&ysize={BOX}&kind={image_format}&quality={quality}"
        return f"{base}/images/{image_format}/{photo}?{query}"

    try:
        wait_for_health(base, process, log_path, seconds=60)
        described = describe_originals(base, originals)
        print(
            f"image_repo described the {len(originals.photos) * len(FORMATS)} originals"
            f" put straight into Swift in {described:.1f} s, before any measurement"
        )
        yield Target("image_repo", process.pid, url_for)
    finally:
        process.terminate()
        process.wait(timeout=40)


def describe_originals(base: str, originals: Originals) -> float:
    """`meta=true` once per original: objects put straight into Swift (as this harness puts
    them, for thumbor to read too) are described once, the first time image_repo decodes them
    (SPEC 15's placeholders), which an upload through the API does at upload instead. That
    one-time work per original is done here, not counted, so the measurements stay the cost
    per request. Returns the seconds it took."""
    started = time.monotonic()
    with httpx.Client(timeout=120) as client:
        for image_format in FORMATS:
            for photo in originals.photos:
                client.get(f"{base}/images/{image_format}/{photo}", params={"meta": "true"})
    return time.monotonic() - started


def check_answer(target: Target, image_format: str, photo: str) -> str:
    """Why the first answer is wrong (status, format, size), or '' when it is right."""
    answer = httpx.get(target.url_for(image_format, photo), timeout=120)
    if answer.status_code != 200:
        return f"{target.name} {image_format}: {answer.status_code} {answer.text[:300]}"
    with Image.open(io.BytesIO(answer.content)) as image:
        if image.format != FORMATS[image_format].pillow_name:
            return f"{target.name} {image_format}: answered {image.format}"
        if max(image.size) > BOX:
            return f"{target.name} {image_format}: answered {image.size[0]}x{image.size[1]}"
    return ""


LOGS = ("thumbor.log", "gunicorn.log")


def log_sizes(root: Path) -> dict[str, int]:
    return {log: (root / log).stat().st_size if (root / log).exists() else 0 for log in LOGS}


def log_problems(root: Path, since: dict[str, int]) -> list[str]:
    """Lines both servers logged at warning or above after `since` (the sizes when the load
    began: start-up notes such as image_repo's about swift.url_key, unused here, are left
    out), e.g. a replaced worker or an encoder falling back."""
    found = []
    for log in LOGS:
        with (root / log).open("rb") as file:
            file.seek(since.get(log, 0))
            lines = file.read().decode(errors="replace").splitlines()
        for line in lines:
            if any(word in line for word in ("WARNING", "ERROR", "CRITICAL", "Traceback")):
                found.append(f"{log}: {line[:300]}")
    return found


# --- report ------------------------------------------------------------------------------------


@attrs.frozen
class Row:
    """One format's result over every round: medians, and failures summed."""

    image_format: str
    thumbor: list[Measurement]
    ours: list[Measurement]

    @property
    def margin(self) -> float:
        return FORMATS[self.image_format].margin

    def median(self, runs: list[Measurement], value: Callable[[Measurement], float]) -> float:
        return statistics.median(value(run) for run in runs)

    @property
    def cpu_ratio(self) -> float:
        ours = self.median(self.ours, lambda m: m.cpu_ms_per_request)
        return self.median(self.thumbor, lambda m: m.cpu_ms_per_request) / ours

    @property
    def rate_ratio(self) -> float:
        theirs = self.median(self.thumbor, lambda m: m.rate)
        return self.median(self.ours, lambda m: m.rate) / theirs if theirs else float("inf")

    @property
    def failed(self) -> int:
        return sum(m.load.failed + m.replaced_processes for m in self.thumbor + self.ours)

    @property
    def bytes_ratio(self) -> float:
        """image_repo's bytes over thumbor's, on the photos both answered (last size seen)."""
        theirs: dict[str, int] = {}
        ours: dict[str, int] = {}
        for run in self.thumbor:
            theirs |= run.load.bytes_by_photo
        for run in self.ours:
            ours |= run.load.bytes_by_photo
        both = theirs.keys() & ours.keys()
        total = sum(theirs[photo] for photo in both)
        return sum(ours[photo] for photo in both) / total if total else float("inf")

    @property
    def meets(self) -> bool:
        return (
            self.cpu_ratio >= self.margin and self.failed == 0 and self.bytes_ratio <= BYTES_LIMIT
        )

    def cells(self) -> list[str]:
        thumbor_cpu = self.median(self.thumbor, lambda m: m.cpu_ms_per_request)
        ours_cpu = self.median(self.ours, lambda m: m.cpu_ms_per_request)
        replaced = sum(m.replaced_processes for m in self.thumbor + self.ours)
        failed = f"{self.failed}" + (f" ({replaced} replaced)" if replaced else "")
        return [
            self.image_format,
            f"{thumbor_cpu:.1f} ms",
            f"{ours_cpu:.1f} ms",
            f"{self.cpu_ratio:.2f}x",
            f"{self.margin:.2f}x",
            f"{self.rate_ratio:.2f}x",
            f"{self.median(self.thumbor, lambda m: m.rate):.1f}",
            f"{self.median(self.ours, lambda m: m.rate):.1f}",
            failed,
            f"{self.bytes_ratio:.2f}x",
            "yes" if self.meets else "NO",
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "margin": self.margin,
            "cpu_ratio": round(self.cpu_ratio, 4),
            "rate_ratio": round(self.rate_ratio, 4),
            "bytes_ratio": round(self.bytes_ratio, 4),
            "failed": self.failed,
            "meets": self.meets,
            "thumbor": [m.as_json() for m in self.thumbor],
            "image_repo": [m.as_json() for m in self.ours],
        }


HEADERS = [
    "format",
    "thumbor CPU/req",
    "image_repo CPU/req",
    "thumbor / image_repo",
    "imgproxy's published margin",
    "image_repo req/s vs thumbor",
    "thumbor req/s",
    "image_repo req/s",
    "failed",
    "output bytes vs thumbor",
    "meets",
]


def table(rows: list[Row]) -> str:
    lines = [HEADERS, ["---"] * len(HEADERS), *(row.cells() for row in rows)]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def machine() -> dict[str, Any]:
    """What the numbers depend on: cores, CPU model, and each server's imaging libraries."""
    import PIL
    import pyvips

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "image_repo_pillow": PIL.__version__,
        "image_repo_libvips": ".".join(str(pyvips.version(i)) for i in range(3)),
    }


def describe(checkout: Path) -> str:
    """The checkout measured: its path, and its commit (`+dirty` with uncommitted changes)
    when it is a git work tree."""
    found = subprocess.run(
        ["git", "-C", str(checkout), "describe", "--always", "--dirty=+dirty", "--abbrev=12"],
        capture_output=True,
        text=True,
    )
    return f"{checkout}" + (f" at {found.stdout.strip()}" if found.returncode == 0 else "")


def thumbor_versions(venv: Path) -> dict[str, str]:
    probe = (
        "import PIL, thumbor; from PIL import features; "
        "print(thumbor.__version__, PIL.__version__, features.version('avif'))"
    )
    output = subprocess.run(
        [venv / "bin" / "python", "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    return {"thumbor": output[0], "thumbor_pillow": output[1], "thumbor_libavif": output[2]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=20, help="per server and format")
    parser.add_argument("--rounds", type=int, default=1, help="thumbor/image_repo pairs")
    parser.add_argument("--formats", default=",".join(FORMATS), help="jpg,png,webp,avif")
    parser.add_argument("--clients", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--max-requests", type=int, default=20_000, help="per measurement")
    parser.add_argument("--thumbor-venv", type=Path, default=REPO / ".venv-thumbor")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--checkout",
        type=Path,
        default=REPO,
        help="measure the image_repo of this source tree (e.g. `git archive HEAD` unpacked), "
        "with its deploy/gunicorn.conf.py; default: this one",
    )
    args = parser.parse_args()
    checkout = args.checkout.absolute()
    formats = args.formats.split(",")
    unknown = set(formats) - FORMATS.keys()
    if unknown:
        parser.error(f"unknown formats {sorted(unknown)}; known: {','.join(FORMATS)}")
    started = time.monotonic()
    venv = args.thumbor_venv.absolute()
    ensure_thumbor(venv)
    names = make_field_photos()
    with ExitStack() as stack:
        endpoint = stack.enter_context(local_swift())
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-servers-")))
        originals = upload(endpoint, names)
        thumbor = stack.enter_context(thumbor_server(venv, root, originals))
        ours = stack.enter_context(image_repo_gunicorn(endpoint, root, originals, checkout))
        problems = [
            problem
            for image_format in formats
            for target in (thumbor, ours)
            if (problem := check_answer(target, image_format, originals.photos[0]))
        ]
        if problems:
            raise SystemExit("first answers are wrong:\n" + "\n".join(problems))
        rows = []
        logs_at_start = log_sizes(root)
        for image_format in formats:
            runs: dict[str, list[Measurement]] = {name: [] for name in SERVERS}
            for _ in range(args.rounds):
                for target, other in ((thumbor, ours), (ours, thumbor)):
                    urls = [target.url_for(image_format, photo) for photo in originals.photos]
                    result = measure(target, other, urls, args)
                    runs[target.name].append(result)
                    print(
                        f"  {image_format} {target.name:10} {result.load.answered:5d} answers "
                        f"{result.rate:6.1f} req/s {result.cpu_ms_per_request:7.1f} ms CPU/req "
                        f"{result.load.failed} failed, other work {result.noise_cores:.2f} cores",
                        flush=True,
                    )
            rows.append(Row(image_format, runs["thumbor"], runs["image_repo"]))
        log_lines = log_problems(root, logs_at_start)
    minutes = (time.monotonic() - started) / 60
    facts = machine() | thumbor_versions(venv) | {"image_repo_code": describe(checkout)}
    print()
    print(table(rows))
    print()
    print(
        f"{len(originals.photos)} photos from Debian's wallpaper packages (bench/field_photos.py),"
        f" 2040 px on the longer side, as PNG, JPEG, WebP and AVIF in {FOLDER}; fit into "
        f"{BOX}x{BOX}; {args.clients} clients; {args.seconds:g} s per server and format, "
        f"{args.rounds} round(s), medians; CPU = the server's process tree, Swift excluded."
    )
    print(
        f"machine: nproc {facts['nproc']}, {facts['cpu']}; image_repo Pillow "
        f"{facts['image_repo_pillow']}, libvips {facts['image_repo_libvips']}; thumbor "
        f"{facts['thumbor']}, Pillow {facts['thumbor_pillow']} (libavif "
        f"{facts['thumbor_libavif']}); {minutes:.1f} min"
    )
    print(f"image_repo code: {facts['image_repo_code']}")
    print(
        "reproduce: .venv/bin/python bench/servers.py [--seconds 20] [--rounds 1] "
        "[--formats jpg,png,webp,avif] [--json PATH] [--checkout PATH]"
    )
    if log_lines:
        print(f"{len(log_lines)} log lines at warning or above, the first ones:")
        print("\n".join(f"  {line}" for line in log_lines[:10]))
    if args.json is not None:
        document = {
            "machine": facts,
            "photos": originals.photos,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "clients": args.clients,
            "minutes": round(minutes, 2),
            "formats": {row.image_format: row.as_json() for row in rows},
            "log_problems": log_lines,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"JSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
