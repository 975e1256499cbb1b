"""`image_repo upload DIR` against the session's server: progress, failures, idempotence, files
that are no image, names that collide, a server that is not there."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from image_repo.localswift import SwiftEndpoint
from image_repo.localswift.cluster import free_port
from tests.images import encoded
from tests.integration.conftest import RunningServer, ServerProcess

pytestmark = pytest.mark.integration

HOPPERS = {"hopper.webp": "WEBP", "hopper.gif": "GIF", "hopper.bmp": "BMP", "hopper.tif": "TIFF"}


def make_folder(root: Path) -> tuple[set[str], set[str]]:
    """200 files in nested folders, 12 of them broken: half are random bytes (no image at
    all), half truncated PNGs. Returns the paths of both kinds."""
    rng = random.Random(5)
    random_bytes: set[str] = set()
    truncated: set[str] = set()
    for index in range(200):
        folder = root / f"set{index % 4}" / ("deep" if index % 3 == 0 else "")
        folder.mkdir(parents=True, exist_ok=True)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        data = encoded(Image.new("RGB", (16 + index % 7, 12), colour), "PNG")
        path = folder / f"img{index:03}.png"
        if index % 17 == 0:
            data = rng.randbytes(300) if index % 2 else data[: len(data) // 2]
            (random_bytes if index % 2 else truncated).add(str(path))
        path.write_bytes(data)
    return random_bytes, truncated


def make_hoppers(folder: Path) -> None:
    """The collision of issue 17: four files that are all the image `hopper`, beside two that
    collide with nothing."""
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, pillow_format in HOPPERS.items():
        image = Image.new("RGB", (20, 10), (200, 40, 40))
        (folder / file_name).write_bytes(encoded(image, pillow_format))
    (folder / "lena.png").write_bytes(encoded(Image.new("RGB", (9, 9)), "PNG"))
    (folder / "baboon.jpg").write_bytes(encoded(Image.new("RGB", (9, 9)), "JPEG"))


def run_upload(
    folder: Path, server_url: str, prefix: str, *options: str
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "image_repo.cli", "upload", str(folder)]
    command += ["--prefix", prefix, "--jobs", "8", "--url", server_url, *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=os.environ)


def summary(uploaded: int, present: int, skipped: int, left_out: int, failed: int) -> str:
    return (
        f"{uploaded} uploaded, {present} already present, {skipped} skipped (not images), "
        f"{left_out} left out (name collisions), {failed} failed"
    )


def listed(client: httpx.Client, prefix: str) -> list[str]:
    names: list[str] = client.get("/images", params={"regex": f"^{prefix}/"}).json()
    return sorted(names)


def test_bulk_upload_of_a_folder_with_broken_files(
    tmp_path: Path, server: RunningServer, client: httpx.Client, unique: str
) -> None:
    random_bytes, truncated = make_folder(tmp_path)
    good = 200 - len(random_bytes) - len(truncated)
    first = run_upload(tmp_path, server.base_url, unique)
    assert first.returncode == 1
    sent = 200 - len(random_bytes)
    assert f"{sent}/{sent}" in first.stderr  # the progress bar reached the end
    assert summary(good, 0, len(random_bytes), 0, len(truncated)) in first.stdout
    failures = [line for line in first.stdout.splitlines() if line.startswith("failed: ")]
    assert {line.removeprefix("failed: ").split(": ")[0] for line in failures} == truncated
    skips = [line for line in first.stdout.splitlines() if line.startswith("skipped: ")]
    assert {line.removeprefix("skipped: ").split(": ")[0] for line in skips} == random_bytes
    assert len(listed(client, unique)) == good
    second = run_upload(tmp_path, server.base_url, unique)
    assert summary(0, good, len(random_bytes), 0, len(truncated)) in second.stdout


def test_files_that_are_no_image_by_their_bytes_are_skipped_not_failed(
    tmp_path: Path, server: RunningServer, client: httpx.Client, unique: str
) -> None:
    (tmp_path / "README.txt").write_text("holiday photos\n")
    (tmp_path / "notes.jpg").write_text("not a JPEG, whatever its name says\n")
    (tmp_path / "scan.png").write_bytes(b"%PDF-1.7\n" + bytes(200))
    (tmp_path / "real.png").write_bytes(encoded(Image.new("RGB", (5, 5)), "PNG"))
    result = run_upload(tmp_path, server.base_url, unique)
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary(1, 0, 3, 0, 0) in result.stdout
    assert listed(client, unique) == [f"{unique}/real"]


def test_colliding_names_are_reported_and_none_of_them_uploaded_by_default(
    tmp_path: Path, server: RunningServer, client: httpx.Client, unique: str
) -> None:
    make_hoppers(tmp_path / "other")
    for _run in range(2):  # the same answer every time: no file wins by chance
        result = run_upload(tmp_path, server.base_url, unique)
        assert result.returncode == 1
        assert summary(2, 0, 0, 4, 0) in result.stdout or summary(0, 2, 0, 4, 0) in result.stdout
        collision = next(line for line in result.stdout.splitlines() if "collision" in line)
        assert f"{unique}/other/hopper <- hopper.bmp, hopper.gif, hopper.tif, hopper.webp" in (
            collision
        )
        assert listed(client, unique) == [f"{unique}/other/baboon", f"{unique}/other/lena"]


def test_on_collision_first_uploads_the_first_in_sorted_order(
    tmp_path: Path, server: RunningServer, client: httpx.Client, unique: str
) -> None:
    make_hoppers(tmp_path)
    result = run_upload(tmp_path, server.base_url, unique, "--on-collision", "first")
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary(3, 0, 0, 3, 0) in result.stdout
    assert "uploaded hopper.bmp only" in result.stdout
    meta = client.get(f"/images/{unique}/hopper", params={"meta": "true"}).json()
    assert meta["format"] == "bmp"


def test_on_collision_keep_extension_names_each_with_its_extension(
    tmp_path: Path, server: RunningServer, client: httpx.Client, unique: str
) -> None:
    make_hoppers(tmp_path)
    result = run_upload(tmp_path, server.base_url, unique, "--on-collision", "keep-extension")
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary(6, 0, 0, 0, 0) in result.stdout
    hoppers = [f"{unique}/hopper_{name.split('.')[1]}" for name in HOPPERS]
    assert listed(client, unique) == sorted([f"{unique}/baboon", f"{unique}/lena", *hoppers])
    for name, pillow_format in zip(hoppers, HOPPERS.values(), strict=True):
        meta = client.get(f"/images/{name}", params={"meta": "true"}).json()
        assert meta["format"] == {"TIFF": "tiff"}.get(pillow_format, pillow_format.lower())


def test_an_unreachable_server_stops_the_run_at_once_with_one_line(tmp_path: Path) -> None:
    make_hoppers(tmp_path)
    started = time.monotonic()
    result = run_upload(tmp_path, f"http://127.0.0.1:{free_port()}", "x")
    assert result.returncode == 2
    assert time.monotonic() - started < 20
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "cannot reach the image server at http://127.0.0.1:" in lines[0]
    assert "failed" not in result.stdout


def test_a_server_that_refuses_writes_stops_the_run_at_the_first_refusal(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str]
) -> None:
    """Without the token, one line saying so, not one 401 per file (issue 26)."""
    folder = tmp_path / "photos"
    make_folder(folder)
    with ServerProcess(
        tmp_path / "server", swift_endpoint, containers, server={"write_tokens": ["s3cret-token"]}
    ) as guarded:
        result = run_upload(folder, guarded.base_url, "refused")
        assert result.returncode == 2, result.stdout + result.stderr
        said = [line for line in result.stderr.splitlines() if "refuses writes" in line]
        assert len(said) == 1, result.stderr
        assert "401" in said[0] and "--token" in said[0]
        assert "failed:" not in result.stdout
        listing = httpx.get(f"{guarded.base_url}/images", params={"prefix": "refused/"})
        assert listing.json() == []


def test_upload_help_shows_the_defaults_and_the_collision_choices() -> None:
    command = [sys.executable, "-m", "image_repo.cli", "upload", "--help"]
    text = " ".join(
        subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
    )
    assert "(default: 4)" in text
    assert "(default: http://127.0.0.1:5000)" in text
    assert "{fail,first,keep-extension}" in text
    assert "a.gif -> a_gif" in text
    assert "(default: fail)" in text
