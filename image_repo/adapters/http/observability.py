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


def route_of(path: str) -> str:
    """A route template, never the raw path: image names must not become label values."""
    if path.startswith("/images/"):
        return "/images/{name}"
    return path if path in _FIXED_ROUTES else "other"


# `labels()` validates and joins its arguments on every call; at thousands of memory hits per
# second that shows in profiles, so each labelled child is looked up once. Routes and methods
# come from fixed sets (route_of; the server refuses unknown methods), so these stay small.
@functools.cache
def _request_counter(route: str, method: str, status: int) -> Any:
    return REQUESTS.labels(route, method, str(status))


@functools.cache
def _latency_histogram(route: str, method: str) -> Any:
    return LATENCY.labels(route, method)


# method, raw path, status, body bytes, milliseconds: see image_repo.logging_setup.
AccessSink = Callable[[tuple[str, str, int, int, float]], None]


class RequestObserver:
    """Pure ASGI middleware, so streamed bodies (zips, listings) are counted as they go out.
    Each request's access fields go to `access_sink` (image_repo.logging_setup.access_sink);
    without one, no access line is written."""

    def __init__(self, app: ASGIApp, access_sink: AccessSink | None = None) -> None:
        self._app = app
        self._access_sink = access_sink

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
            route, method = route_of(scope["path"]), scope["method"]
            _request_counter(route, method, status).inc()
            _latency_histogram(route, method).observe(seconds)
            if self._access_sink is not None:
                raw_path = scope.get("raw_path", b"").decode("latin-1") or scope["path"]
                self._access_sink((method, raw_path, status, sent, seconds * 1000))


async def metrics_endpoint(_request: Request) -> Response:
    """Under gunicorn (PROMETHEUS_MULTIPROC_DIR set) every worker's samples are merged."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
