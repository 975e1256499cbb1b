"""Edits (SPEC 14): parsed strictly, canonical, round-tripped, and absent from every key made
without them."""

from __future__ import annotations

import attrs
import pytest

from image_repo.domain.edit_parsing import parse_edits
from image_repo.domain.edits import NO_EDITS, Edits, Flip, Padding, Watermark, WatermarkPosition
from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.spec import Box, Spec

EVERY_EDIT = Edits(
    trim=10,
    rotate=90,
    flip=Flip.BOTH,
    grayscale=True,
    brightness=-20,
    contrast=15,
    saturation=100,
    blur=2.5,
    radius=12,
    pad=Padding(1, 2, 3, 4),
    background="ff0000",
    watermark=Watermark("logo", "abc123", WatermarkPosition.TILE, 0.25, 0.05),
    max_bytes=50_000,
)


def test_a_spec_without_edits_keeps_the_key_it_had() -> None:
    spec = Spec(kind=ImageFormat.PNG, box=Box(100, None))
    assert "edits" not in spec.canonical()
    key = DerivedImageKey(ImageName.parse("a/b"), "0123abcd", spec)
    assert (
        str(key) == "k2/0123abcd/s1;kind=png;box=100x-;thumb=0;q=85;sharpen=0;bg=ffffff;strip=1/a/b"
    )


@pytest.mark.parametrize("edits", [EVERY_EDIT, Edits(sharpen=0.3), Edits(trim=0), NO_EDITS])
def test_edits_round_trip_through_the_canonical_spec(edits: Edits) -> None:
    spec = Spec(kind=ImageFormat.WEBP, box=Box(80, 60), edits=edits)
    assert Spec.parse(spec.canonical()) == spec
    assert ";" not in edits.canonical() and "/" not in edits.canonical()


def test_modifiers_parse_into_edits() -> None:
    params = {
        "trim": "10",
        "rotate": "90",
        "flip": "hv",
        "grayscale": "yes",
        "brightness": "-20",
        "contrast": "15",
        "saturation": "100",
        "blur": "2.5",
        "radius": "12",
        "pad": "1,2,3,4",
        "background": "FF0000",
        "watermark": "logo",
        "watermark_position": "tile",
        "watermark_opacity": "0.25",
        "watermark_scale": "0.05",
        "max_bytes": "50000",
    }
    parsed = parse_edits(params, frozenset({"logo"}))
    unresolved = Watermark("logo", "", WatermarkPosition.TILE, 0.25, 0.05)
    assert parsed == attrs.evolve(EVERY_EDIT, watermark=unresolved)
    assert parse_edits({"pad": "8"}) == Edits(pad=Padding(8, 8, 8, 8))
    assert parse_edits({"pad": "0"}) == NO_EDITS
    assert parse_edits({}) is NO_EDITS


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"rotate": "45"}, "rotate must be 90, 180 or 270"),
        ({"flip": "x"}, "flip 'x' is not supported"),
        ({"blur": "0.1"}, "blur must be a number from 0.3 to 100"),
        ({"blur": "1e3"}, "blur must be a number"),
        ({"sharpen": "11"}, "sharpen must be a number from 0.3 to 10"),
        ({"brightness": "101"}, "brightness must be a whole number from -100 to 100"),
        ({"trim": "-1"}, "trim must be a whole number from 0 to 100"),
        ({"pad": "1,2,3"}, "pad must be T,R,B,L"),
        ({"pad": "2000"}, "at most 1000"),
        ({"background": "red"}, "background must be a colour RRGGBB"),
        ({"watermark": "logo"}, "unknown watermark 'logo'"),
        ({"watermark_opacity": "0.5"}, "need watermark=NAME"),
        ({"max_bytes": "10"}, "max_bytes must be at least 1024"),
        ({"blur": "2", "sharpen": "1"}, "cannot be combined"),
    ],
)
def test_out_of_range_is_a_400_saying_what_is_accepted(
    params: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        parse_edits(params)
