"""gunicorn (2 uvicorn workers) behind a real nginx, against the real Swift (issue: production)."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import httpx
import pytest
import yaml
from swiftclient.client import Connection

from image_repo.adapters.metric_batches import FLUSH_SECONDS
from image_repo.localswift import SwiftEndpoint
from image_repo.localswift.cluster import free_port
from tests.cluster import nginx_binary, write_nginx_conf
from tests.images import encoded, jpeg_with_gps, picture
from tests.integration.conftest import REPO, wait_until_alive

pytestmark = pytest.mark.integration


@attrs.frozen
class Deployment:
    nginx_url: str
    gunicorn_url: str
    metrics_dir: Path
    data_container: str
    gunicorn: subprocess.Popen[bytes]


def start_gunicorn(
    root: Path,
    endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    cache: dict[str, object] | None = None,
    server: dict[str, object] | None = None,
) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = free_port()
    config = {
        "server": {"log_level": "warning", **(server or {})},
        "swift": {"container": containers[0], "cache_container": containers[1]},
        "cache": {"cache_dir": str(root / "cache"), **(cache or {})},
    }
    (root / "image_repo.yaml").write_text(yaml.safe_dump(config))
    metrics_dir = root / "metrics"
    env = {
        **os.environ,
        **endpoint.environ(),
        "IMAGE_REPO_CONFIG": str(root / "image_repo.yaml"),
        "IMAGE_REPO_BIND": f"127.0.0.1:{port}",
        "IMAGE_REPO_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    with (root / "gunicorn.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(REPO / "deploy" / "gunicorn.conf.py")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=root,
        )
    url = f"http://127.0.0.1:{port}"
    wait_until_alive(url, process, root / "gunicorn.log")
    return process, url, metrics_dir


def start_nginx(
    root: Path, upstream_port: int, site: str | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """The shipped site (or `site`, a variant of its text) on a free port."""
    port = free_port()
    site = site or (REPO / "deploy" / "nginx" / "image_repo.conf").read_text()
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")
    write_nginx_conf(root, site, f"access_log {root / 'access.log'};")
    with (root / "nginx.out").open("wb") as output:
        process = subprocess.Popen(
            [nginx_binary(), "-p", str(root), "-c", str(root / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    url = f"http://127.0.0.1:{port}"
    wait_until_alive(url, process, root / "error.log")
    return process, url


@pytest.fixture(scope="module")
def deployment(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("production")
    gunicorn, gunicorn_url, metrics_dir = start_gunicorn(root, swift_endpoint, containers)
    nginx, nginx_url = start_nginx(root, int(gunicorn_url.rsplit(":", 1)[1]))
    try:
        yield Deployment(nginx_url, gunicorn_url, metrics_dir, containers[0], gunicorn)
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        if gunicorn.poll() is None:
            gunicorn.terminate()
            gunicorn.wait(timeout=40)


def test_upload_fetch_list_and_zip_through_nginx(deployment: Deployment, unique: str) -> None:
    with httpx.Client(base_url=deployment.nginx_url, timeout=60) as client:
        for i in range(3):
            body = jpeg_with_gps(640 + i, 480)
            answer = client.put(f"/images/{unique}/prod/p{i}.jpg", content=body)
            assert answer.status_code == 201, answer.text
        names = client.get("/images", params={"regex": f"^{unique}/prod/"}).json()
        assert names == [f"{unique}/prod/p{i}" for i in range(3)]
        image = client.get(f"/images/{unique}/prod/p1", params={"xsize": "64"})
        assert image.headers["content-type"] == "image/jpeg"
        assert image.content[:2] == b"\xff\xd8"
        archive = client.get(f"/images/{unique}/prod", params={"regex": "p[0-2]", "kind": "png"})
        assert zipfile.ZipFile(io.BytesIO(archive.content)).namelist() == [
            f"{unique}/prod/p{i}.png" for i in range(3)
        ]
        assert client.get("/images/a%0Ab").status_code == 400
        too_big = client.put(f"/images/{unique}/big", content=b"\0" * (52 * 1024 * 1024))
        assert too_big.status_code == 413


def test_metrics_count_requests_of_both_workers(deployment: Deployment, unique: str) -> None:
    body = encoded(picture(200, 100), "PNG")
    httpx.put(f"{deployment.nginx_url}/images/{unique}/m", content=body).raise_for_status()

    def fetch(width: int) -> int:
        url = f"{deployment.nginx_url}/images/{unique}/m"
        return httpx.get(url, params={"xsize": str(width)}, timeout=30).status_code

    series = 'image_repo_http_requests_total{method="GET",route="/images/{name}",status="200"}'
    before = settled_metric(deployment, series)
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(fetch, [20 + i % 10 for i in range(60)])) == {200}
    after = settled_metric(deployment, series)
    assert after - before == 60
    writers = {path.stem.rsplit("_", 1)[-1] for path in deployment.metrics_dir.glob("counter_*.db")}
    assert len(writers) >= 2, writers  # both workers recorded samples
    assert metric(deployment, "image_repo_derivations_total") >= 10


def settled_metric(deployment: Deployment, series: str) -> float:
    """Once every worker has written what it counted: each writes its samples at most
    FLUSH_SECONDS after counting them (image_repo.adapters.metric_batches)."""
    time.sleep(FLUSH_SECONDS + 0.5)
    return metric(deployment, series)


def metric(deployment: Deployment, series: str) -> float:
    text = httpx.get(f"{deployment.nginx_url}/metrics", timeout=10).text
    for line in text.splitlines():
        key, _, value = line.rpartition(" ")
        if key == series:
            return float(value)
    return 0.0


def test_sigterm_lets_an_upload_in_flight_finish(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    process, url, _ = start_gunicorn(tmp_path, swift_endpoint, containers)
    original = jpeg_with_gps(1200, 900)
    result: dict[str, httpx.Response] = {}

    def slow_body() -> Iterator[bytes]:
        for start in range(0, len(original), len(original) // 10):
            time.sleep(0.15)
            yield original[start : start + len(original) // 10]

    def upload() -> None:
        result["answer"] = httpx.put(
            f"{url}/images/{unique}/drain", content=slow_body(), timeout=60
        )

    uploader = threading.Thread(target=upload)
    uploader.start()
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    uploader.join(timeout=60)
    process.wait(timeout=60)
    assert result["answer"].status_code == 201
    connection = Connection(swift_endpoint.auth_url, swift_endpoint.user, swift_endpoint.key)
    _headers, stored = connection.get_object(containers[0], f"{unique}/drain")
    assert hashlib.md5(stored).hexdigest() == hashlib.md5(original).hexdigest()
