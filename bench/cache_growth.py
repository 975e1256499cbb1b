"""Cache-container growth from a few anonymous requests that amplify size (issue 13).

Run: .venv/bin/python bench/cache_growth.py [--server-pythonpath DIR]
An 84 KB flat 5000x5000 PNG asked for as `kind=bmp` at four widths: each answer is tens of MB.
Prints what the cache container holds afterwards. `--server-pythonpath` runs the server from
another checkout (the "before" figure).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import httpx
from PIL import Image
from swiftclient.client import Connection

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import image_repo_server, local_swift, wait_for_cache_writes
from tests.images import encoded

WIDTHS = (5000, 4000, 3000, 2000)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-pythonpath", help="run the server from this checkout")
    args = parser.parse_args()
    if args.server_pythonpath:
        os.environ["PYTHONPATH"] = args.server_pythonpath
    flat = encoded(Image.new("RGB", (5000, 5000), (200, 30, 30)), "PNG")
    with local_swift() as endpoint, tempfile.TemporaryDirectory() as scratch:
        cache_container = "bench_cache"
        with image_repo_server(endpoint, Path(scratch)) as server:
            url = f"{server.base_url}/images/bench/flat"
            httpx.put(url, content=flat, timeout=120).raise_for_status()
            served = 0
            for width in WIDTHS:
                answer = httpx.get(url, params={"kind": "bmp", "xsize": str(width)}, timeout=300)
                served += len(answer.content)
            wait_for_cache_writes(server.base_url)
        swift = Connection(endpoint.auth_url, endpoint.user, endpoint.key)
        _headers, objects = swift.get_container(cache_container, full_listing=True)
        stored = sum(entry["bytes"] for entry in objects)
    print(f"original {len(flat) / 1e3:.0f} KB; {len(WIDTHS)} answers, {served / 1e6:.0f} MB served")
    print(f"cache container afterwards: {len(objects)} objects, {stored / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
