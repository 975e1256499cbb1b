"""What a built docs site would fetch or link from other hosts: none, so it works offline.

Loads (`src`, stylesheets, `url(...)` in CSS, `@import`) would fetch from the internet when a
page is viewed; links (`href`) would send the reader out of the repository. Only this
machine's addresses, the ones the examples use, may appear."""

from __future__ import annotations

import re
from pathlib import Path

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_HTML_URL = re.compile(
    r"""\b(?:src|href|srcset|action|poster|content)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)"""
)
_CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])((?:https?:)?//[^"')\s]+)""")


def is_local(url: str) -> bool:
    host = url.split("//", 1)[1].split("/", 1)[0]
    return (
        host.rsplit(":", 1)[0] in LOCAL_HOSTS
        if not host.startswith("[")
        else host.startswith("[::1]")
    )


def foreign_urls(site: Path) -> list[tuple[str, str]]:
    """(file, URL) for every URL of another host in the site's HTML and CSS."""
    found = []
    for path in sorted(site.rglob("*")):
        pattern = {".html": _HTML_URL, ".css": _CSS_URL}.get(path.suffix)
        if pattern is None:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in pattern.finditer(text):
            if not is_local(match[1]):
                found.append((str(path.relative_to(site)), match[1]))
    return found
