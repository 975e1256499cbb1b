"""MemoryHitFront: answers memory-cache hits before Starlette's routing and middleware stack.

Repeated GETs of one derived image are most of an image server's traffic, and for them the
framework's layers (routing regexes, Request objects, exception middleware, Response objects)
cost more than the lookup itself. This front answers such a request with two ASGI messages and
hands everything else, unchanged, to the application behind it."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from image_repo.adapters.http.image_endpoints import ImageEndpoints
from image_repo.adapters.http.request_parsing import IMAGES_PREFIX, raw_path_of

_READS = frozenset({"GET", "HEAD"})


class MemoryHitFront:
    def __init__(self, app: ASGIApp, endpoints: ImageEndpoints) -> None:
        self._app = app
        self._endpoints = endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _READS:
            raw_path = raw_path_of(scope)
            if raw_path.startswith(IMAGES_PREFIX):
                answer = self._endpoints.memory_hit(
                    raw_path, scope["query_string"], _if_none_match(scope)
                )
                if answer is not None:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": answer.status,
                            "headers": answer.headers,
                        }
                    )
                    await send({"type": "http.response.body", "body": answer.body})
                    return
        await self._app(scope, receive, send)


def _if_none_match(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == b"if-none-match":
            text: str = value.decode("latin-1")
            return text
    return None
