"""Presets (SPEC §8): named modifier sets, checked at start, overridable, or the only way."""

from __future__ import annotations

from pathlib import Path

import pytest

from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.request import ImageRequest, Presets, parse_image_request
from image_repo.domain.spec import OUTPUT_FORMATS
from image_repo.settings import ConfigError, load_config

AVAILABLE = frozenset(OUTPUT_FORMATS)
RAW = {"thumb": "thumbnail=true&kind=webp", "wide": "xsize=800"}


def presets(*, only: bool = False) -> Presets:
    return Presets.parse(RAW, is_exclusive=only, max_dimension=10000, available=AVAILABLE)


def parse(params: dict[str, str], *, only: bool = False) -> ImageRequest:
    return parse_image_request(
        params, max_dimension=10000, available=AVAILABLE, presets=presets(only=only)
    )


def test_a_preset_applies_its_modifiers() -> None:
    assert parse({"preset": "thumb"}) == ImageRequest(kind=ImageFormat.WEBP, is_thumbnail=True)


def test_a_modifier_given_beside_the_preset_wins() -> None:
    wanted = parse({"preset": "thumb", "kind": "png", "xsize": "80"})
    assert wanted == ImageRequest(kind=ImageFormat.PNG, xsize=80, is_thumbnail=True)


def test_an_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(InvalidParameterError, match="unknown preset 'big'; presets: thumb, wide"):
        parse({"preset": "big"})


def test_a_preset_without_presets_configured_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match=r"presets: \(none configured\)"):
        parse_image_request({"preset": "thumb"}, max_dimension=10000, available=AVAILABLE)


@pytest.mark.parametrize("modifier", ["kind", "xsize", "ysize", "thumbnail"])
def test_only_presets_refuses_every_modifier(modifier: str) -> None:
    value = "png" if modifier == "kind" else "1"
    with pytest.raises(InvalidParameterError, match=f"only presets .* not {modifier}"):
        parse({"preset": "thumb", modifier: value}, only=True)


def test_only_presets_allows_preset_meta_url_zip_regex_and_sig() -> None:
    assert parse({"preset": "wide", "regex": "a", "zip": "1", "sig": "x"}, only=True).xsize == 800
    assert parse({"meta": "true"}, only=True).wants_meta
    assert parse({"url": "true"}, only=True).wants_url


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"x": "xsize=0"}, "preset 'x': xsize must be"),
        ({"x": "kind=svg"}, "preset 'x': kind 'svg' is not supported"),
        ({"x": "meta=true"}, "preset 'x': unknown parameter"),
        ({"x": "preset=y"}, "preset 'x': unknown parameter"),
        ({"x": "xsize=1&xsize=2"}, "given more than once"),
        ({"a b": "xsize=1"}, "preset 'a b': a name is"),
    ],
)
def test_invalid_presets_are_refused_naming_the_preset(raw: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        Presets.parse(raw, max_dimension=10000, available=AVAILABLE)


def test_an_invalid_preset_in_the_file_stops_with_the_options_path(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("images:\n  max_dimension: 500\n  presets:\n    big: xsize=600\n")
    with pytest.raises(ConfigError, match=r"images\.presets: .*preset 'big': xsize must be"):
        load_config(path)
    path.write_text("images:\n  presets: [thumb]\n")
    with pytest.raises(ConfigError, match=r"images\.presets: expected a mapping"):
        load_config(path)
