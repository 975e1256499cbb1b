"""One log line and Prometheus samples per request, and the /metrics exposition."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from image_repo.adapters.metric_batches import BATCHES

REQUESTS = Counter(
    "image_repo_http_requests",
    "HTTP requests by route, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "image_repo_http_request_seconds",
    "HTTP request duration by route and method",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
_FIXED_ROUTES = ("/images", "/healthz", "/readyz", "/metrics", "/openapi.json")


IMAGES_ROUTE = "/images/{name}"


def route_of(path: str) -> str:
    """A route template, never the raw path: image names must not become label values."""
    if path.startswith("/images/"):
        return IMAGES_ROUTE
    return path if path in _FIXED_ROUTES else "other"


# `labels()` validates and joins its arguments on every call; at thousands of memory hits per
# second that shows in profiles, so each labelled child is looked up once. Routes and methods
# come from fixed sets (route_of; the server refuses unknown methods), so these stay small.
# Samples are written in batches (metric_batches.py).
@functools.cache
def _samples(route: str, method: str, status: int) -> tuple[Any, Any]:
    """A request's counter and its latency histogram, labelled."""
    return REQUESTS.labels(route, method, str(status)), LATENCY.labels(route, method)


# method, raw path, status, body bytes, milliseconds: see image_repo.logging_setup.
AccessSink = Callable[[tuple[str, str, int, int, float]], None]


class RequestRecorder:
    """A request's Prometheus samples and its access line (`access_sink`:
    image_repo.logging_setup.access_sink; without one, no access line is written). Asked by
    RequestObserver, and by the HTTP protocol for the memory hits it answers (hit_protocol.py)."""

    def __init__(self, access_sink: AccessSink | None = None) -> None:
        self._access_sink = access_sink

    def record(
        self, route: str, method: str, status: int, sent: int, seconds: float, raw_path: bytes
    ) -> None:
        """`sent`: body bytes; `raw_path` as sent, for the access line."""
        counter, latency = _samples(route, method, status)
        BATCHES.observe(latency, seconds, counted=counter)
        if self._access_sink is not None:
            self._access_sink((method, raw_path.decode("latin-1"), status, sent, seconds * 1000))


class RequestObserver:
    """Pure ASGI middleware, so streamed bodies (zips, listings) are counted as they go out."""

    def __init__(self, app: ASGIApp, recorder: RequestRecorder) -> None:
        self._app = app
        self._recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        start = time.perf_counter()
        status, sent = 500, 0

        async def observed_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self._app(scope, receive, observed_send)
        finally:
            seconds = time.perf_counter() - start
            raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
            route = route_of(scope["path"])
            self._recorder.record(route, scope["method"], status, sent, seconds, raw_path)


async def metrics_endpoint(_request: Request) -> Response:
    """Under gunicorn (PROMETHEUS_MULTIPROC_DIR set) every worker's samples are merged, the
    other workers' at most metric_batches.FLUSH_SECONDS late."""
    BATCHES.flush()
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
