"""Derived images over HTTP: sizes, thumbnails, formats, fidelity, metadata (SPEC §3, §4)."""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
import pytest
from PIL import Image, ImageDraw
from swiftclient.client import Connection

from tests import hostile
from tests.icc import adobe_rgb_profile
from tests.images import encoded, exif_with_gps, jpeg_with_gps, picture
from tests.integration.conftest import RunningServer
from tests.integration.test_api import assert_no_metadata

pytestmark = pytest.mark.integration

XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'


def rgba(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    pixel = image.getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel


def rgb(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    return rgba(image.convert("RGB"), xy)


def served(response: httpx.Response) -> Image.Image:
    assert response.status_code == 200, response.text
    return Image.open(io.BytesIO(response.content))


@pytest.fixture
def landscape(client: httpx.Client, unique: str) -> str:
    """A 640x480 JPEG carrying EXIF with GPS, XMP and a comment."""
    client.put(f"/images/{unique}/land.jpg", content=jpeg_with_gps(640, 480)).raise_for_status()
    return f"/images/{unique}/land"


@pytest.mark.parametrize(
    ("params", "size"),
    [
        ({"xsize": "320"}, (320, 240)),
        ({"ysize": "120"}, (160, 120)),
        ({"xsize": "100", "ysize": "100"}, (100, 75)),
        ({"xsize": "2000"}, (640, 480)),
        ({"thumbnail": "true"}, (50, 38)),
        ({"thumbnail": "1", "xsize": "80"}, (67, 50)),
        ({"thumbnail": "yes", "xsize": "80", "ysize": "200"}, (80, 60)),
        ({"thumbnail": "True", "ysize": "1000", "xsize": "1000"}, (640, 480)),
    ],
)
def test_sizes_fit_the_box_and_never_enlarge(
    client: httpx.Client, landscape: str, params: dict[str, str], size: tuple[int, int]
) -> None:
    assert served(client.get(landscape, params=params)).size == size


@pytest.mark.parametrize(
    ("kind", "pillow_format", "media_type"),
    [
        ("jpg", "JPEG", "image/jpeg"),
        ("jpeg", "JPEG", "image/jpeg"),
        ("png", "PNG", "image/png"),
        ("webp", "WEBP", "image/webp"),
        ("gif", "GIF", "image/gif"),
        ("tiff", "TIFF", "image/tiff"),
        ("bmp", "BMP", "image/bmp"),
        ("avif", "AVIF", "image/avif"),
    ],
)
def test_every_kind_is_served_without_metadata(
    client: httpx.Client, landscape: str, kind: str, pillow_format: str, media_type: str
) -> None:
    response = client.get(landscape, params={"kind": kind, "xsize": "200"})
    image = served(response)
    assert (image.format, image.size) == (pillow_format, (200, 150))
    assert response.headers["content-type"] == media_type
    assert_no_metadata(response.content)


def test_thumbnail_in_another_format_combines(client: httpx.Client, landscape: str) -> None:
    image = served(client.get(f"{landscape}.webp", params={"thumbnail": "true"}))
    assert (image.format, image.size) == ("WEBP", (50, 38))


def _upright() -> Image.Image:
    """Red top-left quadrant, blue elsewhere: any wrong rotation or flip moves the red."""
    image = Image.new("RGB", (320, 240), (0, 0, 255))
    ImageDraw.Draw(image).rectangle((0, 0, 159, 119), fill=(255, 0, 0))
    return image


_INVERSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(
    client: httpx.Client, unique: str, orientation: int
) -> None:
    stored = _upright()
    if orientation in _INVERSE:
        stored = stored.transpose(_INVERSE[orientation])
    body = encoded(stored, "JPEG", quality=95, exif=exif_with_gps(orientation).tobytes())
    client.put(f"/images/{unique}/o{orientation}", content=body).raise_for_status()
    image = served(client.get(f"/images/{unique}/o{orientation}", params={"kind": "png"}))
    assert image.size == (320, 240)
    red, blue = rgb(image, (40, 30)), rgb(image, (280, 200))
    assert red[0] > 200 and red[2] < 60, red
    assert blue[2] > 200 and blue[0] < 60, blue


def test_adobe_rgb_input_comes_out_in_srgb(client: httpx.Client, unique: str) -> None:
    body = encoded(
        Image.new("RGB", (64, 64), (40, 160, 60)), "PNG", icc_profile=adobe_rgb_profile()
    )
    client.put(f"/images/{unique}/adobe.png", content=body).raise_for_status()
    image = served(client.get(f"/images/{unique}/adobe", params={"kind": "png"}))
    r, g, b = rgb(image, (32, 32))
    assert abs(r - 0) <= 3 and abs(g - 161) <= 3 and abs(b - 47) <= 3, (r, g, b)
    assert "icc_profile" not in image.info


def _cmyk_jpeg() -> bytes:
    return encoded(Image.new("CMYK", (80, 60), (0, 255, 255, 0)), "JPEG")


def _png16() -> bytes:
    return encoded(Image.new("I;16", (80, 60), 40000), "PNG")


def _palette_png() -> bytes:
    return encoded(picture(80, 60).convert("P", palette=Image.Palette.ADAPTIVE), "PNG")


def _animated_gif() -> bytes:
    frames = [Image.new("RGB", (80, 60), colour) for colour in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=50)
    return buffer.getvalue()


def _heic() -> bytes:
    return encoded(Image.new("RGB", (80, 60), "red"), "HEIF", quality=90)


@pytest.mark.parametrize(
    ("make", "expected_format"),
    [
        (_cmyk_jpeg, "jpeg"),
        (_png16, "png"),
        (_palette_png, "png"),
        (_animated_gif, "gif"),
        (lambda: encoded(picture(80, 60), "WEBP"), "webp"),
        (lambda: encoded(picture(80, 60), "TIFF", xmp=XMP), "tiff"),
        (lambda: encoded(picture(80, 60), "BMP"), "bmp"),
        (_heic, "heif"),
        (lambda: encoded(picture(80, 60), "AVIF"), "avif"),
    ],
)
def test_every_input_format_is_accepted_and_served(
    client: httpx.Client, unique: str, make: object, expected_format: str
) -> None:
    assert callable(make)
    uploaded = client.put(f"/images/{unique}/in", content=make())
    assert uploaded.status_code == 201, uploaded.text
    assert (uploaded.json()["format"], uploaded.json()["width"]) == (expected_format, 80)
    for kind in ("jpeg", "png"):
        response = client.get(f"/images/{unique}/in", params={"kind": kind})
        assert served(response).size == (80, 60)
        assert_no_metadata(response.content)


def test_cmyk_comes_out_as_rgb_colour(client: httpx.Client, unique: str) -> None:
    client.put(f"/images/{unique}/cmyk", content=_cmyk_jpeg()).raise_for_status()
    image = served(client.get(f"/images/{unique}/cmyk", params={"kind": "png"}))
    r, g, b = rgb(image, (40, 30))
    assert r > 200 and g < 60 and b < 60, (r, g, b)


def test_first_frame_of_an_animated_gif(client: httpx.Client, unique: str) -> None:
    client.put(f"/images/{unique}/anim.gif", content=_animated_gif()).raise_for_status()
    image = served(client.get(f"/images/{unique}/anim", params={"kind": "png"}))
    r, g, b = rgb(image, (10, 10))
    assert r > 200 and g < 60 and b < 60


def test_alpha_is_flattened_onto_the_background_for_jpeg(client: httpx.Client, unique: str) -> None:
    transparent = Image.new("RGBA", (40, 40), (255, 0, 0, 0))
    client.put(
        f"/images/{unique}/alpha.png", content=encoded(transparent, "PNG")
    ).raise_for_status()
    jpeg = served(client.get(f"/images/{unique}/alpha"))
    assert min(rgb(jpeg, (20, 20))) > 245
    png = served(client.get(f"/images/{unique}/alpha.png"))
    assert png.mode == "RGBA" and rgba(png, (20, 20))[3] == 0


def test_meta_gives_the_whitelist_and_never_gps(client: httpx.Client, landscape: str) -> None:
    meta = client.get(landscape, params={"meta": "true"}).json()
    assert {k: meta[k] for k in ("format", "width", "height", "mode")} == {
        "format": "jpeg",
        "width": 640,
        "height": 480,
        "mode": "RGB",
    }
    assert meta["name"].endswith("/land") and meta["uploaded"].endswith("Z")
    assert len(meta["etag"]) == 32 and meta["bytes"] > 0
    assert meta["exif"] == {"make": "TestCam", "model": "Model 1", "orientation": 1}


def test_meta_reports_displayed_size(client: httpx.Client, unique: str) -> None:
    client.put(f"/images/{unique}/r.jpg", content=jpeg_with_gps(640, 480, orientation=6))
    meta = client.get(f"/images/{unique}/r", params={"meta": "1"}).json()
    assert (meta["width"], meta["height"]) == (480, 640)


def test_reupload_never_serves_the_old_derivative(client: httpx.Client, unique: str) -> None:
    red = encoded(Image.new("RGB", (200, 100), "red"), "PNG")
    blue = encoded(Image.new("RGB", (200, 100), "blue"), "PNG")
    client.put(f"/images/{unique}/swap", content=red).raise_for_status()
    first = served(client.get(f"/images/{unique}/swap", params={"xsize": "50", "kind": "png"}))
    assert rgb(first, (5, 5)) == (255, 0, 0)
    client.put(f"/images/{unique}/swap", content=blue).raise_for_status()
    second = served(client.get(f"/images/{unique}/swap", params={"xsize": "50", "kind": "png"}))
    assert rgb(second, (5, 5)) == (0, 0, 255)


def test_repeat_request_is_answered_from_memory(client: httpx.Client, landscape: str) -> None:
    first = client.get(landscape, params={"xsize": "33"})
    second = client.get(landscape, params={"xsize": "33"})
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("derived", "memory")
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]


def test_caching_headers(client: httpx.Client, unique: str) -> None:
    client.put(f"/images/{unique}/café.jpg", content=jpeg_with_gps(20, 20)).raise_for_status()
    response = client.get(f"/images/{unique}/café.png")
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert response.headers["content-length"] == str(len(response.content))
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("inline;") and "filename*=UTF-8''caf%C3%A9.png" in disposition
    etag = response.headers["etag"]
    assert (
        client.get(f"/images/{unique}/café.png", headers={"If-None-Match": etag}).status_code == 304
    )
    assert (
        client.get(f"/images/{unique}/café.jpg", headers={"If-None-Match": etag}).status_code == 200
    )


DAMAGED_ORIGINALS: dict[str, Callable[[], bytes]] = {
    "truncated-gif": hostile.truncated(lambda: encoded(picture(200, 150), "GIF"), 0.6),
    "tiff-webp-compression": hostile.tiff_with_webp_compression,
    "text": lambda: b"written by another tool, not an image",
}


@pytest.mark.parametrize("damage", sorted(DAMAGED_ORIGINALS))
def test_a_stored_original_that_does_not_decode_is_a_422_that_says_so(
    client: httpx.Client, swift: Connection, server: RunningServer, unique: str, damage: str
) -> None:
    """Put in the data container by another tool: the upload check never saw it (SPEC §8)."""
    swift.put_object(server.data_container, f"{unique}/damaged", DAMAGED_ORIGINALS[damage]())
    for params in ({}, {"thumbnail": "true"}, {"kind": "png"}, {"xsize": "20", "kind": "webp"}):
        answer = client.get(f"/images/{unique}/damaged", params=params)
        assert (answer.status_code, answer.json()["error"]) == (422, "damaged_original"), params
        assert "stored original" in answer.json()["detail"]


def test_meta_of_a_stored_original_that_is_no_image_is_a_422(
    client: httpx.Client, swift: Connection, server: RunningServer, unique: str
) -> None:
    swift.put_object(server.data_container, f"{unique}/text", b"no image at all")
    answer = client.get(f"/images/{unique}/text", params={"meta": "true"})
    assert (answer.status_code, answer.json()["error"]) == (422, "damaged_original")
