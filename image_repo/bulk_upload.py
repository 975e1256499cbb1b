"""`image_repo upload DIR`: send a folder tree to a running server through its HTTP API."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import attrs
import httpx
from tqdm import tqdm


@attrs.frozen
class Outcome:
    path: Path
    name: str
    result: str  # "uploaded", "unchanged" or "failed"
    detail: str = ""


def files_under(folder: Path) -> Iterator[Path]:
    """Regular files, hidden ones (and hidden folders) left out, in a stable order."""
    for directory, subdirectories, files in os.walk(folder):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for file_name in sorted(files):
            if not file_name.startswith("."):
                yield Path(directory, file_name)


class BulkUploader:
    """Already stored images with the same bytes are skipped: the server's `meta=true` gives
    the original's MD5, compared with the file's, so a second run uploads nothing."""

    def __init__(self, base_url: str, token: str | None, timeout_seconds: float = 120) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(base_url=base_url, headers=headers, timeout=timeout_seconds)

    def upload(self, path: Path, name: str) -> Outcome:
        url = f"/images/{quote(name)}"
        try:
            data = path.read_bytes()
            meta = self._client.get(url, params={"meta": "true"})
            if meta.status_code == 200 and meta.json().get("etag") == hashlib.md5(data).hexdigest():
                return Outcome(path, name, "unchanged")
            answer = self._client.put(url, content=data)
        except (OSError, httpx.HTTPError, ValueError) as error:
            return Outcome(path, name, "failed", str(error) or type(error).__name__)
        if answer.status_code == 201:
            return Outcome(path, name, "uploaded")
        try:
            detail = answer.json().get("detail", answer.text)
        except ValueError:
            detail = answer.text[:200]
        return Outcome(path, name, "failed", f"{answer.status_code}: {detail}")

    def close(self) -> None:
        self._client.close()


def run_bulk_upload(folder: Path, base_url: str, prefix: str, jobs: int, token: str | None) -> int:
    paths = list(files_under(folder))
    uploader = BulkUploader(base_url, token)
    prefix = prefix.strip("/")

    def name_of(path: Path) -> str:
        relative = path.relative_to(folder).as_posix()
        return f"{prefix}/{relative}" if prefix else relative

    outcomes: list[Outcome] = []
    try:
        with (
            ThreadPoolExecutor(max(1, jobs)) as pool,
            tqdm(total=len(paths), unit="file", desc="uploading", file=sys.stderr) as progress,
        ):
            for outcome in pool.map(lambda p: uploader.upload(p, name_of(p)), paths):
                outcomes.append(outcome)
                progress.update(1)
    finally:
        uploader.close()
    failed = [o for o in outcomes if o.result == "failed"]
    counts = {r: sum(o.result == r for o in outcomes) for r in ("uploaded", "unchanged", "failed")}
    print(
        f"{counts['uploaded']} uploaded, {counts['unchanged']} already present, "
        f"{counts['failed']} failed"
    )
    for outcome in failed:
        print(f"failed: {outcome.path}: {outcome.detail}")
    return 1 if failed else 0
