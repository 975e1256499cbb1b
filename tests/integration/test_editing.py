"""SPEC 14 through HTTP on the session Swift: modifiers served and cached under keys of their
own, watermarks from the repository (re-marked when the logo is replaced, a 422 naming it when
it is missing), and the byte budget's header."""

from __future__ import annotations

import io
import random
import uuid
from collections.abc import Iterator

import attrs
import httpx
import pytest
from PIL import Image

from image_repo.localswift import SwiftEndpoint
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration


@attrs.frozen
class Editing:
    base_url: str
    logo: str  # the image images.watermarks names `logo`


@pytest.fixture(scope="module")
def editing(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[Editing]:
    logo = f"brand/logo-{uuid.uuid4().hex[:6]}"
    with ServerProcess(
        tmp_path_factory.mktemp("editing"),
        swift_endpoint,
        containers,
        images={
            "watermarks": {"logo": logo, "gone": f"brand/nowhere-{uuid.uuid4().hex[:6]}"},
            "presets": {"card": "xsize=40&grayscale=true&radius=4"},
        },
    ) as server:
        yield Editing(server.base_url, logo)


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def halves(width: int = 80, height: int = 40) -> bytes:
    """Red on the left, blue on the right."""
    image = Image.new("RGB", (width, height), (255, 0, 0))
    image.paste((0, 0, 255), (width // 2, 0, width, height))
    return png(image)


def decoded(answer: httpx.Response) -> Image.Image:
    assert answer.status_code == 200, answer.text
    return Image.open(io.BytesIO(answer.content)).convert("RGB")


def put(base_url: str, name: str, data: bytes) -> None:
    httpx.put(f"{base_url}/images/{name}", content=data, timeout=30).raise_for_status()


def test_modifiers_are_served_under_keys_of_their_own(editing: Editing) -> None:
    base_url, name = editing.base_url, f"edit/{uuid.uuid4().hex[:8]}"
    put(base_url, name, halves())
    plain = httpx.get(f"{base_url}/images/{name}", params={"kind": "png"})
    rotated = httpx.get(f"{base_url}/images/{name}", params={"kind": "png", "rotate": "90"})
    image = decoded(rotated)
    assert image.size == (40, 80)
    assert image.getpixel((20, 5)) == (255, 0, 0)  # red on top
    assert rotated.headers["etag"] != plain.headers["etag"]
    again = httpx.get(f"{base_url}/images/{name}", params={"rotate": "90", "kind": "png"})
    assert again.headers["x-cache"] == "memory" and again.content == rotated.content
    card = decoded(httpx.get(f"{base_url}/images/{name}", params={"preset": "card", "kind": "png"}))
    red, green, blue = card.getpixel((20, 10))  # type: ignore[misc]
    assert red == green == blue
    refused = httpx.get(f"{base_url}/images/{name}", params={"rotate": "45"})
    assert refused.status_code == 400 and "90, 180 or 270" in refused.json()["detail"]


def test_a_watermark_comes_from_the_repository_and_a_new_logo_remarks(editing: Editing) -> None:
    base_url, name = editing.base_url, f"marked/{uuid.uuid4().hex[:8]}"
    put(base_url, name, png(Image.new("RGB", (200, 100), "white")))
    query = {"kind": "png", "watermark": "logo", "watermark_opacity": "1"}
    missing = httpx.get(f"{base_url}/images/{name}", params=query)
    assert missing.status_code == 422
    assert missing.json()["error"] == "watermark_unavailable"
    assert editing.logo in missing.json()["detail"]
    put(base_url, editing.logo, png(Image.new("RGBA", (40, 20), (0, 0, 255, 255))))
    blue = httpx.get(f"{base_url}/images/{name}", params=query)
    assert decoded(blue).getpixel((180, 90)) == (0, 0, 255)  # southeast
    assert decoded(blue).getpixel((20, 10)) == (255, 255, 255)
    assert editing.logo in blue.headers["xkey"].split()
    put(base_url, editing.logo, png(Image.new("RGBA", (40, 20), (0, 255, 0, 255))))
    green = httpx.get(f"{base_url}/images/{name}", params=query)
    assert decoded(green).getpixel((180, 90)) == (0, 255, 0)
    assert green.headers["etag"] != blue.headers["etag"]
    gone = httpx.get(f"{base_url}/images/{name}", params={"watermark": "gone"})
    assert gone.status_code == 422 and "brand/nowhere" in gone.json()["detail"]
    unknown = httpx.get(f"{base_url}/images/{name}", params={"watermark": "nope"})
    assert unknown.status_code == 400 and "gone, logo" in unknown.json()["detail"]


def test_max_bytes_fits_or_says_it_could_not(editing: Editing) -> None:
    base_url, name = editing.base_url, f"budget/{uuid.uuid4().hex[:8]}"
    noise = random.Random(24).randbytes(400 * 300 * 3)
    put(base_url, name, png(Image.frombytes("RGB", (400, 300), noise)))
    fits = httpx.get(f"{base_url}/images/{name}", params={"kind": "webp", "max_bytes": "60000"})
    assert fits.status_code == 200 and len(fits.content) <= 60_000
    assert "x-max-bytes" not in fits.headers
    tight = httpx.get(f"{base_url}/images/{name}", params={"kind": "jpeg", "max_bytes": "1024"})
    assert tight.status_code == 200 and tight.headers["x-max-bytes"] == "exceeded"
    hit = httpx.get(f"{base_url}/images/{name}", params={"kind": "jpeg", "max_bytes": "1024"})
    assert hit.headers["x-cache"] == "memory" and hit.headers["x-max-bytes"] == "exceeded"
