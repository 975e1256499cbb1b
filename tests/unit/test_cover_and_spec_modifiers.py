"""SPEC 9 in the domain: fit, gravity, dpr and quality parsed, canonical, and shaping the Spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from image_repo.domain.derivation import DerivationDefaults, accepted_format, spec_for
from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.request import ImageRequest, Presets, parse_image_request
from image_repo.domain.spec import OUTPUT_FORMATS, Box, Fit, Gravity, Spec, Window
from image_repo.settings import ConfigError, load_config

AVAILABLE = frozenset(OUTPUT_FORMATS)
DEFAULTS = DerivationDefaults(max_dimension=1000)


def spec_of(params: dict[str, str], path_format: ImageFormat | None = None) -> Spec:
    wanted = parse_image_request(params, max_dimension=1000, available=AVAILABLE)
    return spec_for(wanted, path_format, DEFAULTS)


def test_requests_without_the_new_modifiers_keep_their_canonical_form() -> None:
    assert spec_of({"xsize": "800", "kind": "webp"}).canonical() == (
        "s1;kind=webp;box=800x-;thumb=0;q=80;sharpen=0;bg=ffffff;strip=1"
    )
    assert spec_of({"fit": "contain", "gravity": "center", "dpr": "1", "quality": "85"}) == Spec()


def test_cover_and_its_gravity_enter_the_canonical_form_and_parse_back() -> None:
    spec = spec_of({"xsize": "100", "ysize": "50", "fit": "cover", "gravity": "smart"})
    assert spec.canonical().endswith(";strip=1;fit=cover;gravity=smart")
    assert Spec.parse(spec.canonical()) == spec


def test_gravity_without_cover_makes_no_second_key() -> None:
    assert spec_of({"xsize": "100", "gravity": "west"}) == spec_of({"xsize": "100"})


def test_quality_sets_lossy_kinds_and_lossless_kinds_ignore_it() -> None:
    assert spec_of({"quality": "40"}).quality == 40
    assert (
        spec_of({"quality": "40", "kind": "webp"}).canonical()
        != spec_of({"kind": "webp"}).canonical()
    )
    assert spec_of({"quality": "40", "kind": "png"}) == spec_of({"kind": "png"})


@pytest.mark.parametrize(
    ("params", "box"),
    [
        ({"xsize": "100", "dpr": "2"}, Box(200, None)),
        ({"xsize": "100", "ysize": "30", "dpr": "1.5"}, Box(150, 45)),
        ({"xsize": "600", "dpr": "4"}, Box(1000, None)),  # within max_dimension
        ({"thumbnail": "true", "dpr": "2"}, Box(100, 100)),
        ({"dpr": "3"}, None),  # no box: the original's size, never enlarged
    ],
)
def test_dpr_multiplies_the_box_within_max_dimension(params: dict[str, str], box: Box) -> None:
    assert spec_of(params).box == box


def test_dpr_is_the_same_image_as_the_larger_box() -> None:
    assert spec_of({"xsize": "100", "dpr": "2"}) == spec_of({"xsize": "200"})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"fit": "fill"}, "fit 'fill' is not supported; accepted: contain, cover"),
        ({"gravity": "up"}, "accepted: center, north, south, east, west, smart"),
        ({"fit": "cover", "xsize": "10"}, "fit=cover needs both sides of a box"),
        ({"fit": "cover"}, "xsize and ysize, or thumbnail=true"),
        ({"dpr": "0.5"}, "dpr must be a number from 1 to 4"),
        ({"dpr": "4.5"}, r"from 1 to 4 \(decimals allowed"),
        ({"dpr": "nan"}, "dpr must be a number"),
        ({"dpr": "1e0"}, "dpr must be a number"),
        ({"dpr": "1" * 5000}, r"\(5000 characters\)"),
        ({"quality": "0"}, "quality must be a whole number from 1 to 100"),
        ({"quality": "101"}, "from 1 to 100"),
        ({"quality": "9" * 4301}, "from 1 to 100"),
    ],
)
def test_bad_values_are_refused_with_what_is_accepted(params: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        parse_image_request(params, max_dimension=1000, available=AVAILABLE)


def test_thumbnail_cover_is_a_full_box() -> None:
    spec = spec_of({"thumbnail": "true", "fit": "cover"})
    assert spec.box == Box(50, 50) and spec.is_cover


def test_a_preset_may_set_the_new_modifiers_and_the_request_completes_the_box() -> None:
    presets = Presets.parse(
        {"square": "fit=cover&gravity=smart&quality=70&dpr=2"},
        max_dimension=1000,
        available=AVAILABLE,
    )
    wanted = parse_image_request(
        {"preset": "square", "xsize": "100", "ysize": "100"},
        max_dimension=1000,
        available=AVAILABLE,
        presets=presets,
    )
    assert wanted == ImageRequest(
        xsize=100, ysize=100, fit=Fit.COVER, gravity=Gravity.SMART, dpr=2.0, quality=70
    )
    with pytest.raises(InvalidParameterError, match="needs both sides"):
        parse_image_request(
            {"preset": "square"}, max_dimension=1000, available=AVAILABLE, presets=presets
        )


@pytest.mark.parametrize(
    ("size", "gravity", "window"),
    [
        ((400, 200), Gravity.CENTER, Window((100, 0, 300, 200), (100, 100))),
        ((400, 200), Gravity.WEST, Window((0, 0, 200, 200), (100, 100))),
        ((400, 200), Gravity.EAST, Window((200, 0, 400, 200), (100, 100))),
        ((200, 400), Gravity.NORTH, Window((0, 0, 200, 200), (100, 100))),
        ((200, 400), Gravity.SOUTH, Window((0, 200, 200, 400), (100, 100))),
        ((80, 40), Gravity.CENTER, Window((20, 0, 60, 40), (40, 40))),  # never enlarged
        ((100, 100), Gravity.CENTER, Window((0, 0, 100, 100), (100, 100))),
    ],
)
def test_cover_windows(size: tuple[int, int], gravity: Gravity, window: Window) -> None:
    assert Box(100, 100).cover(*size, gravity) == window


def test_fill_is_the_smallest_size_covering_the_box() -> None:
    assert Box(100, 100).fill(6000, 4000) == (150, 100)
    assert Box(100, 100).fill(80, 40) == (80, 40)


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("image/avif,image/webp,*/*", ImageFormat.AVIF),
        ("image/webp,*/*;q=0.8", ImageFormat.WEBP),
        ("image/avif;q=0,image/webp", ImageFormat.WEBP),
        ("*/*", None),
        ("image/*", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_names_the_first_offered_format(accept: str | None, chosen: ImageFormat) -> None:
    assert accepted_format(accept, (ImageFormat.AVIF, ImageFormat.WEBP)) is chosen


def test_a_named_format_beats_the_negotiated_one() -> None:
    wanted = ImageRequest(kind=ImageFormat.PNG)
    assert spec_for(wanted, None, DEFAULTS, ImageFormat.WEBP).kind is ImageFormat.PNG
    assert (
        spec_for(ImageRequest(), ImageFormat.GIF, DEFAULTS, ImageFormat.WEBP).kind
        is ImageFormat.GIF
    )
    assert spec_for(ImageRequest(), None, DEFAULTS, ImageFormat.WEBP).quality == 80


def test_auto_formats_are_checked_at_start(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("images:\n  auto_formats: [avif, webp]\n")
    assert load_config(path).images.auto_formats == ("avif", "webp")
    path.write_text("images:\n  auto_formats: [bmp]\n")
    with pytest.raises(ConfigError, match=r"images\.auto_formats: .*avif, webp"):
        load_config(path)
