"""Bounded fuzz runs against a real server: schema-driven (schemathesis, /openapi.json), and
mutated uploads of every accepted format (SPEC §8: no decoder failure is a 5xx, every upload
answered 201 is served)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx
import pytest

from image_repo.localswift import SwiftEndpoint
from tests.fuzz_animations import ANIMATION_SEEDS, animation_mutants
from tests.fuzz_inputs import SEEDS, Mutant, mutants
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    )
)


def test_fuzzing_the_openapi_document_finds_no_5xx_and_no_schema_violation(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str]
) -> None:
    with ServerProcess(tmp_path, swift_endpoint, containers) as server:
        run = subprocess.run(
            [
                str(Path(sys.executable).with_name("st")), "run", f"{server.base_url}/openapi.json",
                "--checks", CHECKS, "--max-examples", "15", "--max-time", "30",
                "--request-timeout", "20", "--seed", "20261124", "--no-color",
                "--suppress-health-check", "filter_too_much,too_slow",
            ],
            capture_output=True, text=True, timeout=300, cwd=tmp_path,
        )  # fmt: skip
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    generated = re.search(r"(\d+) generated", run.stdout)
    assert generated is not None and int(generated[1]) > 100, run.stdout[-3000:]


MUTANTS = 300
TIME_BUDGET_SECONDS = 60.0
ANIMATION_MUTANTS = 150
ANIMATION_TIME_BUDGET_SECONDS = 30.0
FUZZ_SEED = int(os.environ.get("IMAGE_REPO_FUZZ_SEED", "20261201"))
Fetches = tuple[dict[str, str], ...]


@attrs.define
class FuzzRun:
    """What a run of mutants met: answers by status, mutants by family, and the failures."""

    uploads: Counter[int] = attrs.field(factory=Counter)
    served: Counter[int] = attrs.field(factory=Counter)
    families: Counter[str] = attrs.field(factory=Counter)
    failures: list[str] = attrs.field(factory=list)

    @property
    def tried(self) -> int:
        return sum(self.uploads.values())

    def summary(self, seeds: int) -> str:
        return (
            f"fuzz seed {FUZZ_SEED}: {self.tried} mutants of {seeds} files, by format"
            f" {dict(sorted(self.families.items()))}; uploads {dict(sorted(self.uploads.items()))};"
            f" fetches of the 201s {dict(sorted(self.served.items()))}"
        )


def fuzz(
    client: httpx.Client, folder: str, mutated: Iterator[Mutant], fetches: Fetches, seconds: float
) -> FuzzRun:
    """Uploads each mutant: a 4xx or a 201, never a 5xx; each 201 is then fetched with every
    one of `fetches`, and must be served (a 200)."""
    run = FuzzRun()
    deadline = time.monotonic() + seconds
    for index, mutant in enumerate(mutated):
        if time.monotonic() > deadline:
            break
        run.families[mutant.family] += 1
        what = f"#{index} {mutant.seed_name}/{mutant.mutation}"
        path = f"/images/{folder}/{index}-{mutant.seed_name}"
        answer = client.put(path, content=mutant.data)
        run.uploads[answer.status_code] += 1
        if answer.status_code >= 500 or answer.headers["content-type"] != "application/json":
            run.failures.append(f"{what}: upload {answer.status_code} {answer.text[:200]}")
        if answer.status_code != 201:
            continue
        for params in fetches:
            fetched = client.get(path, params=params)
            run.served[fetched.status_code] += 1
            if fetched.status_code != 200:
                detail = fetched.text[:200]
                run.failures.append(f"{what}: GET {params} {fetched.status_code} {detail}")
    return run


def test_mutated_uploads_are_never_a_5xx_and_every_201_is_served(
    client: httpx.Client, unique: str
) -> None:
    """Valid files of every accepted format, with bytes flipped, cut short, repeated or
    removed. Every 201 is then fetched as a thumbnail and as PNG, which decode it whole.
    `IMAGE_REPO_FUZZ_SEED` picks other mutants."""
    fetches = ({"thumbnail": "true"}, {"kind": "png"})
    run = fuzz(client, unique, mutants(MUTANTS, FUZZ_SEED), fetches, TIME_BUDGET_SECONDS)
    print("\n" + run.summary(len(SEEDS)))
    assert not run.failures, "\n".join(run.failures)
    assert run.tried >= MUTANTS // 2, f"only {run.tried} mutants in {TIME_BUDGET_SECONDS} s"
    assert run.uploads[201] > 0 and sum(n for s, n in run.uploads.items() if 400 <= s < 500) > 0


def test_mutated_animations_are_never_a_5xx_and_every_201_is_served_animated(
    client: httpx.Client, unique: str
) -> None:
    """Animated GIF, WebP and APNG with bytes flipped, cut short, extents and frame counts
    patched, frames repeated or dropped (tests/fuzz_animations.py). Every 201 is then fetched
    as a thumbnail and resized as animated GIF and WebP, which decode and encode every frame."""
    fetches = (
        {"thumbnail": "true"},
        {"kind": "gif", "xsize": "24"},
        {"kind": "webp", "xsize": "24"},
    )
    mutated = animation_mutants(ANIMATION_MUTANTS, FUZZ_SEED)
    run = fuzz(client, unique, mutated, fetches, ANIMATION_TIME_BUDGET_SECONDS)
    print("\n" + run.summary(len(ANIMATION_SEEDS)))
    assert not run.failures, "\n".join(run.failures)
    assert run.tried >= ANIMATION_MUTANTS // 2, f"only {run.tried} mutants"
    assert run.uploads[201] > 0 and sum(n for s, n in run.uploads.items() if 400 <= s < 500) > 0
