"""faces.py on real photographs (scikit-image's): a face where the astronaut's is, none in a cup
of coffee, in any mode, from many threads at once."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import attrs
import pytest
from PIL import Image
from skimage import data

from image_repo.adapters.imaging.faces import FaceFinder, face_finder

pytest.importorskip("cv2", reason="OpenCV is the optional extra `faces`")

# Eileen Collins, 512x512, one frontal face (skimage.data has no type hints)
ASTRONAUT = Image.fromarray(data.astronaut())  # type: ignore[no-untyped-call]


@pytest.fixture(scope="module")
def finder() -> FaceFinder:
    found = face_finder()
    assert found is not None
    return found


def test_finds_the_astronauts_face(finder: FaceFinder) -> None:
    region = finder.faces_in(ASTRONAUT)
    assert region is not None
    x, y = region.centre
    assert 0.35 <= x <= 0.75
    assert 0.1 <= y <= 0.5
    assert (region.right - region.left) * (region.bottom - region.top) < 0.1


def test_no_face_in_a_cup_of_coffee(finder: FaceFinder) -> None:
    assert finder.faces_in(Image.fromarray(data.coffee())) is None  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("mode", ["RGBA", "L", "P", "CMYK"])
def test_any_mode_finds_the_same_face(finder: FaceFinder, mode: str) -> None:
    assert finder.faces_in(ASTRONAUT.convert(mode)) == finder.faces_in(ASTRONAUT)


def test_sixteen_bit_grey_is_scaled_not_clipped(finder: FaceFinder) -> None:
    deep = ASTRONAUT.convert("L").convert("I").point(lambda value: value * 256).convert("I;16")
    assert finder.faces_in(deep) == finder.faces_in(ASTRONAUT)


def test_a_large_photo_is_searched_at_a_smaller_size(finder: FaceFinder) -> None:
    small = finder.faces_in(ASTRONAUT)
    large = finder.faces_in(ASTRONAUT.resize((3000, 3000)))
    assert small is not None
    assert large is not None
    for near, far in zip(large.canonical().split(","), small.canonical().split(","), strict=True):
        assert abs(float(near) - float(far)) < 0.02


def test_the_box_holds_every_face(finder: FaceFinder) -> None:
    """Two astronauts' heads side by side, at the size they have in the photo (Haar finds
    things that are not faces at some scales): one box from the left face to the right one."""
    head = ASTRONAUT.crop((112, 0, 352, 240))
    pair = Image.new("RGB", (640, 320), "grey")
    pair.paste(head, (0, 40))
    pair.paste(head, (400, 40))
    one = finder.faces_in(head)
    both = finder.faces_in(pair)
    assert one is not None
    assert both is not None
    assert both.left == pytest.approx(one.left * 240 / 640, abs=0.01)
    assert both.right == pytest.approx((400 + one.right * 240) / 640, abs=0.01)
    assert both.top == pytest.approx((40 + one.top * 240) / 320, abs=0.01)


def test_threads_share_a_finder(finder: FaceFinder) -> None:
    expected = finder.faces_in(ASTRONAUT)
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(finder.faces_in, [ASTRONAUT.copy() for _ in range(8)]))
    assert found == [expected] * 8


def test_no_finder_without_opencv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cv2", None)  # import cv2 then raises ImportError
    assert face_finder() is None


def test_region_is_rounded_to_four_decimals(finder: FaceFinder) -> None:
    region = finder.faces_in(ASTRONAUT)
    assert region is not None
    assert all(round(value, 4) == value for value in attrs.astuple(region))
