"""Use cases against in-memory fakes of the ports."""

from __future__ import annotations

import pytest

from image_repo.application.delete_image import DeleteImage
from image_repo.application.fetch_image import FetchImage
from image_repo.application.issue_temp_url import IssueTempUrl
from image_repo.application.list_images import ListImages
from image_repo.application.read_meta import ReadMeta
from image_repo.application.select_images import SelectImages
from image_repo.application.upload_image import UploadImage
from image_repo.domain.errors import (
    AlreadyExistsError,
    CorruptImageError,
    EmptyUploadError,
    ImageNotFoundError,
    InvalidPatternError,
    TooManyImagesError,
    TooManyPixelsError,
    UnsupportedImageError,
    UploadTooLargeError,
)
from image_repo.domain.formats import ImageFormat
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.limits import ImageLimits
from image_repo.domain.names import ImageName
from image_repo.domain.spec import Box, Spec
from tests.fakes import (
    InMemoryDerivedStore,
    InMemoryImageProcessor,
    InMemoryOriginalStore,
    InMemoryPatternCompiler,
    InMemoryUrlSigner,
)

IMG = InMemoryImageProcessor.image_bytes


@pytest.fixture
def store() -> InMemoryOriginalStore:
    return InMemoryOriginalStore()


@pytest.fixture
def processor() -> InMemoryImageProcessor:
    return InMemoryImageProcessor()


def uploader(store: InMemoryOriginalStore, processor: InMemoryImageProcessor) -> UploadImage:
    return UploadImage(store, processor, ImageLimits(max_pixels=1_000_000), max_upload_bytes=100)


def test_upload_stores_the_bytes_as_sent(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    uploaded = uploader(store, processor).execute(ImageName.parse("a/b"), IMG("png", 30, 20))
    assert store.objects == {"a/b": IMG("png", 30, 20)}
    assert (uploaded.info.width, uploaded.info.height) == (30, 20)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", EmptyUploadError),
        (b"x" * 101, UploadTooLargeError),
        (b"<svg/>", UnsupportedImageError),
        (IMG("png", 2000, 2000), TooManyPixelsError),
        (IMG("png", 20, 20, corrupt=True), CorruptImageError),
    ],
)
def test_refused_uploads_change_nothing(
    store: InMemoryOriginalStore,
    processor: InMemoryImageProcessor,
    data: bytes,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        uploader(store, processor).execute(ImageName.parse("x"), data)
    assert store.objects == {}


def test_upload_replaces_an_extension_named_twin(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    store.objects["cat.jpg"] = IMG("jpeg", 5, 5)
    uploader(store, processor).execute(ImageName.parse("cat"), IMG("png", 6, 6))
    assert set(store.objects) == {"cat"}


def test_upload_if_absent_refuses_to_overwrite(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    upload = uploader(store, processor)
    upload.execute(ImageName.parse("cat"), IMG("png", 6, 6))
    with pytest.raises(AlreadyExistsError):
        upload.execute(ImageName.parse("cat"), IMG("png", 7, 7), if_absent=True)
    assert store.objects["cat"] == IMG("png", 6, 6)


def test_fetch_derives_from_the_current_original(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    fetch = FetchImage(store, processor, ImageLimits())
    store.objects["cat"] = IMG("png", 400, 200)
    first = fetch.execute(ImageName.parse("cat"), Spec(box=Box(100, 100)))
    assert first.image.data == IMG("jpeg", 100, 50)
    store.objects["cat"] = IMG("png", 200, 400)
    second = fetch.execute(ImageName.parse("cat"), Spec(box=Box(100, 100)))
    assert second.key.digest() != first.key.digest()
    assert second.image.data == IMG("jpeg", 50, 100)


def test_fetch_of_a_missing_image_is_not_found(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    with pytest.raises(ImageNotFoundError):
        FetchImage(store, processor, ImageLimits()).execute(ImageName.parse("nope"), Spec())


def test_list_filters_by_search_and_under_a_path(store: InMemoryOriginalStore) -> None:
    for name in ["cats/tom.jpg", "cats/tom", "cats/felix", "dogs/rex", "cats/kittens/a"]:
        store.objects[name] = b""
    listing = ListImages(store, InMemoryPatternCompiler(), max_pattern_bytes=50)
    assert [str(n) for n in listing.execute()] == [
        "cats/felix",
        "cats/kittens/a",
        "cats/tom",
        "dogs/rex",
    ]
    assert [str(n) for n in listing.execute("^t")] == []
    assert [str(n) for n in listing.execute("o")] == ["cats/tom", "dogs/rex"]
    under = listing.execute("^[ft]", under=ImageName.parse("cats"))
    assert [str(n) for n in under] == ["cats/felix", "cats/tom"]


def test_list_refuses_an_overlong_pattern(store: InMemoryOriginalStore) -> None:
    with pytest.raises(InvalidPatternError, match="longer than 5 bytes"):
        ListImages(store, InMemoryPatternCompiler(), max_pattern_bytes=5).execute("abcdef")


def test_delete_removes_every_variant(store: InMemoryOriginalStore) -> None:
    store.objects.update({"cat": b"", "cat.png": b"", "cats": b""})
    DeleteImage(store, InMemoryDerivedStore()).execute(ImageName.parse("cat"))
    assert set(store.objects) == {"cats"}
    with pytest.raises(ImageNotFoundError):
        DeleteImage(store, InMemoryDerivedStore()).execute(ImageName.parse("cat"))


def test_fetch_reads_the_cache_container_before_deriving(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    derived = InMemoryDerivedStore()
    fetch = FetchImage(store, processor, ImageLimits(), derived)
    store.objects["cat"] = IMG("png", 400, 200)
    assert fetch.execute(ImageName.parse("cat"), Spec()).tier == "derived"
    again = fetch.execute(ImageName.parse("cat"), Spec())
    assert (again.tier, processor.derivations) == ("swift", 1)


def test_delete_also_removes_stored_derivatives(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    derived = InMemoryDerivedStore()
    store.objects.update({"cat": IMG("png", 4, 4), "cathy": IMG("png", 4, 4)})
    fetch = FetchImage(store, processor, ImageLimits(), derived)
    fetch.execute(ImageName.parse("cat"), Spec())
    fetch.execute(ImageName.parse("cathy"), Spec())
    DeleteImage(store, derived).execute(ImageName.parse("cat"))
    assert [DerivedImageKey.parse(k).name.value for k in derived.objects] == ["cathy"]


def test_temp_url_is_issued_for_a_stored_derivative(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    derived = InMemoryDerivedStore()
    store.objects["a/cat"] = IMG("png", 40, 20)
    fetch = FetchImage(store, processor, ImageLimits())
    issued = IssueTempUrl(fetch, derived, InMemoryUrlSigner(), ttl_seconds=60).execute(
        ImageName.parse("a/cat"), Spec(kind=ImageFormat.PNG)
    )
    assert issued.url.url.endswith("/cat.png")
    assert list(derived.objects.values()) == [IMG("png", 40, 20)]


def test_meta_leaves_gps_out_unless_asked(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    store.objects["cat"] = IMG("png", 40, 20)
    private = ReadMeta(store, processor, include_gps=False).execute(ImageName.parse("cat"))
    public = ReadMeta(store, processor, include_gps=True).execute(ImageName.parse("cat"))
    assert "gps_latitude" not in private.meta.exif
    assert "gps_latitude" in public.meta.exif


def test_select_is_bounded_and_never_empty(store: InMemoryOriginalStore) -> None:
    for i in range(5):
        store.objects[f"d/{i}"] = b""
    select = SelectImages(ListImages(store, InMemoryPatternCompiler(), 100), max_images=4)
    assert [str(n) for n in select.execute(ImageName.parse("d"), "[0-3]")] == [
        "d/0",
        "d/1",
        "d/2",
        "d/3",
    ]
    with pytest.raises(TooManyImagesError, match="limit is 4"):
        select.execute(ImageName.parse("d"), ".")
    with pytest.raises(ImageNotFoundError):
        select.execute(ImageName.parse("d"), "x")
