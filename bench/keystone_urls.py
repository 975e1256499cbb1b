"""`url=true` behind Keystone: Keystone logins and latency of 100 temporary URLs.

Run: .venv/bin/python bench/keystone_urls.py [--server-pythonpath DIR]
A real Keystone and a Swift proxy authenticating through it (image_repo.localswift), one
image_repo server with only the member's OS_* variables. 100 `url=true` GETs of one image, each
a size of its own (derived, stored in the cache container, signed), then 100 of one size
already stored (a memory hit, a HEAD of the stored object, the signature). Logins are counted
in Keystone's access log. `--server-pythonpath` runs the server from another checkout (the
"before" figure of issue 11: an older commit, with python-keystoneclient added by hand).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from image_repo.localswift import LocalKeystone, LocalSwift, ensure_swift_installed
from image_repo.localswift.cluster import free_port
from tests.images import jpeg_with_gps

REPO = Path(__file__).resolve().parents[1]
COUNT = 100


def start_server(
    root: Path, environ: dict[str, str], pythonpath: str | None
) -> tuple[subprocess.Popen[bytes], str]:
    """The server and its base URL; `set-url-key` run first with the same credentials."""
    port = free_port()
    config = {
        "server": {"host": "127.0.0.1", "port": port, "log_level": "warning"},
        "swift": {"container": "bench_ks", "cache_container": "bench_ks_cache"},
        "cache": {"cache_dir": str(root / "cache")},
    }
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ST_", "OS_"))}
    env = {**clean, **environ} | ({"PYTHONPATH": pythonpath} if pythonpath else {})
    command = [sys.executable, "-m", "image_repo.cli", "-c", str(path)]
    subprocess.run([*command, "set-url-key"], env=env, check=True, timeout=60)
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=root)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return process, base_url
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError((root / "server.log").read_text()[-2000:])


def timed_urls(client: httpx.Client, url: str, widths: list[int]) -> list[float]:
    times = []
    for width in widths:
        started = time.perf_counter()
        answer = client.get(url, params={"xsize": str(width), "url": "true"})
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-pythonpath", help="run the server from this checkout")
    args = parser.parse_args()
    swift_venv = REPO / ".venv-swift"
    ensure_swift_installed(swift_venv, keystone=True)
    with tempfile.TemporaryDirectory(prefix="bench-ks-") as scratch:
        root = Path(scratch)
        with (
            LocalKeystone(root / "keystone", REPO / ".venv-keystone") as keystone,
            LocalSwift(root / "saio", swift_venv, keystone=keystone),
        ):
            server, base_url = start_server(root, keystone.member_environ(), args.server_pythonpath)
            base = f"{base_url}/images/bench/ks"
            try:
                with httpx.Client(timeout=60) as client:
                    client.put(base, content=jpeg_with_gps(1200, 900)).raise_for_status()
                    client.get(base, params={"xsize": "99", "url": "true"}).raise_for_status()
                    before = keystone.login_count()
                    new = timed_urls(client, base, list(range(100, 100 + COUNT)))
                    after_new = keystone.login_count()
                    stored = timed_urls(client, base, [99] * COUNT)
                    after_stored = keystone.login_count()
            finally:
                server.terminate()
                server.wait(timeout=15)
    print(
        f"{COUNT} url=true, each a new size: median {statistics.median(new):6.1f} ms, "
        f"{after_new - before} Keystone logins"
    )
    print(f"{COUNT} url=true, one stored size:  median {statistics.median(stored):6.1f} ms, "
          f"{after_stored - after_new} Keystone logins")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
