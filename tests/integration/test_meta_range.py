"""`meta=true` reads only the start of an original (issue 15), against the real Swift: every
request the server makes goes through a recording relay, and each answer is compared with the
one the whole original gave before (the store's `get`, then `read_meta` on every byte)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx
import pytest
from swiftclient.client import Connection

from bench.inputs import photo_like
from image_repo.adapters.http.json_bodies import meta_body
from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.adapters.swift.original_store import SwiftOriginalStore
from image_repo.application.read_meta import START_BYTES, OriginalMeta
from image_repo.domain.names import ImageName
from image_repo.localswift import SwiftEndpoint
from tests.images import encoded, exif_with_gps
from tests.integration.conftest import ServerProcess, swift_pool
from tests.swift_relay import SwiftRelay
from tests.unit.test_meta_prefix import big_icc_profile, png_with_exif_after_pixels

pytestmark = pytest.mark.integration

EXIF = exif_with_gps().tobytes()
WHOLE_RANGE = f"bytes=0-{START_BYTES - 1}"


@attrs.frozen
class Served:
    relay: SwiftRelay
    server: ServerProcess
    gps_server: ServerProcess  # images.meta_include_gps: true
    container: str
    endpoint: SwiftEndpoint

    def put(self, name: str, data: bytes) -> None:
        answer = httpx.put(f"{self.server.base_url}/images/{name}", content=data, timeout=60)
        assert answer.status_code == 201, answer.text

    def meta(self, name: str, *, gps: bool = False) -> httpx.Response:
        base = (self.gps_server if gps else self.server).base_url
        return httpx.get(f"{base}/images/{name}", params={"meta": "true"}, timeout=60)

    def whole_answer(self, name: str, *, gps: bool = False) -> dict[str, Any]:
        """What `meta=true` answered before issue 15: the whole original, then read_meta."""
        image_name = ImageName.parse(name)
        original = SwiftOriginalStore(swift_pool(self.endpoint), self.container).get(image_name)
        meta = PillowProcessor().read_meta(original.data, include_gps=gps)
        assert meta is not None
        return meta_body(OriginalMeta(image_name, original.stored, meta))


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[Served]:
    relay = SwiftRelay(swift_endpoint.proxy_port)
    auth = urlsplit(swift_endpoint.auth_url)
    relayed = attrs.evolve(swift_endpoint, auth_url=f"http://127.0.0.1:{relay.port}{auth.path}")
    root: Path = tmp_path_factory.mktemp("meta_range")
    gps = {"images": {"meta_include_gps": True}}
    with (
        ServerProcess(root / "private", relayed, containers) as server,
        ServerProcess(root / "gps", relayed, containers, **gps) as gps_server,
    ):
        yield Served(relay, server, gps_server, containers[0], swift_endpoint)
    relay.close()


@pytest.fixture(scope="module")
def camera_photo() -> bytes:
    """24 MP at a camera's quality (~10 MB), EXIF with GPS."""
    buffer = io.BytesIO()
    photo_like(6000, 4000).save(buffer, "JPEG", quality=98, exif=EXIF)
    return buffer.getvalue()


def test_a_camera_photo_answers_from_its_first_64_kib(
    served: Served, camera_photo: bytes, unique: str
) -> None:
    assert len(camera_photo) > 9_000_000
    served.put(f"{unique}/camera", camera_photo)

    answer = served.meta(f"{unique}/camera")

    assert answer.status_code == 200, answer.text
    assert answer.json() == served.whole_answer(f"{unique}/camera")
    body = answer.json()
    assert (body["width"], body["height"], body["bytes"]) == (6000, 4000, len(camera_photo))
    assert body["etag"] == hashlib.md5(camera_photo).hexdigest()
    assert body["exif"] == {"make": "TestCam", "model": "Model 1", "orientation": 1}
    assert reads(served, f"{unique}/camera") == [(WHOLE_RANGE, "true", 206, START_BYTES)]


def test_gps_is_left_out_unless_meta_include_gps(
    served: Served, camera_photo: bytes, unique: str
) -> None:
    served.put(f"{unique}/located", camera_photo)
    private = served.meta(f"{unique}/located").json()
    public = served.meta(f"{unique}/located", gps=True).json()
    assert private == served.whole_answer(f"{unique}/located")
    assert public == served.whole_answer(f"{unique}/located", gps=True)
    assert not any(key.startswith("gps_") for key in private["exif"])
    assert public["exif"]["gps_latitude"] == pytest.approx(51.503472)
    ranges = [r.range for r in served.relay.gets(served.container, f"{unique}/located")]
    assert ranges == [WHOLE_RANGE, WHOLE_RANGE]


def reads(served: Served, obj: str) -> list[tuple[str | None, str | None, int, int]]:
    """Each GET of `obj` the server made: its Range and X-Newest, Swift's status and bytes."""
    requests = served.relay.gets(served.container, obj)
    return [(r.range, r.newest, r.status, r.body_bytes) for r in requests]


def whole_is_read_after_the_start(served: Served, obj: str, size: int) -> None:
    assert reads(served, obj) == [
        (WHOLE_RANGE, "true", 206, START_BYTES),
        (None, "true", 200, size),
    ]


def test_a_jpeg_whose_segments_outgrow_the_start_is_read_whole(served: Served, unique: str) -> None:
    """A 200 KB ICC profile: APP2 segments up to 200 KB into the file, before its frame."""
    data = encoded(photo_like(800, 600), "JPEG", exif=EXIF, icc_profile=big_icc_profile())
    assert data.index(b"\xff\xc0") > START_BYTES  # the frame header lies past the start
    served.put(f"{unique}/profiled", data)

    answer = served.meta(f"{unique}/profiled")

    assert answer.json() == served.whole_answer(f"{unique}/profiled")
    assert answer.json()["exif"]["make"] == "TestCam"
    whole_is_read_after_the_start(served, f"{unique}/profiled", len(data))


def test_a_png_with_exif_before_its_pixels_answers_from_its_start(
    served: Served, unique: str
) -> None:
    data = encoded(photo_like(800, 600, mode="RGBA"), "PNG", exif=EXIF)
    assert len(data) > 4 * START_BYTES
    served.put(f"{unique}/early.png", data)
    answer = served.meta(f"{unique}/early", gps=True)
    assert answer.json() == served.whole_answer(f"{unique}/early", gps=True)
    assert answer.json()["mode"] == "RGBA"
    assert "gps_latitude" in answer.json()["exif"]
    assert [r.range for r in served.relay.gets(served.container, f"{unique}/early")] == [
        WHOLE_RANGE
    ]


def test_a_png_with_exif_after_its_pixels_is_read_whole(served: Served, unique: str) -> None:
    data = png_with_exif_after_pixels()
    served.put(f"{unique}/late", data)
    answer = served.meta(f"{unique}/late")
    assert answer.json() == served.whole_answer(f"{unique}/late")
    assert answer.json()["exif"]["make"] == "TestCam"
    whole_is_read_after_the_start(served, f"{unique}/late", len(data))


def test_an_object_named_with_an_extension_by_another_tool_answers_from_its_start(
    served: Served, swift: Connection, unique: str
) -> None:
    data = encoded(photo_like(1600, 1200), "JPEG", quality=95, exif=EXIF)
    swift.put_object(served.container, f"{unique}/shot.JPG", data)

    def gets() -> list[tuple[str, str | None, int]]:
        made = served.relay.gets(served.container, f"{unique}/shot") + served.relay.gets(
            served.container, f"{unique}/shot.JPG"
        )
        return [(r.path.rpartition("/")[2], r.range, r.status) for r in made]

    # the first answer describes the object (SPEC 15: it has no placeholder yet), once
    first = served.meta(f"{unique}/shot")
    assert first.status_code == 200, first.text
    assert first.json()["placeholder"] is not None
    described = gets()
    answer = served.meta(f"{unique}/shot")

    assert answer.status_code == 200, answer.text
    assert answer.json() == served.whole_answer(f"{unique}/shot")
    assert (answer.json()["name"], answer.json()["bytes"]) == (f"{unique}/shot", len(data))
    assert answer.json()["placeholder"] == first.json()["placeholder"]
    after = gets()
    for seen in described:
        after.remove(seen)
    assert after == [("shot", WHOLE_RANGE, 404), ("shot.JPG", WHOLE_RANGE, 206)]


@pytest.mark.parametrize(
    ("damage", "data"),
    [
        ("long-text", b"written by another tool, not an image. " * 4000),
        ("jpeg-with-a-garbled-header", b"\xff\xd8\xff\xe1\x00\x02" + bytes(range(256)) * 600),
        ("empty", b""),
    ],
)
def test_a_damaged_original_is_still_a_422_decided_by_the_whole(
    served: Served, swift: Connection, unique: str, damage: str, data: bytes
) -> None:
    swift.put_object(served.container, f"{unique}/{damage}", data)
    answer = served.meta(f"{unique}/{damage}")
    assert (answer.status_code, answer.json()["error"]) == (422, "damaged_original")
    assert f"the stored original of {unique}/{damage} is damaged" in answer.json()["detail"]
    requests = served.relay.gets(served.container, f"{unique}/{damage}")
    if data:
        whole_is_read_after_the_start(served, f"{unique}/{damage}", len(data))
    else:  # no first byte to ask for: Swift answers 416, and the (empty) whole is read
        assert [(r.range, r.status) for r in requests] == [(WHOLE_RANGE, 416), (None, 200)]
