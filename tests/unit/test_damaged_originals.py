"""A stored original that does not decode blames the store, not the client (SPEC §8: a 422)."""

from __future__ import annotations

import pytest

from image_repo.application.read_meta import ReadMeta
from image_repo.domain.errors import CorruptImageError, DamagedOriginalError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName
from image_repo.domain.records import ImageInfo
from image_repo.domain.spec import Box, Spec
from tests.fakes import InMemoryImageProcessor, InMemoryOriginalStore
from tests.unit.test_use_cases import IMG, fetcher


def stored(store: InMemoryOriginalStore, name: str, data: bytes) -> ImageName:
    """Put there as another tool would: no upload check ran."""
    image_name = ImageName.parse(name)
    store.put(image_name, data, ImageInfo(ImageFormat.PNG, 1, 1))
    return image_name


@pytest.mark.parametrize("data", [IMG("png", 20, 20, corrupt=True), b"<html>not an image"])
def test_fetching_an_original_that_does_not_decode_is_a_damaged_original(data: bytes) -> None:
    store, processor = InMemoryOriginalStore(), InMemoryImageProcessor()
    name = stored(store, "other/tool", data)
    with pytest.raises(DamagedOriginalError, match="stored original of other/tool is damaged"):
        fetcher(store, processor).execute(name, Spec(box=Box(10, 10)))


def test_a_damaged_original_is_still_a_corrupt_image_so_zips_leave_it_out() -> None:
    assert issubclass(DamagedOriginalError, CorruptImageError)


def test_meta_of_an_original_that_is_no_image_is_a_damaged_original() -> None:
    store, processor = InMemoryOriginalStore(), InMemoryImageProcessor()
    name = stored(store, "other/text", b"plain text")
    with pytest.raises(DamagedOriginalError):
        ReadMeta(store, processor, include_gps=False).execute(name)
