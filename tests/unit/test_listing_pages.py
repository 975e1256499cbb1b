"""GET /images' listing parameters (SPEC §11) on the fake store: prefix, delimiter, limit and
marker over the listing as served, pages never repeating or losing an entry."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from image_repo.application.list_images import ListImages
from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.listing import ListingQuery
from image_repo.domain.request import parse_listing_query
from tests.fakes import InMemoryOriginalStore, InMemoryPatternCompiler


def listing(*object_names: str) -> ListImages:
    store = InMemoryOriginalStore()
    for name in object_names:
        store.objects[name] = name.encode()
    return ListImages(store, InMemoryPatternCompiler(), max_pattern_bytes=100)


def served(
    images: ListImages,
    pattern: str | None = None,
    *,
    prefix: str = "",
    delimiter: str | None = None,
    marker: str = "",
    limit: int | None = None,
) -> list[str]:
    query = ListingQuery(prefix, delimiter, marker, limit)
    return [str(e) for e in images.entries(query, pattern)]


def all_pages(
    images: ListImages,
    limit: int,
    pattern: str | None = None,
    *,
    prefix: str = "",
    delimiter: str | None = None,
) -> list[str]:
    pages: list[list[str]] = []
    marker = ""
    while page := served(
        images, pattern, prefix=prefix, delimiter=delimiter, marker=marker, limit=limit
    ):
        assert len(page) <= limit
        pages.append(page)
        marker = page[-1]
        if len(page) < limit:
            break
    return [entry for page in pages for entry in page]


def test_delimiter_shows_one_folder_level_each_folder_once() -> None:
    images = listing("a/x", "a/y/1", "a/y/2", "a/y.jpg", "a/z/deep/3", "b", "a.png")
    assert served(images, delimiter="/") == ["a", "a/", "b"]
    assert served(images, prefix="a/", delimiter="/") == ["a/x", "a/y", "a/y/", "a/z/"]
    assert served(images, prefix="a/y/", delimiter="/") == ["a/y/1", "a/y/2"]


def test_prefix_applies_to_the_names_as_served() -> None:
    images = listing("cat.jpg", "cat.jpeg2", "cats")
    assert served(images, prefix="cat.j") == ["cat.jpeg2"]
    assert served(images, prefix="cat") == ["cat.jpeg2", "cat", "cats"]


def test_limit_counts_what_the_regex_lets_through() -> None:
    images = listing(*(f"d/{i:03}" for i in range(50)))
    assert served(images, "7$", prefix="d/", limit=3) == ["d/007", "d/017", "d/027"]


def test_marker_resumes_after_an_image_held_by_an_extension_object() -> None:
    """`cat-x` lies between `cat` and `cat.jpg` in byte order."""
    images = listing("cat", "cat-x", "cat.jpg", "cat.png", "dog.jpg", "dog-1", "dog.png")
    assert served(images) == ["cat", "cat-x", "dog-1", "dog"]
    assert served(images, marker="cat") == ["cat-x", "dog-1", "dog"]
    assert served(images, marker="cat-x") == ["dog-1", "dog"]
    assert served(images, marker="dog-1") == ["dog"]
    assert served(images, marker="dog") == []


def test_marker_of_a_folder_skips_the_folder() -> None:
    images = listing("a/1", "a/2", "a-b", "a.jpg", "b/3", "c")
    assert served(images, delimiter="/") == ["a-b", "a", "a/", "b/", "c"]
    assert served(images, delimiter="/", marker="a/") == ["b/", "c"]
    assert served(images, delimiter="/", marker="a-b") == ["a", "a/", "b/", "c"]


def test_a_marker_no_longer_listed_resumes_where_it_stood() -> None:
    images = listing("a", "c")
    assert served(images, marker="b") == ["c"]


def test_a_thousand_names_page_by_page() -> None:
    names = [f"p/{i:04}" for i in range(1000)] + [f"p/{i:04}.jpg" for i in range(0, 1000, 3)]
    images = listing(*names)
    expected = [f"p/{i:04}" for i in range(1000)]
    assert all_pages(images, 97, prefix="p/", delimiter="/") == expected


NAMES = st.sampled_from(
    ["cat", "cat.jpg", "cat.png", "cat-x", "cat-x.gif", "cat/a", "cat/b.jpg", "cat.d/e",
     "cat0", "ca", "ca.tif", "c t", "c t.jpg", "b", "b/c/d", "b.JPG"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.sets(NAMES), st.integers(1, 5), st.booleans())
def test_pages_join_to_the_whole_listing(objects: set[str], limit: int, folders: bool) -> None:
    images = listing(*objects)
    delimiter = "/" if folders else None
    whole = served(images, delimiter=delimiter)
    assert len(whole) == len(set(whole))
    assert all_pages(images, limit, delimiter=delimiter) == whole
    assert all_pages(images, limit, "a", delimiter=delimiter) == served(
        images, "a", delimiter=delimiter
    )


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ({"delimiter": "-"}, "delimiter must be '/'"),
        ({"limit": "0"}, "limit must be a whole number from 1 to 10000"),
        ({"limit": "10001"}, "limit must be a whole number"),
        ({"prefix": "x" * 1025}, "prefix is longer than 1024 bytes"),
        ({"start": "a"}, "unknown parameter(s) start"),
    ],
)
def test_bad_listing_parameters_are_refused(query: dict[str, str], detail: str) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        parse_listing_query(query)
    assert detail in raised.value.detail


def test_listing_parameters_parse() -> None:
    query = parse_listing_query({"prefix": "a/", "delimiter": "/", "limit": "20", "marker": "a/b"})
    assert query == ListingQuery(prefix="a/", delimiter="/", marker="a/b", limit=20)
