"""The same derived-image tests, against a server configured with `images.processor: vips`,
so the libvips adapter passes the Pillow adapter's contract and metadata-stripping checks."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from image_repo.localswift import SwiftEndpoint
from tests.integration.conftest import ServerProcess
from tests.integration.test_derived import *  # noqa: F403 - the tests to run again

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def vips_server(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("vips")
    with ServerProcess(root, swift_endpoint, containers, images={"processor": "vips"}) as server:
        yield server


@pytest.fixture
def client(vips_server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=vips_server.base_url, timeout=30) as http:
        yield http
