"""ImageName's rules (SPEC §2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from image_repo.domain.errors import InvalidNameError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.listing import unique_images
from image_repo.domain.names import ImageName
from image_repo.domain.records import ListedObject


@pytest.mark.parametrize(
    ("raw", "name", "image_format"),
    [
        ("cats/tom.png", "cats/tom", ImageFormat.PNG),
        ("cats/tom", "cats/tom", None),
        ("cats/tom.JPEG", "cats/tom", ImageFormat.JPEG),
        ("v1.2/cat.jpg", "v1.2/cat", ImageFormat.JPEG),
        ("v1.2/cat", "v1.2/cat", None),
        ("photo.heic", "photo", ImageFormat.HEIF),
        ("archive.tar", "archive.tar", None),
        ("café/ünïcode", "café/ünïcode", None),
    ],
)
def test_format_extension_is_not_part_of_the_name(
    raw: str, name: str, image_format: ImageFormat | None
) -> None:
    assert ImageName.parse_with_format(raw) == (ImageName(name), image_format)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("", "empty"),
        ("a" * 1001, "longer than 1000"),
        ("é" * 501, "longer than 1000"),
        ("a/../b", "'..' segment"),
        ("./a", "'.' segment"),
        ("/abs", "empty segment"),
        ("a//b", "empty segment"),
        ("a/", "empty segment"),
        ("a\x00b", "control character"),
        ("a\nb", "control character"),
        ("a\x7fb", "control character"),
        ("a\x85b", "control character"),
        ("a\\b", "backslash"),
        (".png", "empty"),
        ("a/.jpg", "empty segment"),
        ("cat.jpg.png", "two format extensions"),
    ],
)
def test_invalid_names_say_which_rule_failed(raw: str, rule: str) -> None:
    with pytest.raises(InvalidNameError, match=rule):
        ImageName.parse(raw)


def test_a_name_of_exactly_1000_bytes_is_valid() -> None:
    assert len(ImageName.parse("a" * 1000).value) == 1000


def test_constructor_refuses_a_name_with_an_extension() -> None:
    with pytest.raises(InvalidNameError):
        ImageName("cat.jpg")


@given(st.text(min_size=1, max_size=60))
def test_parse_either_refuses_or_gives_a_name_that_round_trips(raw: str) -> None:
    try:
        name = ImageName.parse(raw)
    except InvalidNameError:
        return
    assert ImageName.parse(str(name)) == name
    assert ".." not in name.value.split("/")
    assert "\\" not in name.value
    assert all(ord(c) >= 0x20 for c in name.value)


def test_listing_drops_extensions_and_gives_each_name_once() -> None:
    objects = ["cat", "cat-x", "cat.jpg", "cat.png", "cat/kit.gif", "cat/kit.jpg", "dog.tar", "z"]
    names = [str(i.name) for i in unique_images(listed(objects))]
    assert names == ["cat", "cat-x", "cat/kit", "dog.tar", "z"]


def test_listing_keeps_the_etag_of_the_object_that_wins() -> None:
    objects = [ListedObject("cat", "e1"), ListedObject("cat.jpg", "e2")]
    assert [(str(i.name), i.etag) for i in unique_images(objects)] == [("cat", "e1")]
    only_extension = [ListedObject("dog.jpg", "e3"), ListedObject("dog.png", "e4")]
    assert [(str(i.name), i.etag) for i in unique_images(only_extension)] == [("dog", "e3")]


def listed(object_names: list[str]) -> list[ListedObject]:
    return [ListedObject(n, f"etag-{n}") for n in object_names]


def test_listing_skips_objects_no_name_can_address() -> None:
    assert [str(i.name) for i in unique_images(listed(["a//b", "ok", "x.jpg.png"]))] == ["ok"]


@given(st.lists(st.sampled_from(["a", "a.jpg", "a.png", "a-b", "a/b", "a/b.gif", "ab", "b.tif"])))
def test_listing_is_unique_for_any_sorted_listing(objects: list[str]) -> None:
    ordered = sorted(set(objects), key=str.encode)
    names = [str(i.name) for i in unique_images(listed(ordered))]
    assert len(names) == len(set(names))
    expected = {ImageName.parse(o).value for o in ordered}
    assert set(names) == expected


segments = st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=12)


@given(st.lists(segments, min_size=1, max_size=6))
def test_any_name_with_a_dot_dot_segment_is_refused(parts: list[str]) -> None:
    raw = "/".join([*parts, ".."])
    with pytest.raises(InvalidNameError):
        ImageName.parse(raw)


@given(
    segments, st.sampled_from(["\x00", "\n", "\r", "\t", "\x1b", "\x7f", "\x9b", "\\"]), segments
)
def test_control_characters_and_backslashes_are_refused_anywhere(
    before: str, bad: str, after: str
) -> None:
    with pytest.raises(InvalidNameError):
        ImageName.parse(before + bad + after)


@given(segments)
def test_absolute_paths_are_refused(rest: str) -> None:
    with pytest.raises(InvalidNameError):
        ImageName.parse("/" + rest)


@given(st.integers(min_value=1001, max_value=5000))
def test_overlong_names_are_refused(length: int) -> None:
    with pytest.raises(InvalidNameError, match="longer than 1000"):
        ImageName.parse("x" * length)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("photos/gpj\u202e.exe", "bidirectional"),
        ("a\u2066b", "bidirectional"),
        ("a\u200fb", "bidirectional"),
        ("line\u2028break", "line or paragraph separator"),
        ("para\u2029graph", "line or paragraph separator"),
    ],
)
def test_names_that_display_as_other_names_are_refused(raw: str, rule: str) -> None:
    with pytest.raises(InvalidNameError, match=rule):
        ImageName.parse(raw)
