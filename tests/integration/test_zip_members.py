"""A zip is always a whole archive through the real server: images it cannot hold (over
`images.max_zip_bytes`, or a stored original that does not decode) are left out and named in
its SKIPPED.txt entry, never a connection broken mid-stream (issue 21)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import httpx
import pytest
from swiftclient.client import Connection

from image_repo.localswift import SwiftEndpoint
from tests import hostile
from tests.images import jpeg_with_gps
from tests.integration.conftest import RunningServer, ServerProcess

pytestmark = pytest.mark.integration

BMP_100X100_BYTES = 100 * 100 * 3 + 54  # a 100x100 JPEG served as kind=bmp
MAX_ZIP_BYTES = 3 * BMP_100X100_BYTES + 100  # three fit, the fourth does not


@pytest.fixture(scope="module")
def small_zips(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[httpx.Client]:
    root = tmp_path_factory.mktemp("small_zips")
    budget = {"images": {"max_zip_bytes": MAX_ZIP_BYTES}}
    with (
        ServerProcess(root, swift_endpoint, containers, **budget) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as http,
    ):
        yield http


def whole_archive(answer: httpx.Response) -> zipfile.ZipFile:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert archive.testzip() is None
    return archive


def skipped(archive: zipfile.ZipFile) -> list[list[str]]:
    header, *rows = archive.read("SKIPPED.txt").decode().splitlines()
    assert header == "name\terror\tdetail"
    return [row.split("\t") for row in rows]


def test_a_zip_over_the_byte_budget_is_whole_and_names_what_it_left_out(
    small_zips: httpx.Client, unique: str
) -> None:
    for name in "abcde":
        answer = small_zips.put(f"/images/{unique}/{name}.jpg", content=jpeg_with_gps(100, 100))
        assert answer.status_code == 201
    archive = whole_archive(
        small_zips.get(f"/images/{unique}", params={"regex": ".", "kind": "bmp"})
    )
    kept = [f"{unique}/{name}.bmp" for name in "abc"]
    assert archive.namelist() == [*kept, "SKIPPED.txt"]
    assert all(len(archive.read(entry)) == BMP_100X100_BYTES for entry in kept)
    budget = f"the zip reached images.max_zip_bytes ({MAX_ZIP_BYTES} bytes)"
    assert skipped(archive) == [[f"{unique}/{n}", "too_large", budget] for n in "de"]
    assert small_zips.get("/healthz").status_code == 200


def test_a_zip_within_the_budget_has_no_trailer(small_zips: httpx.Client, unique: str) -> None:
    for name in "ab":
        answer = small_zips.put(f"/images/{unique}/{name}.jpg", content=jpeg_with_gps(100, 100))
        assert answer.status_code == 201
    archive = whole_archive(
        small_zips.get(f"/images/{unique}", params={"regex": ".", "kind": "bmp"})
    )
    assert archive.namelist() == [f"{unique}/a.bmp", f"{unique}/b.bmp"]


def test_a_damaged_original_put_by_another_tool_is_named_with_its_reason(
    client: httpx.Client, swift: Connection, server: RunningServer, unique: str
) -> None:
    client.put(f"/images/{unique}/z/good.jpg", content=jpeg_with_gps(40, 30)).raise_for_status()
    swift.put_object(server.data_container, f"{unique}/z/bad", hostile.tiff_with_webp_compression())
    swift.put_object(server.data_container, f"{unique}/z/text", b"written by another tool")
    archive = whole_archive(client.get(f"/images/{unique}/z", params={"regex": ".", "zip": "true"}))
    assert archive.namelist() == [f"{unique}/z/good.jpg", "SKIPPED.txt"]
    rows = skipped(archive)
    assert [(name, code) for name, code, _ in rows] == [
        (f"{unique}/z/bad", "damaged_original"),
        (f"{unique}/z/text", "damaged_original"),
    ]
    assert all(f"the stored original of {name} is damaged" in detail for name, _, detail in rows)
