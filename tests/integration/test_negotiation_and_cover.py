"""SPEC 9 over HTTP: Accept negotiation (through the memory-hit front too), cover, dpr, quality."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from image_repo.localswift import SwiftEndpoint
from tests.images import encoded, picture
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration

WEBP = "image/webp"
BROWSER = "image/avif,image/webp,image/apng,*/*;q=0.8"


@pytest.fixture(scope="module")
def negotiating_server(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("negotiation")
    images = {"auto_formats": ["webp"], "presets": {"square": "fit=cover&gravity=smart"}}
    with ServerProcess(root, swift_endpoint, containers, images=images) as server:
        yield server


@pytest.fixture
def client(negotiating_server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=negotiating_server.base_url, timeout=30) as http:
        yield http


@pytest.fixture
def photo(client: httpx.Client, unique: str) -> str:
    data = encoded(picture(400, 200), "JPEG")
    client.put(f"/images/{unique}/photo.jpg", content=data).raise_for_status()
    return f"/images/{unique}/photo"


def size_of(response: httpx.Response) -> tuple[int, int]:
    assert response.status_code == 200, response.text
    return Image.open(io.BytesIO(response.content)).size


def test_accept_chooses_the_format_also_for_memory_hits(client: httpx.Client, photo: str) -> None:
    tiers = []
    first_bytes: dict[str, bytes] = {}
    for turn in range(12):
        accept = WEBP if turn % 2 == 0 else "*/*"
        response = client.get(photo, params={"xsize": "100"}, headers={"Accept": accept})
        assert response.status_code == 200
        # every tier serves the bytes that were derived
        assert first_bytes.setdefault(accept, response.content) == response.content
        expected = "image/webp" if accept == WEBP else "image/jpeg"
        assert response.headers["content-type"] == expected, (turn, response.headers)
        assert Image.open(io.BytesIO(response.content)).format == expected.split("/")[1].upper()
        assert response.headers["vary"] == "Accept"
        tiers.append(response.headers["x-cache"])
    assert tiers[-4:] == ["memory"] * 4


def test_the_variants_have_their_own_etags_and_304s_vary_too(
    client: httpx.Client, photo: str
) -> None:
    webp = client.get(photo, headers={"Accept": BROWSER})
    jpeg = client.get(photo, headers={"Accept": "*/*"})
    assert webp.headers["etag"] != jpeg.headers["etag"]
    for _ in range(2):  # the derived answer, then the memory hit
        again = client.get(
            photo, headers={"Accept": BROWSER, "If-None-Match": webp.headers["etag"]}
        )
        assert again.status_code == 304
        assert again.headers["vary"] == "Accept"
    mismatched = client.get(photo, headers={"Accept": "*/*", "If-None-Match": webp.headers["etag"]})
    assert mismatched.status_code == 200 and mismatched.headers["content-type"] == "image/jpeg"


@pytest.mark.parametrize(("suffix", "params"), [(".png", {}), ("", {"kind": "png"})])
def test_a_named_format_is_not_negotiated(
    client: httpx.Client, photo: str, suffix: str, params: dict[str, str]
) -> None:
    for _ in range(2):
        response = client.get(photo + suffix, params=params, headers={"Accept": WEBP})
        assert response.headers["content-type"] == "image/png"
        assert "vary" not in response.headers


def test_thumbnail_cover_is_exactly_the_box(client: httpx.Client, photo: str) -> None:
    response = client.get(photo, params={"thumbnail": "true", "fit": "cover"})
    assert size_of(response) == (50, 50)


def test_dpr_doubles_the_box_and_quality_changes_the_bytes(
    client: httpx.Client, photo: str
) -> None:
    params = {"xsize": "60", "ysize": "60", "fit": "cover"}
    assert size_of(client.get(photo, params={**params, "dpr": "2"})) == (120, 120)
    assert size_of(client.get(photo, params={**params, "dpr": "4"})) == (200, 200)  # no enlarging
    low = client.get(photo, params={**params, "quality": "10"})
    high = client.get(photo, params={**params, "quality": "95"})
    assert len(low.content) < len(high.content)
    assert low.headers["etag"] != high.headers["etag"]


def test_a_preset_gives_the_same_bytes_as_its_modifiers(client: httpx.Client, photo: str) -> None:
    box = {"xsize": "80", "ysize": "80"}
    by_preset = client.get(photo, params={"preset": "square", **box})
    spelled = client.get(photo, params={"fit": "cover", "gravity": "smart", **box})
    assert by_preset.content == spelled.content
    assert by_preset.headers["etag"] == spelled.headers["etag"]
    assert size_of(by_preset) == (80, 80)


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"fit": "fill"}, "accepted: contain, cover"),
        ({"fit": "cover", "xsize": "10"}, "needs both sides of a box"),
        ({"gravity": "top"}, "accepted: center, north, south, east, west, smart"),
        ({"dpr": "9"}, "from 1 to 4"),
        ({"quality": "1" * 5000}, "from 1 to 100"),
    ],
)
def test_bad_values_are_400s_that_say_what_is_accepted(
    client: httpx.Client, photo: str, params: dict[str, str], detail: str
) -> None:
    response = client.get(photo, params=params)
    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_an_animated_gif_stays_animated_as_gif_and_webp(client: httpx.Client, unique: str) -> None:
    frames = [Image.new("RGB", (80, 60), colour) for colour in ("red", "lime", "blue")]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, "GIF", save_all=True, append_images=frames[1:], duration=[60, 70, 80], loop=0
    )
    client.put(f"/images/{unique}/anim.gif", content=buffer.getvalue()).raise_for_status()
    for suffix in (".gif", ".webp"):
        response = client.get(f"/images/{unique}/anim{suffix}", params={"xsize": "40"})
        served = Image.open(io.BytesIO(response.content))
        assert getattr(served, "n_frames", 1) == 3
        durations = []
        for index in range(3):
            served.seek(index)
            served.convert("RGB")
            durations.append(served.info["duration"])
            assert served.size == (40, 30)
        assert durations == [60, 70, 80]
