"""Odd requests are 400s with a short JSON detail, in the memory-hit path as in the full route."""

from __future__ import annotations

import httpx
import pytest

from tests.images import jpeg_with_gps

pytestmark = pytest.mark.integration


def test_a_size_of_thousands_of_digits_is_a_400_even_for_a_cached_image(
    client: httpx.Client, unique: str
) -> None:
    path = f"/images/{unique}/digits"
    client.put(path, content=jpeg_with_gps(80, 60)).raise_for_status()
    assert client.get(path, params={"xsize": "40"}).status_code == 200  # now in memory
    for _ in range(2):  # the memory-hit path parses first: both times the same 400
        answer = client.get(path, params={"xsize": "9" * 4301})
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_parameter"
        assert len(answer.text) < 300


@pytest.mark.parametrize("raw", ["gpj%E2%80%AE.exe", "line%E2%80%A8break", "a%E2%81%A6b"])
def test_names_with_bidi_controls_or_line_separators_are_refused(
    client: httpx.Client, unique: str, raw: str
) -> None:
    answer = client.put(f"/images/{unique}/{raw}", content=jpeg_with_gps(8, 8))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_name"
    assert client.get(f"/images/{unique}/{raw}").status_code == 400
