"""The HTTP API end to end: real uvicorn, real Swift, real Pillow (SPEC §2, §3)."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
from pathlib import Path

import httpx
import pytest
from PIL import Image
from swiftclient.client import Connection

from image_repo.localswift import SwiftEndpoint
from tests.images import encoded, jpeg_with_gps, picture
from tests.integration.conftest import RunningServer, ServerProcess

pytestmark = pytest.mark.integration


# Image layout tags of a baseline TIFF: width, height, bits, compression, photometric, strips,
# samples, rows per strip, strip sizes, planar config, resolution, predictor, sample format...
TIFF_STRUCTURE = {256, 257, 258, 259, 262, 273, 277, 278, 279, 282, 283, 284, 296, 317, 338, 339}


def assert_no_metadata(data: bytes) -> None:
    """Parse the served bytes: no EXIF (hence no GPS), no XMP, no comment, no ICC profile."""
    image = Image.open(io.BytesIO(data))
    tags = set(image.getexif())
    if image.format == "TIFF":
        tags -= TIFF_STRUCTURE  # a TIFF's own layout tags live in the same IFD as EXIF would
    assert not tags, dict(image.getexif())
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile", "photoshop"):
        assert key not in image.info
    for marker in (b"Exif\x00\x00", b"xmpmeta", b"http://ns.adobe.com/xap", b"secret"):
        assert marker not in data


def test_upload_stores_the_original_byte_for_byte(
    client: httpx.Client, swift: Connection, server: RunningServer, unique: str
) -> None:
    original = jpeg_with_gps(640, 480)
    response = client.put(f"/images/{unique}/beach.jpg", content=original)
    assert response.status_code == 201, response.text
    assert response.json() == {
        "name": f"{unique}/beach",
        "format": "jpeg",
        "width": 640,
        "height": 480,
        "bytes": len(original),
        "etag": hashlib.md5(original).hexdigest(),
    }
    headers, stored = swift.get_object(server.data_container, f"{unique}/beach")
    assert stored == original
    # the media type, and SPEC 15's looks for these bytes as its parameters
    media_type, looks = headers["content-type"].split(";", 1)
    assert media_type == "image/jpeg"
    assert looks.startswith(f"for={hashlib.md5(original).hexdigest()[:12]};wh=640x480;")
    assert headers["x-object-meta-format"] == "jpeg"
    assert (headers["x-object-meta-width"], headers["x-object-meta-height"]) == ("640", "480")
    assert headers["x-object-meta-bytes"] == str(len(original))


def test_get_serves_jpeg_without_any_metadata(client: httpx.Client, unique: str) -> None:
    client.put(f"/images/{unique}/gps.jpg", content=jpeg_with_gps()).raise_for_status()
    response = client.get(f"/images/{unique}/gps")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-cache"] == "derived"
    assert Image.open(io.BytesIO(response.content)).format == "JPEG"
    assert_no_metadata(response.content)


def test_get_applies_exif_orientation(client: httpx.Client, unique: str) -> None:
    client.put(f"/images/{unique}/rotated", content=jpeg_with_gps(640, 480, orientation=6))
    response = client.get(f"/images/{unique}/rotated")
    assert Image.open(io.BytesIO(response.content)).size == (480, 640)


def test_extension_on_the_path_picks_the_format_and_sizes_fit(
    client: httpx.Client, unique: str
) -> None:
    client.put(f"/images/{unique}/pic.png", content=encoded(picture(400, 200), "PNG"))
    response = client.get(f"/images/{unique}/pic.png", params={"xsize": "100"})
    assert response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (100, 50)
    assert 'filename="pic.png"' in response.headers["content-disposition"]


def test_head_gives_headers_only(client: httpx.Client, unique: str) -> None:
    client.put(f"/images/{unique}/h.jpg", content=jpeg_with_gps())
    got = client.get(f"/images/{unique}/h")
    head = client.head(f"/images/{unique}/h")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers["etag"] == got.headers["etag"]


def test_if_none_match_gives_304(client: httpx.Client, unique: str) -> None:
    client.put(f"/images/{unique}/e.jpg", content=jpeg_with_gps())
    etag = client.get(f"/images/{unique}/e").headers["etag"]
    assert client.get(f"/images/{unique}/e", headers={"If-None-Match": etag}).status_code == 304


def requests_counted(client: httpx.Client, status: int) -> float:
    label = f'method="GET",route="/images/{{name}}",status="{status}"'
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("image_repo_http_requests_total{") and label in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_memory_hit_answers_exactly_as_the_full_route(client: httpx.Client, unique: str) -> None:
    """Memory hits are answered in front of the router (memory_hits.py): same bytes, same
    headers, same validation, and still counted."""
    client.put(f"/images/{unique}/m.jpg", content=jpeg_with_gps(300, 200))
    path, params = f"/images/{unique}/m", {"xsize": "100", "kind": "png"}
    counted = requests_counted(client, 200)
    made, hit = client.get(path, params=params), client.get(path, params=params)
    assert (made.headers["x-cache"], hit.headers["x-cache"]) == ("derived", "memory")
    assert hit.content == made.content
    varying = {"x-cache", "date", "server"}
    assert {k: v for k, v in hit.headers.items() if k not in varying} == {
        k: v for k, v in made.headers.items() if k not in varying
    }
    assert requests_counted(client, 200) == counted + 2

    head = client.head(path, params=params)
    assert head.headers["x-cache"] == "memory" and head.content == b""
    assert head.headers["content-length"] == str(len(made.content))

    box = {"xsize": "90", "kind": "png"}
    validated = [client.get(path, params=box, headers={"If-None-Match": "*"}) for _ in range(2)]
    assert [r.status_code for r in validated] == [304, 304]
    assert [r.headers["x-cache"] for r in validated] == ["derived", "memory"]
    assert validated[0].headers.keys() - varying == validated[1].headers.keys() - varying
    assert "content-type" not in validated[1].headers and validated[1].content == b""

    assert client.get(path, params={**params, "colour": "red"}).status_code == 400
    assert client.get(path, params={**params, "meta": "true"}).json()["width"] == 300


def test_list_with_and_without_regex(client: httpx.Client, unique: str) -> None:
    for name in ("cats/tom.jpg", "cats/felix.png", "dogs/rex.gif"):
        body = jpeg_with_gps(32, 32)
        client.put(f"/images/{unique}/{name}", content=body).raise_for_status()
    everything = client.get("/images").json()
    assert {f"{unique}/cats/tom", f"{unique}/cats/felix", f"{unique}/dogs/rex"} <= set(everything)
    assert len(everything) == len(set(everything))
    cats = client.get("/images", params={"regex": f"^{unique}/cats/"}).json()
    assert cats == [f"{unique}/cats/felix", f"{unique}/cats/tom"]
    assert client.get("/images", params={"regex": f"{unique}.*x$"}).json() == [
        f"{unique}/cats/felix",
        f"{unique}/dogs/rex",
    ]


def test_regex_outside_re2_is_a_400_that_says_why(client: httpx.Client) -> None:
    response = client.get("/images", params={"regex": r"(a)\1"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_regex"
    assert "RE2" in response.json()["detail"]


def test_objects_named_with_an_extension_are_listed_served_and_replaced(
    client: httpx.Client, swift: Connection, server: RunningServer, unique: str
) -> None:
    swift.put_object(server.data_container, f"{unique}/old.jpg", jpeg_with_gps(50, 40))
    assert client.get("/images", params={"regex": f"^{unique}/"}).json() == [f"{unique}/old"]
    assert client.get(f"/images/{unique}/old").status_code == 200
    client.put(f"/images/{unique}/old", content=jpeg_with_gps(20, 10)).raise_for_status()
    names = [o["name"] for o in swift.get_container(server.data_container, prefix=unique)[1]]
    assert names == [f"{unique}/old"]


def test_delete_removes_the_image(
    client: httpx.Client, swift: Connection, server: RunningServer, unique: str
) -> None:
    client.put(f"/images/{unique}/gone.jpg", content=jpeg_with_gps()).raise_for_status()
    assert client.delete(f"/images/{unique}/gone").status_code == 204
    assert client.get(f"/images/{unique}/gone").status_code == 404
    assert client.delete(f"/images/{unique}/gone").status_code == 404
    assert swift.get_container(server.data_container, prefix=f"{unique}/gone")[1] == []


def test_if_none_match_star_refuses_to_overwrite(client: httpx.Client, unique: str) -> None:
    first = jpeg_with_gps(30, 30)
    client.put(f"/images/{unique}/once", content=first).raise_for_status()
    second = client.put(
        f"/images/{unique}/once", content=jpeg_with_gps(40, 40), headers={"If-None-Match": "*"}
    )
    assert second.status_code == 412
    assert client.get(f"/images/{unique}/once").headers["content-length"]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"", 400, "empty_upload"),
        (b"<html><body>hello</body></html>", 415, "unsupported_media_type"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", 415, "unsupported_media_type"),
    ],
)
def test_bad_uploads_are_4xx_and_store_nothing(
    client: httpx.Client, unique: str, body: bytes, status: int, error: str
) -> None:
    response = client.put(f"/images/{unique}/bad.jpg", content=body)
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert client.get(f"/images/{unique}/bad").status_code == 404


def test_truncated_jpeg_is_a_400(client: httpx.Client, unique: str) -> None:
    data = jpeg_with_gps(400, 300)
    response = client.put(f"/images/{unique}/cut.jpg", content=data[: len(data) // 2])
    assert (response.status_code, response.json()["error"]) == (400, "corrupt_image")


@pytest.mark.parametrize(
    "path", ["%FF", "a%0Ab", "a%00b", "a/%2E%2E/b", "a%5Cb", "a//b", "%2E%2E", "a%C0%AF"]
)
def test_bad_names_are_400(client: httpx.Client, path: str) -> None:
    response = client.get(f"/images/{path}")
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_name"


def test_a_literal_dot_dot_segment_is_400(server: RunningServer) -> None:
    """Sent raw (HTTP clients would normalise it away before it left)."""
    host, port = server.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/images/a/../../etc/passwd")
    response = connection.getresponse()
    assert response.status == 400
    assert json.loads(response.read())["error"] == "invalid_name"
    connection.close()


def test_unknown_parameters_and_bad_sizes_are_400(client: httpx.Client, unique: str) -> None:
    client.put(f"/images/{unique}/p.jpg", content=jpeg_with_gps(20, 20))
    for params in ({"colour": "red"}, {"xsize": "0"}, {"kind": "svg"}, {"thumbnail": "perhaps"}):
        response = client.get(f"/images/{unique}/p", params=params)
        assert response.status_code == 400, (params, response.text)
        assert json.loads(response.content)["detail"]


def test_missing_image_is_a_json_404(client: httpx.Client, unique: str) -> None:
    response = client.get(f"/images/{unique}/nothing")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_readiness_reports_swift_reachable(client: httpx.Client) -> None:
    assert client.get("/readyz").json() == {
        "status": "ready",
        "checks": {"swift": "ok", "disk_cache": "ok", "url_key": "ok"},
    }


def test_one_json_access_line_per_request(
    tmp_path: Path, swift_endpoint: SwiftEndpoint, containers: tuple[str, str], unique: str
) -> None:
    """Access lines leave through the log writer thread, memory hits included, and are all
    written by the time the server has stopped."""
    logging = {"log_level": "info", "log_json": True}
    with ServerProcess(tmp_path, swift_endpoint, containers, server=logging) as one:
        path = f"/images/{unique}/logged"
        httpx.put(one.base_url + path, content=jpeg_with_gps(60, 40)).raise_for_status()
        made = httpx.get(one.base_url + path, params={"xsize": "30"})
        httpx.get(one.base_url + path, params={"xsize": "30"})  # a memory hit
        httpx.get(one.base_url + f"/images/{unique}/missing")
    lines = [json.loads(line) for line in one.log_path.read_text().splitlines() if line[:1] == "{"]
    access = [
        entry
        for entry in lines
        if entry["logger"] == "image_repo.access" and entry["path"] != "/healthz"  # start-up
    ]
    assert [(e["method"], e["path"], e["status"]) for e in access] == [
        ("PUT", path, 201),
        ("GET", path, 200),
        ("GET", path, 200),
        ("GET", f"/images/{unique}/missing", 404),
    ]
    assert access[1]["bytes"] == len(made.content) and access[1]["duration_ms"] > 0


def test_every_response_says_nosniff(client: httpx.Client, unique: str) -> None:
    """Upload, derived, memory hit, 304, zip, listing, errors and the service routes (SPEC §8)."""
    uploads = [
        client.put(f"/images/{unique}/n/{i}.jpg", content=jpeg_with_gps(64, 48)) for i in "ab"
    ]
    made = client.get(f"/images/{unique}/n/a", params={"xsize": "20"})
    hit = client.get(f"/images/{unique}/n/a", params={"xsize": "20"})
    assert (made.headers["x-cache"], hit.headers["x-cache"]) == ("derived", "memory")
    not_modified = client.get(
        f"/images/{unique}/n/a", params={"xsize": "20"}, headers={"If-None-Match": "*"}
    )
    archive = client.get(f"/images/{unique}/n", params={"regex": "."})
    assert archive.headers["content-type"] == "application/zip"
    responses = [
        *uploads,
        made,
        hit,
        client.head(f"/images/{unique}/n/a", params={"xsize": "20"}),
        not_modified,
        archive,
        client.get("/images", params={"regex": f"^{unique}/"}),
        client.get(f"/images/{unique}/absent"),
        client.get(f"/images/{unique}/n/a", params={"xsize": "0"}),
        client.get("/nowhere"),
        client.patch("/images/x"),
        client.get("/healthz"),
        client.get("/metrics"),
        client.get("/openapi.json"),
    ]
    assert [r.status_code for r in responses] == [
        201, 201, 200, 200, 200, 304, 200, 200, 404, 400, 404, 405, 200, 200, 200
    ]  # fmt: skip
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff", response.request.url
