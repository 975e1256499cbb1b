"""A zip answer's headers through the real server: a download, and a HEAD that claims no
length it cannot know (the archive is streamed)."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest

from tests.images import jpeg_with_gps

pytestmark = pytest.mark.integration


def upload_two(client: httpx.Client, folder: str) -> None:
    for name in ("a", "b"):
        answer = client.put(f"/images/{folder}/{name}.jpg", content=jpeg_with_gps(40, 30))
        assert answer.status_code == 201


def test_a_zip_is_an_attachment_named_after_its_folder(client: httpx.Client, unique: str) -> None:
    upload_two(client, f"{unique}/trip")
    answer = client.get(f"/images/{unique}/trip", params={"regex": "."})
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="trip.zip"'
    assert len(zipfile.ZipFile(io.BytesIO(answer.content)).namelist()) == 2


def test_a_non_ascii_folder_names_the_zip_with_filename_star(
    client: httpx.Client, unique: str
) -> None:
    upload_two(client, f"{unique}/café")
    answer = client.get(f"/images/{unique}/café", params={"regex": "."})
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="caf_.zip"')
    assert "filename*=UTF-8''caf%C3%A9.zip" in disposition


def test_head_of_a_zip_sends_no_content_length(client: httpx.Client, unique: str) -> None:
    upload_two(client, f"{unique}/trip")
    head = client.head(f"/images/{unique}/trip", params={"regex": ".", "zip": "true"})
    assert head.status_code == 200
    assert head.headers["content-type"] == "application/zip"
    assert "content-length" not in head.headers
    assert head.headers["content-disposition"] == 'attachment; filename="trip.zip"'
    after = client.get("/healthz")  # the connection is still usable: no body was expected
    assert after.status_code == 200
