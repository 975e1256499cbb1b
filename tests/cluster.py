"""Several image_repo nodes (gunicorn) on one Swift behind Debian's nginx running the shipped
cluster site (deploy/nginx/image_repo_cluster.conf), for the integration tests and bench/.

    with Cluster(root, endpoint, containers, nodes=3) as cluster:
        httpx.get(f"{cluster.nginx_url}/images/cat")
        cluster.kill_node(1)  # SIGKILL of master and workers: a crash
        cluster.start_node(1)  # same port, same cache_dir

Each node is `gunicorn -c deploy/gunicorn.conf.py` with its own configuration, cache_dir and
Prometheus folder, started in its own session so master and workers go down together. nginx
writes one access line per request with the node (`$upstream_addr`) that answered it, which is
how tests tell the nodes apart (`Cluster.routes`).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

import attrs
import httpx
import yaml
from PIL import Image

from image_repo.localswift import SwiftEndpoint
from image_repo.localswift.cluster import free_port
from image_repo.localswift.processes import Started
from tests.debian import ensure_debian_package

REPO = Path(__file__).resolve().parents[1]
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"
CLUSTER_SITE = REPO / "deploy" / "nginx" / "image_repo_cluster.conf"
SERVER_LINE = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;\n", re.MULTILINE)
# One access line per request: the node(s) tried are in $upstream_addr ("a, b" after a retry).
ACCESS_FORMAT = '$request_method "$request_uri" $status "$upstream_addr" $request_time'
ACCESS_LINE = re.compile(r'^(\S+) "(.*)" (\d{3}) "(.*)" \S+$')

Routing = Literal["name", "round_robin"]
# SPEC 2: a final format extension is not part of the name.
FORMAT_EXTENSION = re.compile(r"\.(jpe?g|jpe|png|gif|webp|tiff?|bmp|avif|heic|heif)$", re.I)
# Colours at least 85 apart in some channel, so versions of an image are told apart after any
# resize and any (lossy) encoding: version v of an image is a solid PALETTE[v % 64].
PALETTE = [
    (r, g, b) for r in (0, 85, 170, 255) for g in (0, 85, 170, 255) for b in (0, 85, 170, 255)
]


def solid_png(version: int, width: int = 240, height: int = 160) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), PALETTE[version % len(PALETTE)]).save(buffer, "PNG")
    return buffer.getvalue()


def version_of(content: bytes) -> int | None:
    """The palette index of an image's centre pixel (None: not an image of the palette)."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            rgb = image.convert("RGB")
            pixel = rgb.getpixel((rgb.width // 2, rgb.height // 2))
    except Exception:  # anything undecodable is no version
        return None
    assert isinstance(pixel, tuple)
    for index, colour in enumerate(PALETTE):
        if max(abs(a - b) for a, b in zip(pixel, colour, strict=True)) <= 30:
            return index
    return None


def image_name(uri: str) -> str | None:
    """The image name a request URI addresses, as the cluster site's routing key sees it."""
    path = unquote(uri.split("?", 1)[0])
    if not path.startswith("/images/"):
        return None
    return FORMAT_EXTENSION.sub("", path[len("/images/") :])


def nginx_binary() -> str:
    """Debian's nginx, installed here when the machine lacks it (CI starts without it)."""
    return ensure_debian_package("nginx", "nginx-light")


def write_nginx_conf(root: Path, site: str, access_log: str, workers: int = 1) -> None:
    """`site` inside a minimal nginx.conf for an unprivileged run: `daemon off;`, every path
    under `root` (run with `nginx -p root -c root/nginx.conf`); `access_log` is its directive(s)."""
    (root / "site.conf").write_text(site)
    temp = "\n".join(
        f"  {kind}_temp_path {root / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (root / "nginx.conf").write_text(
        f"user root;\nworker_processes {workers};\npid {root / 'nginx.pid'};\n"
        f"error_log {root / 'error.log'};\ndaemon off;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n  {access_log}\n{temp}\n"
        f"  include {root / 'site.conf'};\n}}\n"
    )


def wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{log.parent.name} exited early:\n{_tail(log)}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer /healthz in {seconds:g} s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"


def _refuses(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except OSError:
        return True


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def parse_metrics(exposition: str) -> dict[str, float]:
    """`series -> value` of a Prometheus text exposition (comments left out)."""
    samples = {}
    for line in exposition.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            samples[series] = float(value)
    return samples


class GunicornNode:
    """One node: `gunicorn -c deploy/gunicorn.conf.py` on a fixed loopback port, with its own
    configuration file, cache_dir and PROMETHEUS_MULTIPROC_DIR under `root`."""

    def __init__(
        self,
        root: Path,
        endpoint: SwiftEndpoint,
        containers: tuple[str, str],
        *,
        port: int | None = None,
        workers: int = 2,
        **sections: dict[str, Any],
    ) -> None:
        self.root = root
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cache_dir = root / "cache"
        self.metrics_dir = root / "metrics"
        self.log_path = root / "gunicorn.log"
        self.config_path = root / "image_repo.yaml"
        config: dict[str, dict[str, Any]] = {
            "server": {"log_level": "warning"},
            "swift": {"container": containers[0], "cache_container": containers[1]},
            "cache": {"cache_dir": str(self.cache_dir)},
        }
        for section, values in sections.items():
            config.setdefault(section, {}).update(values)
        root.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(yaml.safe_dump(config))
        self.environ = {
            **os.environ,
            **endpoint.environ(),
            "IMAGE_REPO_CONFIG": str(self.config_path),
            "IMAGE_REPO_BIND": f"127.0.0.1:{self.port}",
            "IMAGE_REPO_WORKERS": str(workers),
            "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir),
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def spawn(self) -> None:
        """Start gunicorn without waiting (see `wait_ready`); several nodes boot at once."""
        if self.running:
            raise RuntimeError(f"node on port {self.port} is already running")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)],
                env=self.environ,
                cwd=self.root,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: master and workers together
            )

    def wait_ready(self, seconds: float = 60) -> None:
        assert self.process is not None
        wait_for_health(self.url, self.process, self.log_path, seconds)

    def start(self, seconds: float = 60) -> GunicornNode:
        self.spawn()
        self.wait_ready(seconds)
        return self

    def kill(self) -> None:
        """SIGKILL to master and workers at once, as a crash or the OOM killer would."""
        if self.process is None:
            return
        _signal_group(self.process, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        self._wait_port_closed()

    def stop(self, seconds: float = 40) -> None:
        """SIGTERM to the master (graceful: in-flight requests finish); SIGKILL after `seconds`."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=seconds)
        _signal_group(self.process, signal.SIGKILL)  # workers the master left behind, if any
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self.process = None
        self._wait_port_closed()

    def _wait_port_closed(self) -> None:
        """Workers die with their group; the listening socket closes once the last one has."""
        deadline = time.monotonic() + 10
        while not _refuses(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"port {self.port} still accepts after the node was stopped")
            time.sleep(0.05)

    def metrics(self) -> dict[str, float]:
        return parse_metrics(httpx.get(f"{self.url}/metrics", timeout=10).text)

    def metric(self, name: str, **labels: str) -> float:
        """One sample of /metrics (0 when absent)."""
        wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
        return self.metrics().get(f"{name}{{{wanted}}}" if wanted else name, 0.0)

    def image_requests(self) -> float:
        """Requests answered on the /images/{name} route, any method and status."""
        return sum(
            value
            for series, value in self.metrics().items()
            if series.startswith("image_repo_http_requests_total{")
            and 'route="/images/{name}"' in series
        )

    def wait_for_cache_writes(self, seconds: float = 30) -> None:
        """Disk and Swift cache writes run after the answer (write-behind): wait for them."""
        deadline = time.monotonic() + seconds
        while self.metric("image_repo_write_behind_bytes") > 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.url}: cache writes still queued after {seconds:g} s")
            time.sleep(0.05)


@attrs.frozen
class Route:
    """One request as nginx's access log saw it."""

    method: str
    uri: str
    status: int
    nodes: tuple[int, ...]  # every node tried, in order; the last one answered


class Nginx:
    """Debian's nginx running the shipped cluster site: only the upstream server addresses and
    the listen port are substituted (and the `hash` line dropped for round-robin), inside a
    minimal nginx.conf with `daemon off;` and every path under `root`."""

    def __init__(self, root: Path, node_ports: list[int], routing: Routing = "name") -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = root / "access.log"
        self.error_log = root / "error.log"
        root.mkdir(parents=True, exist_ok=True)
        access = f"log_format cluster '{ACCESS_FORMAT}';\n  access_log {self.access_log} cluster;"
        write_nginx_conf(root, cluster_site(self.port, node_ports, routing), access, workers=2)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        with (self.root / "nginx.out").open("ab") as output:
            self.process = subprocess.Popen(
                [nginx_binary(), "-p", str(self.root), "-c", str(self.root / "nginx.conf")],
                stdout=subprocess.DEVNULL,
                stderr=output,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_for_health(self.url, self.process, self.error_log, 30)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait(timeout=5)
            self.process = None


def cluster_site(listen_port: int, node_ports: list[int], routing: Routing = "name") -> str:
    """The shipped cluster site with these nodes and this listen port; the parameters of its
    first `server` line (max_fails, fail_timeout) are kept for every node."""
    site = CLUSTER_SITE.read_text()
    servers = list(SERVER_LINE.finditer(site))
    if not servers or any(a.end() != b.start() for a, b in itertools.pairwise(servers)):
        raise RuntimeError(f"{CLUSTER_SITE}: expected consecutive `server 127.0.0.1:PORT ...;`")
    indent, parameters = servers[0][1], servers[0][2] or ""
    lines = "".join(f"{indent}server 127.0.0.1:{port}{parameters};\n" for port in node_ports)
    site = site[: servers[0].start()] + lines + site[servers[-1].end() :]
    if "listen 80;" not in site:
        raise RuntimeError(f"no `listen 80;` in {CLUSTER_SITE}")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen_port};")
    if routing == "round_robin":
        site, dropped = re.subn(r"^\s*hash \$image_repo_key consistent;\n", "", site, flags=re.M)
        if dropped != 1:
            raise RuntimeError(f"no `hash $image_repo_key consistent;` line in {CLUSTER_SITE}")
    return site


class Cluster(Started):
    """`nodes` image_repo nodes on one Swift and the same two containers, behind nginx."""

    def __init__(
        self,
        root: Path,
        endpoint: SwiftEndpoint,
        containers: tuple[str, str],
        *,
        nodes: int = 3,
        workers: int = 2,
        routing: Routing = "name",
        **sections: dict[str, Any],
    ) -> None:
        self.root = root
        ports: list[int] = []
        while len(ports) < nodes:  # distinct, although each was free when picked
            port = free_port()
            if port not in ports:
                ports.append(port)
        self.nodes = [
            GunicornNode(
                root / f"node{index}", endpoint, containers, port=port, workers=workers, **sections
            )
            for index, port in enumerate(ports)
        ]
        self.nginx = Nginx(root / "nginx", ports, routing)
        self._index_of = {f"127.0.0.1:{port}": index for index, port in enumerate(ports)}

    @property
    def nginx_url(self) -> str:
        return self.nginx.url

    @property
    def node_urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def start(self) -> Cluster:
        try:
            for node in self.nodes:
                node.spawn()
            for node in self.nodes:
                node.wait_ready()
            self.nginx.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.nginx.stop()
        for node in self.nodes:
            node.stop(seconds=15)

    def kill_node(self, index: int) -> None:
        """SIGKILL: the node's master and workers die at once, mid-request if need be."""
        self.nodes[index].kill()

    def stop_node(self, index: int) -> None:
        """SIGTERM: the node finishes what it has in flight and exits."""
        self.nodes[index].stop()

    def start_node(self, index: int) -> None:
        """The node again, on the same port with the same cache_dir; returns once /healthz
        answers."""
        self.nodes[index].start()

    def wait_for_cache_writes(self, seconds: float = 30) -> None:
        for node in self.nodes:
            if node.running:
                node.wait_for_cache_writes(seconds)

    def routes(self) -> list[Route]:
        """Every request nginx has logged so far, with the nodes that handled it."""
        if not self.nginx.access_log.exists():
            return []
        found = []
        for line in self.nginx.access_log.read_text(errors="replace").splitlines():
            match = ACCESS_LINE.match(line)
            if match is None:
                continue
            tried = re.split(r", | : ", match[4])  # retries, internal redirects
            nodes = tuple(self._index_of[addr] for addr in tried if addr in self._index_of)
            found.append(Route(match[1], match[2], int(match[3]), nodes))
        return found

    def routes_of(self, name: str, count: int = 1, seconds: float = 5) -> list[Route]:
        """The logged requests of image `name` (any extension or query), once there are `count`
        of them (nginx writes a line after the response has gone out: it may trail the client)."""
        deadline = time.monotonic() + seconds
        while True:
            found = [route for route in self.routes() if image_name(route.uri) == name]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def logged_count(self, name: str, seconds: float = 5) -> int:
        """How many requests of `name` nginx has logged, once the count has stopped moving for
        0.2 s (the lines of requests already answered may still be on their way)."""
        deadline = time.monotonic() + seconds
        count = len(self.routes_of(name, count=0))
        while time.monotonic() < deadline:
            time.sleep(0.2)
            now = len(self.routes_of(name, count=0))
            if now == count:
                break
            count = now
        return count

    def owner(self, name: str, logged_before: int = 0) -> int:
        """The node that answered the last logged request of `name`, once more than
        `logged_before` of them are logged (nginx may log a request after its client has the
        answer: pass how many were logged before the request whose node is wanted)."""
        routes = self.routes_of(name, count=logged_before + 1)
        if len(routes) <= logged_before or not routes[-1].nodes:
            raise AssertionError(f"nginx logged no answered request of {name}")
        return routes[-1].nodes[-1]
