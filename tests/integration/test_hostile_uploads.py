"""Hostile input over HTTP: every answer a 4xx (or a correct 2xx), never a 5xx or a hang."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.hostile import CORPUS
from tests.integration.test_api import assert_no_metadata

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_hostile_upload_is_refused_or_served_correctly(
    client: httpx.Client, unique: str, case: str
) -> None:
    make, acceptable = CORPUS[case]
    answer = client.put(f"/images/{unique}/{case}.jpg", content=make(), timeout=30)
    assert answer.status_code in acceptable, (answer.status_code, answer.text)
    assert answer.headers["content-type"] == "application/json"
    served = client.get(f"/images/{unique}/{case}", params={"xsize": "64"}, timeout=30)
    if answer.status_code == 201:
        assert served.status_code == 200, served.text
        image = Image.open(io.BytesIO(served.content))
        image.load()
        assert_no_metadata(served.content)
    else:
        assert served.status_code == 404
