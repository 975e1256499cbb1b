"""Issue 21: inputs crafted small on the wire (tests/crafted.py) cost no more than their pixel
budget. Each is uploaded and served as thumbnail, png, webp, gif and avif, and put straight into
Swift (as another tool would) and served; every answer is a 4xx (with a JSON error body) or a
200 within 2 s, never a 5xx; the server lives on, serves normally after, and its peak RSS stays
bounded.

The module's server runs under a 6 GiB address-space cap (RLIMIT_AS) so a bomb that gets
through can fail the test but never take the machine down; a case that leaves it busy past its
answer (a timeout) or dead gets it restarted, so the next case is measured on its own.
"""

from __future__ import annotations

import io
import resource
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image
from swiftclient.client import Connection

from image_repo.localswift import SwiftEndpoint
from tests.crafted import CRAFTED, crafted, extension
from tests.images import encoded, picture
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration

GIB = 1 << 30
SECONDS = 2.0
# Not a bomb but the largest legitimate work: 75 MP, within images.max_pixels, served whole as
# png or gif (1.3 to 1.8 s of CPU alone, more on a shared CI machine). What bounds it is the CPU
# budget (images.max_decode_seconds, 10 s); its webp and avif are refused before decoding.
LEGITIMATE_SECONDS = {"png_rgba_75mp_wide": 10.0}
PEAK_MIB = (
    2048  # a legitimate 75 MP RGBA PNG served as gif peaks near 1.5 GiB; bombs went to 4-6 GiB
)
KINDS: list[tuple[str, dict[str, str]]] = [
    ("thumbnail", {"thumbnail": "true"}),
    ("png", {"kind": "png"}),
    ("webp", {"kind": "webp"}),
    ("gif", {"kind": "gif"}),
    ("avif", {"kind": "avif"}),
]
# Resized to 16 wide its frames all come out identical, which Pillow's GIF writer merges: the
# answer must be a 200 (a 400 there would blame the client for the server's fault).
EXTRA = {"gif_merging_frames": [("gif xsize=16", {"kind": "gif", "xsize": "16"})]}
MUST_SUCCEED = {"GET gif xsize=16"}
RAW_KINDS: list[tuple[str, dict[str, str]]] = [
    ("xsize=64", {"xsize": "64"}),
    ("meta", {"meta": "true"}),
    ("thumbnail", {"thumbnail": "true"}),
    ("webp", {"kind": "webp"}),
]


class CappedServer:
    """One ServerProcess for the module, under RLIMIT_AS, restarted when a case left it busy or
    dead; the highest peak RSS over its lives is kept."""

    def __init__(self, process: ServerProcess) -> None:
        self.process = process
        self.peaks: list[float] = []
        self.restarts = 0

    @property
    def base_url(self) -> str:
        return self.process.base_url

    def start(self) -> None:
        self.process.start()
        popen = self.process._process  # the pid, to cap it
        assert popen is not None
        resource.prlimit(popen.pid, resource.RLIMIT_AS, (6 * GIB, 6 * GIB))

    def alive(self) -> bool:
        popen = self.process._process
        if popen is None or popen.poll() is not None:
            return False
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=SECONDS).status_code == 200
        except httpx.TransportError:
            return False

    def peak_rss_mib(self) -> float:
        return max([*self.peaks, self.process.peak_rss_mib()])

    def restart(self) -> None:
        popen = self.process._process
        if popen is not None and popen.poll() is None:
            self.peaks.append(self.process.peak_rss_mib())
            popen.kill()  # busy in C code: SIGTERM would wait for it
        self.process.stop()
        self.restarts += 1
        self.start()


@pytest.fixture(scope="module")
def capped(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[CappedServer]:
    server = CappedServer(
        ServerProcess(tmp_path_factory.mktemp("crafted"), swift_endpoint, containers)
    )
    server.start()
    yield server
    server.process.stop()


def timed(
    send: httpx.Client,
    method: str,
    url: str,
    *,
    only_success: bool = False,
    seconds: float = SECONDS,
    **options: Any,
) -> tuple[str, float, str]:
    """(status or "timeout"/"reset", seconds, what is wrong with the answer or "")."""
    started = time.monotonic()
    try:
        answer = send.request(method, url, timeout=seconds, **options)
    except httpx.TimeoutException:
        return "timeout", time.monotonic() - started, "no answer in time"
    except httpx.TransportError as error:
        return "reset", time.monotonic() - started, type(error).__name__
    elapsed = time.monotonic() - started
    status, wrong = answer.status_code, ""
    if status >= 500:
        wrong = f"a {status}: {answer.text[:200]}"
    elif 400 <= status < 500:
        if answer.headers.get("content-type") != "application/json" or "error" not in answer.json():
            wrong = f"a {status} without a JSON error body"
    elif status not in (200, 201):
        wrong = f"a {status}"
    if only_success and status >= 400:
        wrong = f"a {status} where a 200 is due: {answer.text[:200]}"
    if elapsed > seconds:
        wrong = f"{wrong}; after {elapsed:.1f} s".lstrip("; ")
    return str(status), elapsed, wrong


def check(
    server: CappedServer,
    requests: list[tuple[str, str, str, dict[str, Any]]],
    seconds: float = SECONDS,
) -> None:
    """Send each (title, method, url, options); fail with every answer when one is wrong, after
    restarting the server (left busy, dead, or near its cap: the next case starts afresh)."""
    rows, wrong, stored = [], False, False
    with httpx.Client(base_url=server.base_url) as client:
        for title, method, url, options in requests:
            only_success = stored and title in MUST_SUCCEED
            status, elapsed, problem = timed(
                client, method, url, only_success=only_success, seconds=seconds, **options
            )
            stored = stored or (title == "PUT" and status == "201")
            rows.append(f"{title:22} {status:8} {elapsed:6.2f} s  {problem}")
            wrong = wrong or bool(problem)
            if status in ("timeout", "reset"):
                break
    if not server.alive():
        rows.append("the server is dead or no longer answers /healthz")
        wrong = True
    if wrong:
        server.restart()
    assert not wrong, "\n" + "\n".join(rows)


@pytest.mark.parametrize("case", list(CRAFTED))
def test_an_upload_is_refused_or_served_at_once(
    capped: CappedServer, unique: str, case: str
) -> None:
    data = crafted(case)
    path = f"/images/{unique}/{case}.{extension(case)}"
    requests: list[tuple[str, str, str, dict[str, Any]]] = [("PUT", "PUT", path, {"content": data})]
    for title, params in KINDS + EXTRA.get(case, []):
        requests.append((f"GET {title}", "GET", path, {"params": params}))
    check(capped, requests, LEGITIMATE_SECONDS.get(case, SECONDS))


@pytest.mark.parametrize("case", list(CRAFTED))
def test_an_object_put_by_another_tool_is_refused_or_served_at_once(
    capped: CappedServer,
    swift: Connection,
    containers: tuple[str, str],
    unique: str,
    case: str,
) -> None:
    swift.put_object(containers[0], f"{unique}/{case}", crafted(case))
    requests: list[tuple[str, str, str, dict[str, Any]]] = [
        (f"GET {title}", "GET", f"/images/{unique}/{case}", {"params": params})
        for title, params in RAW_KINDS
    ]
    check(capped, requests, LEGITIMATE_SECONDS.get(case, SECONDS))


def test_after_them_all_the_server_serves_and_its_memory_stayed_bounded(
    capped: CappedServer, unique: str
) -> None:
    """Runs last (pytest keeps the order of definition)."""
    data = encoded(picture(640, 480), "JPEG")
    with httpx.Client(base_url=capped.base_url, timeout=10) as client:
        stored = client.put(f"/images/{unique}/normal.jpg", content=data)
        assert stored.status_code == 201, stored.text
        served = client.get(f"/images/{unique}/normal", params={"xsize": "100", "kind": "webp"})
    assert served.status_code == 200, served.text
    assert Image.open(io.BytesIO(served.content)).size == (100, 75)
    peak = capped.peak_rss_mib()
    print(f"peak RSS over the crafted corpus: {peak:.0f} MiB, restarts: {capped.restarts}")
    assert peak < PEAK_MIB, f"peak RSS {peak:.0f} MiB ({capped.restarts} restarts after failures)"
