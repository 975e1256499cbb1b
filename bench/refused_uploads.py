"""Uploads the app refuses early, through the shipped nginx site: how many reach the client as
nginx's HTML 502 instead of the app's JSON 401 (issue 26), with the site's request buffering
on (as shipped) and off, for the app of a given checkout.

Run: .venv/bin/python bench/refused_uploads.py [--tries 20] [--checkout DIR]
`--checkout` runs gunicorn on another checkout's code (e.g. a `git worktree` of the commit
before the fix) with this checkout's deploy files.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import local_swift
from tests.integration.test_production import start_gunicorn, start_nginx

REPO = Path(__file__).resolve().parents[1]

TOKEN = "bench-refusal-token-0123"
SIZES = {"13.3 MB": 13_300_000, "8.9 MB": 8_900_000}


def answers(url: str, size: int, tries: int) -> dict[int, int]:
    body = os.urandom(size)
    counts: dict[int, int] = {}
    for _ in range(tries):
        status = httpx.put(url, content=body, timeout=60).status_code
        counts[status] = counts.get(status, 0) + 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument("--checkout", type=Path, help="run the app of this checkout")
    arguments = parser.parse_args()
    if arguments.checkout is not None:
        os.environ["PYTHONPATH"] = str(arguments.checkout.resolve())
    print("| site | body | answers |")
    print("| --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="bench-refused-") as folder, local_swift() as swift:
        root = Path(folder)
        containers = ("bench_refused", "bench_refused_cache")
        gunicorn, url, _ = start_gunicorn(root, swift, containers, server={"write_tokens": [TOKEN]})
        try:
            for buffering in ("on", "off"):
                site_root = root / f"nginx-{buffering}"
                site_root.mkdir()
                shipped = (REPO / "deploy/nginx/image_repo.conf").read_text()
                site = shipped.replace(
                    "proxy_request_buffering on;", f"proxy_request_buffering {buffering};"
                )
                nginx, nginx_url = start_nginx(site_root, int(url.rsplit(":", 1)[1]), site)
                try:
                    for label, size in SIZES.items():
                        counts = answers(f"{nginx_url}/images/refused", size, arguments.tries)
                        shown = ", ".join(f"{n} x {status}" for status, n in sorted(counts.items()))
                        print(f"| proxy_request_buffering {buffering} | {label} | {shown} |")
                finally:
                    nginx.terminate()
                    nginx.wait(timeout=10)
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=40)


if __name__ == "__main__":
    main()
