"""create_app: the ASGI application, its routes as data and its error table."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from image_repo.adapters.http.errors import exception_handlers
from image_repo.adapters.http.hit_protocol import HIT_LANE, HitLane
from image_repo.adapters.http.image_endpoints import ImageEndpoints
from image_repo.adapters.http.memory_hits import MemoryHits
from image_repo.adapters.http.observability import (
    AccessSink,
    RequestObserver,
    RequestRecorder,
    metrics_endpoint,
)
from image_repo.adapters.http.openapi import OPENAPI
from image_repo.adapters.http.readiness import ReadinessCheck, ReadinessProbe
from image_repo.adapters.http.security_headers import SecurityHeaders
from image_repo.adapters.http.upload_bodies import CloseUnreadBodies, handle_client_disconnect
from image_repo.adapters.http.web_page import WebPage
from image_repo.adapters.http.worker_health import WorkerHealth


class AnyPathConvertor(Convertor[str]):
    """Like Starlette's `path`, but also matching newlines, so a name holding an encoded control
    character reaches the name check (400) instead of falling through to a 404."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anypath", AnyPathConvertor())


def create_app(
    endpoints: ImageEndpoints,
    hits: MemoryHits,
    readiness: ReadinessProbe,
    on_shutdown: Callable[[], None] = lambda: None,
    access_sink: AccessSink | None = None,
    health: WorkerHealth | None = None,
) -> ASGIApp:
    """RequestObserver sees every request, and SecurityHeaders adds its headers to every
    response. `health` (a sick worker, a stalled work queue) is asked before Swift, on the
    loop: it needs no thread."""
    recorder = RequestRecorder(access_sink)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    readiness_check = ReadinessCheck(readiness)

    def not_ready(reason: str, checks: dict[str, str]) -> Response:
        body = {"status": "not ready", "reason": reason, "checks": checks}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})

    async def readyz(_request: Request) -> Response:
        worker_problem = health.problem() if health is not None else None
        if worker_problem is not None:
            return not_ready(worker_problem, {"worker": worker_problem})
        problems = await readiness_check.problems()
        # Only "swift" makes the server not ready: a disk tier that cannot be written degrades
        # speed, not correctness, so it is reported, not a 503.
        checks = {component: problem or "ok" for component, problem in problems.items()}
        swift_problem = problems.get("swift")
        if swift_problem is None:
            return JSONResponse({"status": "ready", "checks": checks})
        return not_ready(swift_problem, checks)

    async def openapi(_request: Request) -> Response:
        return JSONResponse(OPENAPI)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[Mapping[str, object]]:
        yield {HIT_LANE: HitLane(hits, recorder)}  # for the HTTP protocol (hit_protocol.py)
        readiness_check.close()
        on_shutdown()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/images", endpoints.list_images, methods=["GET"]),
        Route("/images/", endpoints.list_images, methods=["GET"]),
        # The fast path: a GET or HEAD of an image in this worker's memory is answered by
        # `hits` (memory_hits.py), from the request's bytes. uvicorn's HTTP protocol asks it
        # first, as soon as the headers are parsed (hit_protocol.py), and such a request never
        # reaches this table; this route asks it again for what does.
        Route("/images/{path:anypath}", hits.before(endpoints.get_image), methods=["GET"]),
        Route("/images/{path:anypath}", endpoints.put_image, methods=["PUT"]),
        Route("/images/{path:anypath}", endpoints.delete_image, methods=["DELETE"]),
        Route("/images/{path:anypath}", endpoints.post_image, methods=["POST"]),
        *WebPage(endpoints.page_settings).routes(),
    ]
    handlers: Any = {**exception_handlers(health), ClientDisconnect: handle_client_disconnect}
    application = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    return SecurityHeaders(RequestObserver(CloseUnreadBodies(application), recorder))
