"""SPEC 15's records and their place in the spec: focal points and faces aim `cover` crops,
enter only the keys of crops that use them, and ride in Swift's content type."""

from __future__ import annotations

import re

import pytest

from image_repo.adapters.swift.looks_params import looks_of, with_looks
from image_repo.domain.edits import Edits, Flip
from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.looks import NO_LOOKS, NO_SUBJECT, Looks, Placeholder, Region, Subject
from image_repo.domain.names import ImageName
from image_repo.domain.request import parse_focus
from image_repo.domain.spec import Box, Fit, Gravity, Spec

ETAG = "0cc175b9c0f1b6a831c399e269772661"
PLACEHOLDER = Placeholder("8a6f4c", bytes(range(25)), "LEHV6nWB2yk8pyo0adR*.7kCMdnj")


def cover(gravity: Gravity, **fields: object) -> Spec:
    return Spec(box=Box(100, 100), fit=Fit.COVER, gravity=gravity, **fields)  # type: ignore[arg-type]


def test_a_region_reads_what_it_writes_and_refuses_what_is_not_a_fraction() -> None:
    assert Region.parse("0.3,0.42").canonical() == "0.3,0.42"
    assert Region.parse("0.1,0.2,0.5,0.6") == Region(0.1, 0.2, 0.5, 0.6)
    assert Region.point(1, 0).canonical() == "1,0"
    assert Region.parse("0.123456,1").canonical() == "0.1235,1"
    for bad in ("1.5,0", "-0.1,0.5", "a,b", "0.5", "nan,0.5", "0.5,0.2,0.1,0.1"):
        with pytest.raises(InvalidParameterError):
            Region.parse(bad)


@pytest.mark.parametrize("raw", ["1.5,0", "0.5", "0.5,0.5,0.5", "1e-1,0", "inf,0", " 0.5,0.5", ""])
def test_a_focus_parameter_is_two_fractions_or_clear(raw: str) -> None:
    assert parse_focus("0.25,1") == Region.point(0.25, 1.0)
    assert parse_focus("clear") is None
    with pytest.raises(InvalidParameterError, match="focus must be x,y"):
        parse_focus(raw)


def test_focus_and_auto_name_no_image_until_aimed() -> None:
    for gravity in (Gravity.FOCUS, Gravity.AUTO):
        assert cover(gravity).needs_subject
        with pytest.raises(ValueError, match="aimed"):
            DerivedImageKey(ImageName.parse("a"), ETAG, cover(gravity))


def test_aiming_centres_on_the_focus_else_the_faces_for_auto_else_smart() -> None:
    focus, faces = Region.point(0.2, 0.3), Region(0.5, 0.1, 0.7, 0.3)
    assert cover(Gravity.FOCUS).aimed(Subject(focus, faces)).aim == focus
    assert cover(Gravity.AUTO).aimed(Subject(focus, faces)).aim == focus
    assert cover(Gravity.AUTO).aimed(Subject(None, faces)).aim == faces
    assert cover(Gravity.FOCUS).aimed(Subject(None, faces)) == cover(Gravity.SMART)
    assert cover(Gravity.AUTO).aimed(NO_SUBJECT) == cover(Gravity.SMART)
    # the same crop whether asked as focus or auto: one key
    assert cover(Gravity.FOCUS).aimed(Subject(focus)) == cover(Gravity.AUTO).aimed(Subject(focus))
    # a spec that does not crop around a subject is left as it is
    assert cover(Gravity.NORTH).aimed(Subject(focus)) == cover(Gravity.NORTH)


def test_an_aim_enters_the_key_of_the_crops_that_use_it_only() -> None:
    name = ImageName.parse("a")
    plain = DerivedImageKey(name, ETAG, cover(Gravity.CENTER))
    left = DerivedImageKey(name, ETAG, cover(Gravity.FOCUS).aimed(Subject(Region.point(0, 0))))
    right = DerivedImageKey(name, ETAG, cover(Gravity.FOCUS).aimed(Subject(Region.point(1, 0))))
    assert len({plain.digest(), left.digest(), right.digest()}) == 3
    assert "aim=" not in str(plain) and "aim=0,0" in str(left)
    assert DerivedImageKey.parse(str(right)) == right


def test_the_window_is_centred_on_the_aim_within_the_image() -> None:
    box = Box(100, 100)
    # a 400x200 image: the window is 200x200 scaled to 100x100
    assert box.cover(400, 200, Gravity.FOCUS, Region.point(0.5, 0.5)).crop == (100, 0, 300, 200)
    assert box.cover(400, 200, Gravity.FOCUS, Region.point(0.1, 0.5)).crop == (0, 0, 200, 200)
    assert box.cover(400, 200, Gravity.FOCUS, Region.point(0.7, 0.5)).crop == (180, 0, 380, 200)
    assert box.cover(400, 200, Gravity.FOCUS, Region.point(1.0, 0.5)).crop == (200, 0, 400, 200)
    tall = box.cover(200, 400, Gravity.FOCUS, Region(0.4, 0.6, 0.6, 0.8))
    assert tall.crop == (0, 180, 200, 380)


@pytest.mark.parametrize(
    ("rotate", "flip", "turned"),
    [
        (0, None, (0.2, 0.3)),
        (90, None, (0.7, 0.2)),
        (180, None, (0.8, 0.7)),
        (270, None, (0.3, 0.8)),
        (0, Flip.HORIZONTAL, (0.8, 0.3)),
        (0, Flip.VERTICAL, (0.2, 0.7)),
        (90, Flip.BOTH, (0.3, 0.8)),
    ],
)
def test_the_aim_turns_with_the_image(
    rotate: int, flip: Flip | None, turned: tuple[float, float]
) -> None:
    """Rotation is clockwise and comes before the flip (SPEC 14's order)."""
    spec = cover(Gravity.FOCUS, edits=Edits(rotate=rotate, flip=flip))
    aimed = spec.aimed(Subject(Region.point(0.2, 0.3)))
    assert aimed.turned_aim == Region.point(*turned)


def test_looks_ride_in_the_content_type_for_their_own_bytes_only() -> None:
    looks = Looks(
        size=(6000, 4000),
        placeholder=PLACEHOLDER,
        subject=Subject(Region.point(0.3, 0.42), Region(0.41, 0.12, 0.6, 0.38)),
    )
    content_type = with_looks("image/jpeg", ETAG, looks)
    assert content_type.startswith("image/jpeg;for=0cc175b9c0f1;wh=6000x4000;color=8a6f4c;")
    # values of letters, digits, ".", "_" and "-" only: Swift keeps and lists them as sent
    for param in content_type.split(";")[1:]:
        _, value = param.split("=")
        assert re.fullmatch(r"[0-9A-Za-z._-]+", value), param
    assert looks_of(content_type, ETAG) == looks
    assert looks_of(content_type.replace("; ", ";"), ETAG) == looks
    # recorded for other bytes (a POST that raced a PUT): ignored, never shown for these
    assert looks_of(content_type, "f" * 32) == NO_LOOKS
    assert looks_of("image/jpeg", ETAG) == NO_LOOKS
    assert looks_of("image/jpeg;for=0cc175b9c0f1;wh=axb", ETAG) == NO_LOOKS


def test_a_new_record_replaces_ours_and_keeps_other_parameters() -> None:
    first = with_looks("image/png; charset=x", ETAG, Looks(subject=Subject(Region.point(1, 1))))
    second = with_looks(first, ETAG, Looks(size=(3, 2)))
    assert second == "image/png;charset=x;for=0cc175b9c0f1;wh=3x2"
    assert "focus=1_1" in first
    assert looks_of(second, ETAG) == Looks(size=(3, 2))
