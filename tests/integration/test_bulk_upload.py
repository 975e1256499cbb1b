"""`image_repo upload DIR` against the session's server: progress, failures, idempotence."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.images import encoded
from tests.integration.conftest import RunningServer

pytestmark = pytest.mark.integration


def make_folder(root: Path) -> set[str]:
    """200 files in nested folders, 12 of them broken; returns the broken ones' paths."""
    rng = random.Random(5)
    broken: set[str] = set()
    for index in range(200):
        folder = root / f"set{index % 4}" / ("deep" if index % 3 == 0 else "")
        folder.mkdir(parents=True, exist_ok=True)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        data = encoded(Image.new("RGB", (16 + index % 7, 12), colour), "PNG")
        path = folder / f"img{index:03}.png"
        if index % 17 == 0:
            data = rng.randbytes(300) if index % 2 else data[: len(data) // 2]
            broken.add(str(path))
        path.write_bytes(data)
    return broken


def run_upload(
    folder: Path, server: RunningServer, prefix: str
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "image_repo.cli", "upload", str(folder)]
    command += ["--prefix", prefix, "--jobs", "8", "--url", server.base_url]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=os.environ)


def test_bulk_upload_of_a_folder_with_broken_files(
    tmp_path: Path, server: RunningServer, client: httpx.Client, unique: str
) -> None:
    broken = make_folder(tmp_path)
    first = run_upload(tmp_path, server, unique)
    assert first.returncode == 1
    assert "200/200" in first.stderr  # the progress bar reached the end
    assert f"{200 - len(broken)} uploaded, 0 already present, {len(broken)} failed" in first.stdout
    failures = [line for line in first.stdout.splitlines() if line.startswith("failed: ")]
    reported = {line.removeprefix("failed: ").split(": ")[0] for line in failures}
    assert reported == broken, first.stdout
    listed = client.get("/images", params={"regex": f"^{unique}/"}).json()
    assert len(listed) == 200 - len(broken)
    second = run_upload(tmp_path, server, unique)
    assert f"0 uploaded, {200 - len(broken)} already present, {len(broken)} failed" in second.stdout
