"""Temporary Swift URLs and several images at once (SPEC §3 url=, regex=, zip=)."""

from __future__ import annotations

import io
import time
import zipfile
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image

from tests.images import encoded, jpeg_with_gps, picture

pytestmark = pytest.mark.integration


def test_temp_url_serves_the_same_bytes_without_a_token(client: httpx.Client, unique: str) -> None:
    client.put(f"/images/{unique}/u.jpg", content=jpeg_with_gps(300, 200)).raise_for_status()
    issued = client.get(f"/images/{unique}/u", params={"url": "true", "xsize": "150"}).json()
    assert set(issued) == {"url", "expires", "versioned_url"}
    assert issued["expires"] > time.time()
    assert issued["versioned_url"].startswith(f"/images/{unique}/u?v=")
    direct = client.get(f"/images/{unique}/u", params={"xsize": "150"})
    fetched = httpx.get(issued["url"], timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == direct.content
    assert Image.open(io.BytesIO(fetched.content)).size == (150, 100)


def test_temp_url_with_a_changed_signature_is_refused(client: httpx.Client, unique: str) -> None:
    client.put(f"/images/{unique}/sig.jpg", content=jpeg_with_gps(30, 30)).raise_for_status()
    url = client.get(f"/images/{unique}/sig", params={"url": "1"}).json()["url"]
    signature = parse_qs(urlsplit(url).query)["temp_url_sig"][0]
    tampered = url.replace(
        signature, signature[:-4] + ("0000" if signature[-4:] != "0000" else "1111")
    )
    assert httpx.get(tampered, timeout=10).status_code == 401


def test_temp_url_expires(client: httpx.Client, unique: str) -> None:
    """The session's server signs URLs valid for 3 seconds (url_ttl in conftest)."""
    client.put(f"/images/{unique}/exp.jpg", content=jpeg_with_gps(30, 30)).raise_for_status()
    issued = client.get(f"/images/{unique}/exp", params={"url": "yes"}).json()
    assert httpx.get(issued["url"], timeout=10).status_code == 200
    time.sleep(max(0.0, issued["expires"] - time.time()) + 1.5)
    assert httpx.get(issued["url"], timeout=10).status_code == 401


def test_temp_url_for_a_name_with_spaces_and_unicode(client: httpx.Client, unique: str) -> None:
    client.put(f"/images/{unique}/ün i+c%25ode.png", content=encoded(picture(40, 30), "PNG"))
    issued = client.get(f"/images/{unique}/ün i+c%25ode.png", params={"url": "1"}).json()
    fetched = httpx.get(issued["url"], timeout=10)
    assert fetched.status_code == 200
    assert Image.open(io.BytesIO(fetched.content)).format == "PNG"


@pytest.fixture
def five(client: httpx.Client, unique: str) -> str:
    for i in range(5):
        body = encoded(picture(100 + i, 80), "PNG")
        client.put(f"/images/{unique}/album/p{i}.png", content=body).raise_for_status()
    client.put(f"/images/{unique}/other/q.png", content=encoded(picture(10, 10), "PNG"))
    return f"{unique}/album"


def test_regex_over_five_images_gives_a_zip_of_five(client: httpx.Client, five: str) -> None:
    response = client.get(f"/images/{five}", params={"regex": "^p", "xsize": "50"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == [f"{five}/p{i}.jpg" for i in range(5)]
    for entry in archive.namelist():
        image = Image.open(io.BytesIO(archive.read(entry)))
        assert (image.format, image.width) == ("JPEG", 50)


def test_one_match_is_the_image_itself(client: httpx.Client, five: str) -> None:
    response = client.get(f"/images/{five}", params={"regex": "3$", "kind": "png"})
    assert response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (103, 80)


def test_zip_true_forces_an_archive_for_one_match(client: httpx.Client, five: str) -> None:
    response = client.get(f"/images/{five}", params={"regex": "3$", "zip": "true"})
    assert zipfile.ZipFile(io.BytesIO(response.content)).namelist() == [f"{five}/p3.jpg"]


def test_no_match_is_404(client: httpx.Client, five: str) -> None:
    assert client.get(f"/images/{five}", params={"regex": "^zzz"}).status_code == 404


def test_meta_and_url_of_several_are_keyed_by_name(client: httpx.Client, five: str) -> None:
    metas = client.get(f"/images/{five}", params={"regex": "[12]", "meta": "true"}).json()
    assert sorted(metas) == [f"{five}/p1", f"{five}/p2"]
    assert metas[f"{five}/p2"]["width"] == 102
    urls = client.get(f"/images/{five}", params={"regex": "[12]", "url": "true"}).json()
    assert sorted(urls) == [f"{five}/p1", f"{five}/p2"]
    assert httpx.get(urls[f"{five}/p1"]["url"], timeout=10).status_code == 200


def test_more_matches_than_the_limit_is_413(client: httpx.Client, unique: str) -> None:
    """The session's server allows 6 images per zip (max_zip_images in conftest)."""
    for i in range(7):
        client.put(f"/images/{unique}/many/{i}", content=encoded(picture(8, 8), "PNG"))
    response = client.get(f"/images/{unique}/many", params={"regex": "."})
    assert response.status_code == 413
    assert "6" in response.json()["detail"]


def test_meta_with_url_is_400(client: httpx.Client, five: str) -> None:
    response = client.get(f"/images/{five}/p1", params={"meta": "1", "url": "1"})
    assert response.status_code == 400
