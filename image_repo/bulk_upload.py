"""`image_repo upload DIR`: send a folder tree to a running server through its HTTP API."""

from __future__ import annotations

import hashlib
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from urllib.parse import quote

import attrs
import httpx
from tqdm import tqdm

from image_repo.upload_plan import OnCollision, PlannedUpload, UploadPlan, plan_uploads


@attrs.frozen
class Outcome:
    path: Path
    name: str
    result: str  # "uploaded", "unchanged" or "failed"
    detail: str = ""


class RunStoppedError(Exception):
    """No upload can succeed, so the run stops instead of failing every file."""


class ServerUnreachableError(RunStoppedError):
    """The server does not answer at all (refused, timed out, no such host)."""


class WritesRefusedError(RunStoppedError):
    """The server refuses this client's writes (401 or 403: no token, or a wrong one)."""


class BulkUploader:
    """Already stored images with the same bytes are skipped: the server's `meta=true` gives
    the original's MD5, compared with the file's, so a second run uploads nothing."""

    def __init__(self, base_url: str, token: str | None, timeout_seconds: float = 120) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._base_url = base_url
        self._client = httpx.Client(base_url=base_url, headers=headers, timeout=timeout_seconds)

    def check_reachable(self) -> None:
        try:
            self._client.get("/healthz", timeout=10)
        except httpx.TransportError as error:
            raise self._unreachable(error) from error

    def upload(self, path: Path, name: str) -> Outcome:
        url = f"/images/{quote(name)}"
        try:
            data = path.read_bytes()
            meta = self._client.get(url, params={"meta": "true"})
            if meta.status_code == 200 and meta.json().get("etag") == hashlib.md5(data).hexdigest():
                return Outcome(path, name, "unchanged")
            answer = self._client.put(url, content=data)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise self._unreachable(error) from error
        except (OSError, httpx.HTTPError, ValueError) as error:
            return Outcome(path, name, "failed", str(error) or type(error).__name__)
        if answer.status_code == 201:
            return Outcome(path, name, "uploaded")
        try:
            detail = answer.json().get("detail", answer.text)
        except ValueError:
            detail = answer.text[:200]
        if answer.status_code in (401, 403):
            raise WritesRefusedError(
                f"the server at {self._base_url} refuses writes ({answer.status_code}: {detail}):"
                " give its write token with --token or $IMAGE_REPO_TOKEN"
            )
        return Outcome(path, name, "failed", f"{answer.status_code}: {detail}")

    def _unreachable(self, error: httpx.TransportError) -> ServerUnreachableError:
        reason = str(error) or type(error).__name__
        return ServerUnreachableError(
            f"cannot reach the image server at {self._base_url} ({reason}): is it running? "
            "(start one with `image_repo dev`, or give its address with --url)"
        )

    def close(self) -> None:
        self._client.close()


def _upload_all(
    uploader: BulkUploader, uploads: tuple[PlannedUpload, ...], jobs: int
) -> list[Outcome]:
    """Stops at the first sign the server is gone or refuses writes: uploads not started yet
    are dropped."""
    gone = threading.Event()

    def one(upload: PlannedUpload) -> Outcome | None:
        return None if gone.is_set() else uploader.upload(upload.path, upload.name)

    outcomes: list[Outcome] = []
    with (
        ThreadPoolExecutor(max(1, jobs)) as pool,
        tqdm(total=len(uploads), unit="file", desc="uploading", file=sys.stderr) as progress,
    ):
        futures = [pool.submit(one, upload) for upload in uploads]
        try:
            for future in as_completed(futures):
                outcome = future.result()
                if outcome is not None:
                    outcomes.append(outcome)
                progress.update(1)
        except RunStoppedError:
            gone.set()
            pool.shutdown(cancel_futures=True)
            raise
    return outcomes


def _report_plan(plan: UploadPlan, on_collision: OnCollision) -> None:
    for collision in plan.collisions:
        files = ", ".join(p.name for p in collision.paths)
        if collision.kept is not None:
            what = f"uploaded {collision.kept.name} only"
        else:
            what = "none uploaded; --on-collision first or keep-extension uploads them"
            if on_collision is OnCollision.KEEP_EXTENSION:
                what = "none uploaded: the names keep-extension makes collide too"
        print(
            f"name collision: {collision.name} <- {files} in {collision.paths[0].parent} ({what})"
        )


def run_bulk_upload(
    folder: Path,
    base_url: str,
    prefix: str,
    jobs: int,
    token: str | None,
    on_collision: OnCollision = OnCollision.FAIL,
) -> int:
    """0 when every image file was uploaded or already present; 1 when some failed or were
    left out by a collision; 2 when the server cannot be reached or refuses writes (one line
    says which; nothing more is tried)."""
    plan = plan_uploads(folder, prefix, on_collision)
    _report_plan(plan, on_collision)
    uploader = BulkUploader(base_url, token)
    try:
        uploader.check_reachable()
        outcomes = _upload_all(uploader, plan.uploads, jobs)
    except RunStoppedError as error:
        print(f"image_repo upload: {error}", file=sys.stderr)
        return 2
    finally:
        uploader.close()
    failed = sorted(
        [*plan.bad_names, *((o.path, o.detail) for o in outcomes if o.result == "failed")]
    )
    uploaded = sum(o.result == "uploaded" for o in outcomes)
    present = sum(o.result == "unchanged" for o in outcomes)
    print(
        f"{uploaded} uploaded, {present} already present, {len(plan.not_images)} skipped "
        f"(not images), {plan.left_out} left out (name collisions), {len(failed)} failed"
    )
    for path in plan.not_images:
        print(f"skipped: {path}: not an image (by its first bytes)")
    for path, detail in failed:
        print(f"failed: {path}: {detail}")
    left_out_unasked = plan.left_out > 0 and on_collision is not OnCollision.FIRST
    return 1 if failed or left_out_unasked else 0
