"""Issue 26 on a server that asks a write token: `original=true` (the uploaded bytes, to token
holders only), `POST ?rename=` (a server-side copy, both names coherent), `url=true&ttl=`, and
`meta=true`'s date in ISO 8601."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image
from swiftclient.client import Connection

from image_repo.domain.url_signatures import UrlSignatures
from image_repo.localswift import SwiftEndpoint
from tests.images import encoded, exif_with_gps, picture
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration
TOKEN = "originals-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SIGNING_KEY = "signing-key-0123456789abcdef"


def photo(colour: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    """A JPEG with EXIF: GPS, and the date a camera writes."""
    exif = exif_with_gps()
    exif.get_ifd(0x8769)[0x9003] = "2024:07:14 18:22:05"
    image = Image.blend(picture(320, 200), Image.new("RGB", (320, 200), colour), 0.5)
    return encoded(image, "JPEG", quality=90, exif=exif.tobytes())


@pytest.fixture(scope="module")
def guarded(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[httpx.Client]:
    with (
        ServerProcess(
            tmp_path_factory.mktemp("originals"),
            swift_endpoint,
            containers,
            server={"write_tokens": [TOKEN]},
            swift={"url_ttl": 600},
        ) as process,
        httpx.Client(base_url=process.base_url, timeout=30) as client,
    ):
        yield client


def test_the_original_goes_to_token_holders_exactly_as_uploaded(
    guarded: httpx.Client, unique: str
) -> None:
    data = photo()
    path = f"/images/{unique}/beach.jpg"
    assert guarded.put(path, content=data, headers=AUTH).status_code == 201
    original = guarded.get(f"/images/{unique}/beach", params={"original": "true"}, headers=AUTH)
    assert original.status_code == 200, original.text
    assert original.content == data  # GPS and all
    assert original.headers["content-type"] == "image/jpeg"
    assert original.headers["content-disposition"] == 'attachment; filename="beach.jpg"'
    assert original.headers["cache-control"] == "private, no-store"
    assert original.headers["etag"] == f'"{hashlib.md5(data).hexdigest()}"'
    refused = guarded.get(f"/images/{unique}/beach", params={"original": "true"})
    assert refused.status_code == 403 and refused.json()["error"] == "originals_refused"
    wrong = guarded.get(
        f"/images/{unique}/beach",
        params={"original": "true"},
        headers={"Authorization": "Bearer wrong-token"},
    )
    assert wrong.status_code == 403
    with_modifier = guarded.get(
        f"/images/{unique}/beach", params={"original": "true", "xsize": "10"}, headers=AUTH
    )
    assert with_modifier.status_code == 400


def test_a_signed_url_never_serves_the_original_and_never_disables_it(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
    unique: str,
) -> None:
    with ServerProcess(
        tmp_path_factory.mktemp("never"),
        swift_endpoint,
        containers,
        server={"write_tokens": [TOKEN], "url_signing_keys": [SIGNING_KEY]},
        images={"serve_originals": "never"},
    ) as process:
        url = process.base_url
        assert httpx.put(f"{url}/images/{unique}/x", content=photo(), headers=AUTH).is_success
        signed = UrlSignatures((SIGNING_KEY,)).sign(f"/images/{unique}/x?original=true")
        answer = httpx.get(f"{url}{signed}", timeout=30)
        assert answer.status_code == 403 and answer.json()["error"] == "originals_refused"
        never = httpx.get(
            f"{url}/images/{unique}/x", params={"original": "true"}, headers=AUTH, timeout=30
        )
        assert never.status_code == 403 and "never" in never.json()["detail"]


def test_a_rename_moves_the_image_and_both_names_answer_at_once(
    guarded: httpx.Client, swift: Connection, unique: str
) -> None:
    data = photo()
    old, new = f"{unique}/inbox/shot", f"{unique}/2024/shot"
    assert guarded.put(f"/images/{old}", content=data, headers=AUTH).status_code == 201
    assert guarded.get(f"/images/{old}", params={"xsize": "50"}).status_code == 200  # cached
    focused = guarded.post(f"/images/{old}", params={"focus": "0.2,0.3"}, headers=AUTH)
    assert focused.status_code == 200
    answer = guarded.post(f"/images/{old}", params={"rename": new}, headers=AUTH)
    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == new and answer.json()["from"] == old
    assert guarded.get(f"/images/{old}", params={"xsize": "50"}).status_code == 404
    assert guarded.get(f"/images/{new}", params={"xsize": "50"}).status_code == 200
    meta = guarded.get(f"/images/{new}", params={"meta": "true"}).json()
    assert meta["etag"] == hashlib.md5(data).hexdigest()
    assert meta["focus"] == {"x": 0.2, "y": 0.3}  # looks travel with the bytes
    assert meta["placeholder"] is not None
    original = guarded.get(f"/images/{new}", params={"original": "true"}, headers=AUTH)
    assert original.content == data


def test_a_rename_onto_an_image_needs_overwrite(guarded: httpx.Client, unique: str) -> None:
    first, second = photo((250, 0, 0)), photo((0, 0, 250))
    guarded.put(f"/images/{unique}/a", content=first, headers=AUTH)
    guarded.put(f"/images/{unique}/b", content=second, headers=AUTH)
    taken = guarded.post(f"/images/{unique}/a", params={"rename": f"{unique}/b"}, headers=AUTH)
    assert taken.status_code == 409 and taken.json()["error"] == "name_taken"
    assert (
        guarded.get(f"/images/{unique}/b", params={"original": "true"}, headers=AUTH).content
        == second
    )
    replaced = guarded.post(
        f"/images/{unique}/a", params={"rename": f"{unique}/b", "overwrite": "true"}, headers=AUTH
    )
    assert replaced.status_code == 201
    assert (
        guarded.get(f"/images/{unique}/b", params={"original": "true"}, headers=AUTH).content
        == first
    )
    assert guarded.get(f"/images/{unique}/a").status_code == 404
    assert guarded.post(f"/images/{unique}/b", params={"rename": f"{unique}/c"}).status_code == 401
    for bad in ({"rename": "../x"}, {"rename": f"{unique}/b"}, {"overwrite": "true"}):
        assert guarded.post(f"/images/{unique}/b", params=bad, headers=AUTH).status_code == 400
    missing = guarded.post(f"/images/{unique}/none", params={"rename": f"{unique}/d"}, headers=AUTH)
    assert missing.status_code == 404


def test_a_temporary_url_lives_as_long_as_asked_within_the_maximum(
    guarded: httpx.Client, unique: str
) -> None:
    guarded.put(f"/images/{unique}/t", content=photo(), headers=AUTH)
    asked = guarded.get(f"/images/{unique}/t", params={"url": "true", "ttl": "60"}).json()
    assert abs(asked["expires"] - (time.time() + 60)) < 5
    default = guarded.get(f"/images/{unique}/t", params={"url": "true"}).json()
    assert abs(default["expires"] - (time.time() + 600)) < 5
    over = guarded.get(f"/images/{unique}/t", params={"url": "true", "ttl": "601"})
    assert over.status_code == 400 and "600" in over.json()["detail"]
    assert guarded.get(f"/images/{unique}/t", params={"ttl": "60"}).status_code == 400


def test_meta_gives_the_date_taken_in_iso_8601(guarded: httpx.Client, unique: str) -> None:
    guarded.put(f"/images/{unique}/dated", content=photo(), headers=AUTH)
    exif = guarded.get(f"/images/{unique}/dated", params={"meta": "true"}).json()["exif"]
    assert exif["date_taken"] == "2024-07-14T18:22:05"
