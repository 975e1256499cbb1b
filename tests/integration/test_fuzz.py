"""A bounded schema-driven fuzz run (schemathesis) against /openapi.json of a real server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from image_repo.localswift import SwiftEndpoint
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
