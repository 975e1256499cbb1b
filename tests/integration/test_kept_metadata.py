"""`images.strip_metadata: false` keeps EXIF, and still no GPS tag ever leaves (SPEC §3)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from image_repo.localswift import SwiftEndpoint
from tests.images import (
    EXIF_IFD,
    GPS_IFD,
    XMP_WITH_GPS,
    encoded,
    exif_with_location_everywhere,
    picture,
)
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration

SOURCES: dict[str, Callable[[], bytes]] = {
    "jpeg": lambda: encoded(
        picture(80, 60), "JPEG", exif=exif_with_location_everywhere(), xmp=XMP_WITH_GPS
    ),
    "tiff": lambda: encoded(picture(80, 60), "TIFF", exif=exif_with_location_everywhere()),
    "png": lambda: encoded(picture(80, 60), "PNG", exif=exif_with_location_everywhere()),
    "webp": lambda: encoded(picture(80, 60), "WEBP", exif=exif_with_location_everywhere()),
    "heic": lambda: encoded(picture(80, 60), "HEIF", exif=exif_with_location_everywhere()),
}
EXIF_KINDS = ("jpg", "png", "webp", "tiff")
OTHER_KINDS = ("gif", "bmp", "avif")


@pytest.fixture(scope="module")
def keeping(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[httpx.Client]:
    root = tmp_path_factory.mktemp("kept")
    settings = {"strip_metadata": False}
    with (
        ServerProcess(Path(root), swift_endpoint, containers, images=settings) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        yield client


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_kept_metadata_carries_no_location_in_any_kind(
    keeping: httpx.Client, unique: str, source: str
) -> None:
    data = SOURCES[source]()
    keeping.put(f"/images/{unique}/{source}", content=data).raise_for_status()
    date_taken = Image.open(io.BytesIO(data)).getexif().get_ifd(EXIF_IFD).get(0x9003)
    for kind in (*EXIF_KINDS, *OTHER_KINDS):
        for params in ({"kind": kind}, {"kind": kind, "thumbnail": "true"}):
            answer = keeping.get(f"/images/{unique}/{source}", params=params)
            assert answer.status_code == 200, (params, answer.text)
            image = Image.open(io.BytesIO(answer.content))
            exif = image.getexif()
            assert GPS_IFD not in exif and not exif.get_ifd(GPS_IFD), (params, dict(exif))
            assert GPS_IFD not in exif.get_ifd(EXIF_IFD)
            assert b"GPSLatitude" not in answer.content and "xmp" not in image.info
            if kind in EXIF_KINDS:  # stripping is off: the rest of the EXIF is kept
                assert exif[0x010F] == "TestCam", (params, dict(exif))
                assert exif.get_ifd(EXIF_IFD).get(0x9003) == date_taken
