"""SPEC 15 through HTTP on the session Swift: placeholders recorded at upload and listed with
no request per entry, byte-stable; objects other tools put described once; focal points that
move the crops using them, and only those, in every worker at once."""

from __future__ import annotations

import base64
import hashlib
import io
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from PIL import Image, ImageChops, ImageDraw
from swiftclient.client import Connection

from image_repo.adapters.regex.re2_compiler import Re2PatternCompiler
from image_repo.adapters.swift.connection import SwiftConnectionPool
from image_repo.adapters.swift.looks_params import with_looks
from image_repo.adapters.swift.original_store import SwiftOriginalStore
from image_repo.application.list_images import ListImages
from image_repo.domain.listing import ListedImage, ListingQuery
from image_repo.domain.looks import Looks, Placeholder
from image_repo.localswift import SwiftEndpoint
from tests.cluster import GunicornNode
from tests.images import encoded, picture
from tests.integration.conftest import RunningServer, swift_pool

pytestmark = pytest.mark.integration
TOKEN = "focus-token-0123456789"


def subject_photo(width: int = 600, height: int = 300, at: float = 0.12) -> bytes:
    """A textured blue-grey photo with a bright red disc centred at `at` of its width."""
    image = picture(width, height).convert("RGB")
    image = Image.blend(image, Image.new("RGB", image.size, (90, 110, 140)), 0.7)
    draw = ImageDraw.Draw(image)
    cx, cy, r = round(width * at), height // 2, height // 5
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(230, 20, 20))
    return encoded(image, "JPEG", quality=90)


def redness(data: bytes) -> float:
    """The share of clearly red pixels."""
    red, green, blue = Image.open(io.BytesIO(data)).convert("RGB").split()
    mask = ImageChops.multiply(
        red.point(lambda v: 255 if v > 180 else 0),
        ImageChops.darker(green, blue).point(lambda v: 255 if v < 90 else 0),
    )
    return mask.histogram()[255] / (mask.width * mask.height)


def square(client: httpx.Client, path: str, gravity: str) -> httpx.Response:
    """A 100x100 crop; a new connection each (module-level httpx), so every worker answers."""
    params = {"xsize": "100", "ysize": "100", "fit": "cover", "gravity": gravity}
    answer = httpx.get(f"{client.base_url}{path}", params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer


@pytest.fixture(scope="module")
def guarded(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[str]:
    """A gunicorn node of two workers that asks a write token and finds faces: a focus
    recorded through one worker is used by the other at once."""
    node = GunicornNode(
        tmp_path_factory.mktemp("looks"),
        swift_endpoint,
        containers,
        workers=2,
        server={"write_tokens": [TOKEN]},
        images={"detect_faces": True},
    ).start()
    yield node.url
    node.stop(seconds=15)


def test_an_upload_records_its_placeholder_with_the_original_byte_stable(
    client: httpx.Client, swift: Connection, server: RunningServer, unique: str
) -> None:
    data = subject_photo()
    for name in ("one", "two"):
        assert client.put(f"/images/{unique}/{name}", content=data).status_code == 201
    meta = client.get(f"/images/{unique}/one", params={"meta": "true"}).json()
    placeholder = meta["placeholder"]
    assert placeholder["color"].startswith("#") and len(placeholder["color"]) == 7
    assert 5 <= len(base64.b64decode(placeholder["thumbhash"])) <= 40
    assert len(placeholder["blurhash"]) == 28  # 4x3 components
    assert meta["focus"] is None and meta["faces"] is None
    again = client.get(f"/images/{unique}/two", params={"meta": "true"}).json()
    assert again["placeholder"] == placeholder
    # in Swift: parameters of the original's content type, for its own bytes
    headers = swift.head_object(server.data_container, f"{unique}/one")
    assert headers["content-type"].startswith(f"image/jpeg;for={meta['etag'][:12]};wh=600x300;")
    listed = client.get(
        "/images", params={"prefix": f"{unique}/", "delimiter": "/", "details": "true"}
    ).json()
    assert [e["name"] for e in listed] == [f"{unique}/one", f"{unique}/two"]
    for entry in listed:
        assert entry["placeholder"] == placeholder
        assert (entry["width"], entry["height"]) == (600, 300)
        assert entry["focus"] is None


def test_a_listing_with_details_asks_swift_no_more_than_one_without(
    swift_endpoint: SwiftEndpoint, server: RunningServer, swift: Connection, unique: str
) -> None:
    """1,000 originals with their looks recorded (put as the server puts them); listing them
    with their placeholders is one Swift request, as listing their names is."""
    data = b"\xff\xd8\xff\xe0 not decoded by this test"
    etag = hashlib.md5(data).hexdigest()
    placeholder = Placeholder("8a6f4c", bytes(range(20)), "LEHV6nWB2yk8pyo0adR*.7kCMdnj")
    content_type = with_looks("image/jpeg", etag, Looks((64, 48), placeholder))

    def put(index: int) -> None:
        with_own = Connection(swift_endpoint.auth_url, swift_endpoint.user, swift_endpoint.key)
        with_own.put_object(
            server.data_container,
            f"{unique}/{index:04d}",
            data,
            content_type=content_type,
        )
        with_own.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(1000)))
    requests: list[str] = []
    listing = ListImages(
        SwiftOriginalStore(counting_pool(swift_endpoint, requests), server.data_container),
        Re2PatternCompiler(),
        4096,
    )
    entries = list(listing.entries(ListingQuery(prefix=f"{unique}/", limit=1000)))
    assert len(entries) == 1000 and requests == ["get_container"], requests
    images = [e for e in entries if isinstance(e, ListedImage)]
    assert all(e.looks.placeholder == placeholder for e in images)
    assert {e.looks.size for e in images} == {(64, 48)}


def counting_pool(endpoint: SwiftEndpoint, requests: list[str]) -> SwiftConnectionPool:
    """The adapters' own connections, each Swift request recorded by swiftclient's name for it
    (every request goes through Connection._retry)."""
    pool = swift_pool(endpoint)
    factory = pool._factory

    def counted() -> Connection:
        conn = factory()
        retry = conn._retry

        def recorded(reset_func: Any, func: Any, *args: Any, **kwargs: Any) -> Any:
            requests.append(func.__name__)
            return retry(reset_func, func, *args, **kwargs)

        conn._retry = recorded
        return conn

    pool._factory = counted
    return pool


def test_an_object_another_tool_put_is_described_when_first_decoded(
    client: httpx.Client, swift: Connection, server: RunningServer, unique: str
) -> None:
    data = subject_photo(at=0.5)
    swift.put_object(server.data_container, f"{unique}/tool.jpg", data, content_type="image/jpeg")
    listed = {"prefix": f"{unique}/", "details": "true"}
    assert client.get("/images", params=listed).json()[0]["placeholder"] is None
    assert client.get(f"/images/{unique}/tool", params={"xsize": "50"}).status_code == 200
    deadline = time.monotonic() + 15
    while (entry := client.get("/images", params=listed).json()[0])["placeholder"] is None:
        assert time.monotonic() < deadline, "never described"
        time.sleep(0.2)
    assert client.put(f"/images/{unique}/uploaded", content=data).status_code == 201
    uploaded = client.get(f"/images/{unique}/uploaded", params={"meta": "true"}).json()
    assert entry["placeholder"] == uploaded["placeholder"]  # the same bytes, the same one
    assert (entry["width"], entry["height"]) == (600, 300)
    # the object's own bytes and metadata are untouched
    headers, stored = swift.get_object(server.data_container, f"{unique}/tool.jpg")
    assert stored == data and headers["content-type"].startswith("image/jpeg;for=")


def test_meta_describes_an_object_another_tool_put_at_once(
    client: httpx.Client, swift: Connection, server: RunningServer, unique: str
) -> None:
    swift.put_object(
        server.data_container, f"{unique}/raw", subject_photo(), content_type="image/jpeg",
        headers={"X-Object-Meta-Owner": "photo-team"},
    )  # fmt: skip
    meta = client.get(f"/images/{unique}/raw", params={"meta": "true"}).json()
    assert meta["placeholder"] is not None
    headers = swift.head_object(server.data_container, f"{unique}/raw")
    assert headers["x-object-meta-owner"] == "photo-team"  # other metadata kept


def test_a_focus_moves_the_crops_that_use_it_in_every_worker_and_nothing_else(
    guarded: str, unique: str
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    path = f"/images/{unique}/portrait"
    with httpx.Client(base_url=guarded, timeout=30) as client:
        assert client.put(path, content=subject_photo(at=0.12), headers=auth).status_code == 201
        plain = square(client, path, "center")
        smart = square(client, path, "smart")
        focus_before = square(client, path, "focus")
        # no focus: smart's crop, which finds the red disc on the left
        assert focus_before.content == smart.content
        assert redness(focus_before.content) > 0.1 and redness(plain.content) < 0.01

        answer = client.post(path, params={"focus": "0.9,0.5"}, headers=auth)
        assert answer.status_code == 200, answer.text
        assert answer.json()["focus"] == {"x": 0.9, "y": 0.5}
        assert answer.headers["cache-control"] == "private, no-store"
        # every worker at once (several requests: both workers answer some)
        for _ in range(6):
            focused = square(client, path, "focus")
            assert redness(focused.content) < 0.01  # the right-hand side now
            assert focused.headers["etag"] != focus_before.headers["etag"]
            assert square(client, path, "auto").content == focused.content
            assert square(client, path, "center").headers["etag"] == plain.headers["etag"]
        # a pinned crop around the subject is not immutable: it moves with a new focus
        pin = client.get(path, params={"meta": "true"}).json()["url"].split("v=")[1]
        pinned = client.get(
            path,
            params={"v": pin, "xsize": "100", "ysize": "100", "fit": "cover", "gravity": "focus"},
        )
        assert "immutable" not in pinned.headers["cache-control"]
        assert client.get(path, params={"meta": "true"}).json()["focus"] == {"x": 0.9, "y": 0.5}

        assert client.post(path, params={"focus": "clear"}, headers=auth).json()["focus"] is None
        assert square(client, path, "focus").content == smart.content
        # a new upload clears it
        client.post(path, params={"focus": "0.9,0.9"}, headers=auth)
        client.put(path, content=subject_photo(at=0.12), headers=auth)
        assert client.get(path, params={"meta": "true"}).json()["focus"] is None


def test_focus_refusals(guarded: str, unique: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    path = f"/images/{unique}/refused"
    with httpx.Client(base_url=guarded, timeout=30) as client:
        assert client.put(path, content=subject_photo(), headers=auth).status_code == 201
        assert client.post(path, params={"focus": "0.5,0.5"}).status_code == 401
        for bad in ("1.5,0.5", "0.5", "x,y", "0.5,0.5,0.5", "-0,1"):
            answer = client.post(path, params={"focus": bad}, headers=auth)
            assert answer.status_code == 400, (bad, answer.text)
            assert "focus must be x,y" in answer.json()["detail"]
        both = client.post(path, params={"focus": "0.5,0.5", "restore": "1"}, headers=auth)
        assert both.status_code == 400
        missing = client.post(f"/images/{unique}/absent", params={"focus": "0.5,0.5"}, headers=auth)
        assert missing.status_code == 404
        assert client.get(path, params={"meta": "true"}).json()["focus"] is None


def test_faces_found_at_upload_aim_auto_crops_at_the_face(guarded: str, unique: str) -> None:
    """scikit-image's astronaut, a real photograph: her face is found at upload and a narrow
    gravity=auto crop keeps it, where a centred one cuts it in half."""
    from skimage import data

    photo = Image.fromarray(data.astronaut())  # type: ignore[no-untyped-call]
    wide = Image.new("RGB", (1536, 512), (20, 20, 30))
    wide.paste(photo, (0, 0))  # the face on the left third of a wide frame
    auth = {"Authorization": f"Bearer {TOKEN}"}
    path = f"{guarded}/images/{unique}/astronaut"
    put = httpx.put(path, content=encoded(wide, "JPEG", quality=92), headers=auth, timeout=30)
    assert put.status_code == 201, put.text
    faces = httpx.get(path, params={"meta": "true"}, timeout=30).json()["faces"]
    assert faces is not None
    assert 0.1 < (faces["left"] + faces["right"]) / 2 < 0.3  # her face, in the left third
    assert faces["top"] < faces["bottom"] < 0.5
    crop = {"xsize": "100", "ysize": "100", "fit": "cover"}
    auto = httpx.get(path, params={**crop, "gravity": "auto"}, timeout=30)
    centre = httpx.get(path, params={**crop, "gravity": "center"}, timeout=30)
    assert auto.status_code == centre.status_code == 200
    # the centred crop is the dark frame; the one aimed at the face is the photo
    assert _brightness(auto.content) > 2 * _brightness(centre.content)


def _brightness(data: bytes) -> float:
    grey = Image.open(io.BytesIO(data)).convert("L")
    histogram = grey.histogram()
    return sum(i * n for i, n in enumerate(histogram)) / (grey.width * grey.height)
