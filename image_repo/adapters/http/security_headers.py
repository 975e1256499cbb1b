"""Headers every response carries, whoever built it (SPEC §8): the outermost ASGI layer."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Browsers must not guess a type other than Content-Type: an upload that sniffs as HTML
# must never render as a page of this origin.
SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"),)


class SecurityHeaders:
    """Pure ASGI, so memory hits, streamed zips and listings, Starlette's own 404/405 and the
    error handlers' answers all pass through it; it adds to the start message only."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                message = {**message, "headers": [*headers, *SECURITY_HEADERS]}
            await send(message)

        await self._app(scope, receive, send_with_headers)
