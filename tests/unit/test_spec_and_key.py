"""Spec and DerivedImageKey canonical forms: one string per value, and back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from image_repo.domain.derivation import DerivationDefaults, spec_for
from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.request import ImageRequest, parse_image_request
from image_repo.domain.spec import OUTPUT_FORMATS, Box, Spec

sides = st.none() | st.integers(min_value=1, max_value=10_000)
specs = st.builds(
    Spec,
    kind=st.sampled_from(OUTPUT_FORMATS),
    box=st.none() | st.builds(Box, width=st.integers(1, 10_000), height=sides),
    is_thumbnail=st.booleans(),
    quality=st.integers(1, 100),
    sharpen=st.sampled_from([0.0, 0.5, 1.25]),
    background=st.sampled_from(["ffffff", "000000", "12ab9f"]),
    strip_metadata=st.booleans(),
)


@given(specs)
def test_spec_canonical_form_round_trips(spec: Spec) -> None:
    assert Spec.parse(spec.canonical()) == spec


def test_spec_canonical_form_is_fixed() -> None:
    spec = Spec(kind=ImageFormat.WEBP, box=Box(800, None), quality=80)
    assert spec.canonical() == "s1;kind=webp;box=800x-;thumb=0;q=80;sharpen=0;bg=ffffff;strip=1"


@given(specs, st.sampled_from(["cat", "a/b/c", "v1.2/ü x"]))
def test_key_round_trips_and_digest_is_stable(spec: Spec, name: str) -> None:
    key = DerivedImageKey(ImageName.parse(name), "d41d8cd98f00b204e9800998ecf8427e", spec)
    assert DerivedImageKey.parse(str(key)) == key
    assert key.digest() == DerivedImageKey.parse(str(key)).digest()
    assert len(key.digest()) == 64


def test_a_changed_original_changes_the_key() -> None:
    name, spec = ImageName.parse("cat"), Spec()
    assert (
        DerivedImageKey(name, "aaaa", spec).digest() != DerivedImageKey(name, "bbbb", spec).digest()
    )


@pytest.mark.parametrize(
    ("box", "size", "fitted"),
    [
        (Box(100, 100), (400, 200), (100, 50)),
        (Box(100, None), (400, 200), (100, 50)),
        (Box(None, 50), (400, 200), (100, 50)),
        (Box(1000, 1000), (400, 200), (400, 200)),
        (Box(1, 1), (1000, 10), (1, 1)),
    ],
)
def test_box_fits_keeping_aspect_and_never_enlarges(
    box: Box, size: tuple[int, int], fitted: tuple[int, int]
) -> None:
    assert box.fit(*size) == fitted


def test_thumbnail_uses_configured_box_with_overrides() -> None:
    defaults = DerivationDefaults()
    thumb = spec_for(ImageRequest(is_thumbnail=True, xsize=80), None, defaults)
    assert thumb.box == Box(80, 50)
    assert thumb.is_thumbnail and thumb.sharpen == defaults.thumbnail_sharpen


def test_kind_beats_extension_beats_default() -> None:
    defaults = DerivationDefaults()
    assert (
        spec_for(ImageRequest(kind=ImageFormat.PNG), ImageFormat.GIF, defaults).kind
        is ImageFormat.PNG
    )
    assert spec_for(ImageRequest(), ImageFormat.GIF, defaults).kind is ImageFormat.GIF
    assert spec_for(ImageRequest(), ImageFormat.HEIF, defaults).kind is ImageFormat.JPEG
    assert spec_for(ImageRequest(), None, defaults).kind is ImageFormat.JPEG


AVAILABLE = frozenset(OUTPUT_FORMATS)


def test_request_parsing_accepts_booleans_in_any_case() -> None:
    request = parse_image_request(
        {"thumbnail": "True", "zip": "YES", "kind": "JPG"}, max_dimension=10, available=AVAILABLE
    )
    assert request.is_thumbnail and request.force_zip and request.kind is ImageFormat.JPEG


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"xsize": "0"}, "xsize must be a whole number from 1 to 10000"),
        ({"xsize": "-5"}, "xsize"),
        ({"ysize": "10001"}, "ysize"),
        ({"ysize": "1.5"}, "ysize"),
        ({"xsize": "٣"}, "xsize"),
        ({"kind": "svg"}, "accepted: jpg, jpe, jpeg, png"),
        ({"thumbnail": "maybe"}, "true/false"),
        ({"colour": "red"}, "unknown parameter"),
        ({"meta": "1", "url": "1"}, "cannot be combined"),
    ],
)
def test_bad_parameters_are_refused_with_what_is_accepted(
    params: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        parse_image_request(params, max_dimension=10_000, available=AVAILABLE)


@pytest.mark.parametrize("digits", ["9" * 4301, "1" * 40, "0" * 5000 + "1" + "0" * 5])
def test_numbers_of_any_length_are_a_400_with_a_short_detail(digits: str) -> None:
    with pytest.raises(InvalidParameterError, match="whole number from 1 to 10000") as caught:
        parse_image_request({"xsize": digits}, max_dimension=10_000, available=AVAILABLE)
    assert len(str(caught.value)) < 150


def test_leading_zeros_still_make_a_size() -> None:
    wanted = parse_image_request({"xsize": "0" * 50 + "80"}, max_dimension=100, available=AVAILABLE)
    assert wanted.xsize == 80


@pytest.mark.parametrize("kind", ["jpg", "jpeg", "jpe", "JPE"])
def test_every_jpeg_spelling_is_a_kind(kind: str) -> None:
    wanted = parse_image_request({"kind": kind}, max_dimension=100, available=AVAILABLE)
    assert wanted.kind is ImageFormat.JPEG
