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
from pathlib import Path

import httpx
import pytest

from image_repo.localswift import SwiftEndpoint
from tests.fuzz_inputs import SEEDS, mutants
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
FUZZ_SEED = int(os.environ.get("IMAGE_REPO_FUZZ_SEED", "20261201"))


def test_mutated_uploads_are_never_a_5xx_and_every_201_is_served(
    client: httpx.Client, unique: str
) -> None:
    """Valid files of every accepted format, with bytes flipped, cut short, repeated or
    removed. Every 201 is then fetched as a thumbnail and as PNG, which decode it whole.
    `IMAGE_REPO_FUZZ_SEED` picks other mutants."""
    uploads: Counter[int] = Counter()
    served: Counter[int] = Counter()
    families: Counter[str] = Counter()
    failures: list[str] = []
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    for index, mutant in enumerate(mutants(MUTANTS, FUZZ_SEED)):
        if time.monotonic() > deadline:
            break
        families[mutant.family] += 1
        what = f"#{index} {mutant.seed_name}/{mutant.mutation}"
        path = f"/images/{unique}/{index}-{mutant.seed_name}"
        answer = client.put(path, content=mutant.data)
        uploads[answer.status_code] += 1
        if answer.status_code >= 500 or answer.headers["content-type"] != "application/json":
            failures.append(f"{what}: upload {answer.status_code} {answer.text[:200]}")
        if answer.status_code != 201:
            continue
        for params in ({"thumbnail": "true"}, {"kind": "png"}):
            fetched = client.get(path, params=params)
            served[fetched.status_code] += 1
            if fetched.status_code != 200:
                failures.append(f"{what}: GET {params} {fetched.status_code} {fetched.text[:200]}")
    tried = sum(uploads.values())
    print(
        f"\nfuzz seed {FUZZ_SEED}: {tried} mutants of {len(SEEDS)} files, by format"
        f" {dict(sorted(families.items()))}; uploads {dict(sorted(uploads.items()))};"
        f" fetches of the 201s {dict(sorted(served.items()))}"
    )
    assert not failures, "\n".join(failures)
    assert tried >= MUTANTS // 2, f"only {tried} mutants in {TIME_BUDGET_SECONDS} s"
    assert uploads[201] > 0 and sum(n for s, n in uploads.items() if 400 <= s < 500) > 0
