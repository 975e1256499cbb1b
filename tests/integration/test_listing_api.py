"""GET /images with prefix, delimiter, limit and marker (SPEC §11) over a few thousand objects
put straight into a container of this module's own, listed through the real server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from swiftclient.client import Connection

from image_repo.localswift import SwiftEndpoint
from tests.integration.conftest import ServerProcess

# 2,000 images in `big/` (every third one also as `<name>.jpg`, every tenth only as
# `<name>.png`), 40 folders of 3 in `big/`, and the `cat` family whose objects fall on either
# side of a page boundary (`cat-x` lies between `cat` and `cat.jpg` in byte order).
IMAGES = [f"big/img{i:05}" for i in range(2000)]
FOLDERS = [f"big/dir{d:02}/" for d in range(40)]
CATS = ["big/cat", "big/cat-x", "big/cat.jpg", "big/cat.png", "big/dog-1", "big/dog.jpg"]


def object_names() -> list[str]:
    names: list[str] = []
    for index, name in enumerate(IMAGES):
        if index % 10 == 0:
            names.append(f"{name}.png")
            continue
        names.append(name)
        if index % 3 == 0:
            names.append(f"{name}.jpg")
    names += [f"{folder}{k}" for folder in FOLDERS for k in range(3)]
    return [*names, *CATS]


def expected_folder() -> list[str]:
    """`big/` by delimiter, as served: Swift's byte order of the objects holding each entry."""
    return ["big/cat", "big/cat-x", *FOLDERS, "big/dog-1", "big/dog", *IMAGES]


@pytest.fixture(scope="module")
def base_url(
    tmp_path_factory: pytest.TempPathFactory, swift_endpoint: SwiftEndpoint
) -> Iterator[str]:
    suffix = uuid.uuid4().hex[:8]
    containers = (f"listing_{suffix}", f"listing_cache_{suffix}")
    swift = Connection(swift_endpoint.auth_url, swift_endpoint.user, swift_endpoint.key)
    swift.put_container(containers[0])
    swift.close()

    def put_some(names: list[str]) -> None:
        own = Connection(swift_endpoint.auth_url, swift_endpoint.user, swift_endpoint.key)
        for name in names:
            own.put_object(containers[0], name, b"x", content_type="image/jpeg")
        own.close()

    names = object_names()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put_some, [names[i::16] for i in range(16)]))
    root: Path = tmp_path_factory.mktemp("listing")
    with ServerProcess(root, swift_endpoint, containers) as server:
        yield server.base_url


def listed(base_url: str, **params: str | int) -> list[str]:
    response = httpx.get(f"{base_url}/images", params=params, timeout=60)
    assert response.status_code == 200, response.text
    result: list[str] = response.json()
    return result


def pages(base_url: str, limit: int, **params: str) -> tuple[list[str], int]:
    joined: list[str] = []
    marker, count = "", 0
    while page := listed(base_url, limit=limit, marker=marker, **params):
        assert len(page) <= limit
        joined += page
        count += 1
        marker = page[-1]
    return joined, count


def test_a_folder_by_delimiter_lists_each_entry_once_in_swift_order(base_url: str) -> None:
    assert listed(base_url, prefix="big/", delimiter="/") == expected_folder()
    assert listed(base_url, delimiter="/") == ["big/"]


def test_pages_join_to_the_whole_folder(base_url: str) -> None:
    joined, count = pages(base_url, 500, prefix="big/", delimiter="/")
    assert joined == expected_folder()
    assert count == 5


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_small_pages_never_repeat_a_name_held_by_an_extension_object(
    base_url: str, limit: int
) -> None:
    joined, _ = pages(base_url, limit, prefix="big/", regex="^big/(cat|dog)")
    assert joined == ["big/cat", "big/cat-x", "big/dog-1", "big/dog"]
    assert pages(base_url, limit, prefix="big/d", delimiter="/")[0][:3] == [
        "big/dir00/",
        "big/dir01/",
        "big/dir02/",
    ]


def test_regex_filters_before_limit_counts(base_url: str) -> None:
    page = listed(base_url, prefix="big/", regex="7$", limit=5)
    assert page == ["big/img00007", "big/img00017", "big/img00027", "big/img00037", "big/img00047"]
    after = listed(base_url, prefix="big/", regex="7$", limit=2, marker=page[-1])
    assert after == ["big/img00057", "big/img00067"]


def test_a_marker_inside_a_folder_and_a_folder_as_marker(base_url: str) -> None:
    assert listed(base_url, prefix="big/dir0", delimiter="/", marker="big/dir08/", limit=2) == [
        "big/dir09/"
    ]
    assert listed(base_url, prefix="big/dir05/", marker="big/dir05/0") == [
        "big/dir05/1",
        "big/dir05/2",
    ]


def test_the_last_page_of_a_big_folder_needs_no_full_scan(base_url: str) -> None:
    """A marker near the end answers as fast as one page: Swift starts there itself."""
    page = listed(base_url, prefix="big/", marker="big/img01997", limit=10)
    assert page == ["big/img01998", "big/img01999"]


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"delimiter": ","}, "delimiter must be '/'"),
        ({"limit": "0"}, "limit must be a whole number"),
        ({"offset": "3"}, "unknown parameter(s) offset"),
    ],
)
def test_bad_listing_parameters_are_400(base_url: str, params: dict[str, str], detail: str) -> None:
    response = httpx.get(f"{base_url}/images", params=params, timeout=10)
    assert response.status_code == 400
    assert detail in response.json()["detail"]
