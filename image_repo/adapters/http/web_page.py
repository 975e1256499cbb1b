"""The web page at `/` (SPEC §11): one Jinja2 template, a stylesheet and plain JavaScript
modules, all served by the app itself (no build step, nothing from a CDN)."""

from __future__ import annotations

from pathlib import Path

import attrs
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

WEB = Path(__file__).resolve().parent / "web"

# The page loads nothing but its own files and the API's images (blob: when a token fetched
# them, for a server that serves signed URLs only).
_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@attrs.frozen
class PageSettings:
    """What the page must know of the server before its first request."""

    is_write_protected: bool  # server.write_tokens: writes need a bearer token
    is_signed: bool  # server.url_signing_keys: reads need sig, or a write token
    kinds: tuple[str, ...]  # the `kind=` values offered for download
    watermarks: tuple[str, ...] = ()  # images.watermarks' names, for the adjust panel's watermark=
    url_ttl_seconds: int = 3600  # swift.url_ttl: the longest a temporary URL may live
    serve_originals: str = "token"  # images.serve_originals: whether to offer the original


class WebPage:
    def __init__(self, settings: PageSettings) -> None:
        self._settings = settings
        self._templates = Jinja2Templates(directory=WEB / "templates")

    async def page(self, request: Request) -> Response:
        return self._templates.TemplateResponse(
            request,
            "page.html",
            {"settings": self._settings},
            headers={"Cache-Control": "no-cache", "Content-Security-Policy": _POLICY},
        )

    def routes(self) -> list[BaseRoute]:
        static = StaticFiles(directory=WEB / "static")
        return [
            Route("/", self.page, methods=["GET"]),
            Mount("/static", app=static, name="static"),
        ]
