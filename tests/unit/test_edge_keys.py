"""Surrogate keys (SPEC 13): what an answer is filed under and what a write purges."""

from __future__ import annotations

import pytest

from image_repo.domain.edge_keys import (
    MAX_FOLDER_KEYS,
    MAX_KEY_BYTES,
    MAX_KEYS_BYTES,
    image_keys,
    listing_key,
    purge_keys,
    selection_keys,
)
from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName
from image_repo.domain.pins import pin_of, pinned_path, version_path
from image_repo.domain.request import parse_image_request


def test_an_image_is_filed_under_its_name_and_every_folder_above_it() -> None:
    assert image_keys(ImageName.parse("a/b c/d,e")) == ("a/b%20c/d%2Ce", "a/", "a/b%20c/")
    assert image_keys(ImageName.parse("top")) == ("top",)


def test_no_key_holds_a_space_a_comma_or_a_non_ascii_character() -> None:
    for key in image_keys(ImageName.parse("été/photo 1,2/x")):
        assert key.isascii()
        assert " " not in key
        assert "," not in key


def test_a_write_purges_the_name_and_the_listings_above_it_never_the_folders() -> None:
    keys = purge_keys(ImageName.parse("a/b/c"))
    assert keys == ("a/b/c", "list:a/b/", "list:a/", "list:")
    assert "a/" not in keys and "a/b/" not in keys


def test_no_name_can_make_a_listing_key() -> None:
    assert not image_keys(ImageName.parse("list:x"))[0].startswith("list:")
    assert listing_key("") == "list:"


def test_a_selection_holds_its_listing_key_and_its_names_while_they_fit() -> None:
    names = [ImageName.parse(f"a/{index}") for index in range(3)]
    assert selection_keys("a/", names) == ("list:a/", "a/0", "a/1", "a/2")
    many = [ImageName.parse(f"a/{'x' * 80}{index}") for index in range(MAX_KEYS_BYTES // 80)]
    assert selection_keys("a/", many) is None


def test_versioned_paths_name_the_version_and_quote_the_name() -> None:
    name = ImageName.parse("a b/c")
    assert pin_of("0123456789ABCDEF0123456789abcdef") == "0123456789ab"
    assert pinned_path(name, "0123456789abcdef") == "/images/a%20b/c?v=0123456789ab"
    assert version_path(name, "1733305200.12345") == "/images/a%20b/c?version=1733305200.12345"


def test_v_and_version_are_parsed_strictly() -> None:
    def parse(**params: str) -> object:
        return parse_image_request(
            params, max_dimension=100, available=frozenset({ImageFormat.JPEG})
        )

    assert parse(v="0123456789AB") == parse(v="0123456789ab")
    for bad in ("0123", "0123456789abc", "0123456789ag", ""):
        with pytest.raises(InvalidParameterError, match="v must be"):
            parse(v=bad)
    with pytest.raises(InvalidParameterError, match="give one"):
        parse(v="0123456789ab", version="1733305200.12345")
    with pytest.raises(InvalidParameterError, match="versions=true"):
        parse(versions="true", meta="true")
    with pytest.raises(InvalidParameterError, match="version must be"):
        parse(version="../x")


def test_keys_stay_short_whatever_the_name() -> None:
    long_name = ImageName.parse("/".join(["é" * 40] * 12))
    keys = image_keys(long_name)
    assert len(keys) == 1 + MAX_FOLDER_KEYS
    assert all(len(key) <= MAX_KEY_BYTES for key in keys)
    assert keys[0].startswith("h:") and keys[0] == purge_keys(long_name)[0]
    # a write still purges the listing of every folder above the name
    assert len(purge_keys(long_name)) == 1 + 12
