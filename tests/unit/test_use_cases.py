"""Use cases against in-memory fakes of the ports."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.delete_image import DeleteImage
from image_repo.application.derivation_flights import DerivationFlights
from image_repo.application.deriver import Deriver
from image_repo.application.fetch_image import FetchImage
from image_repo.application.issue_temp_url import IssueTempUrl
from image_repo.application.list_images import ListImages
from image_repo.application.original_looks import OriginalLooks
from image_repo.application.originals import Originals
from image_repo.application.read_meta import ReadMeta
from image_repo.application.select_images import SelectImages
from image_repo.application.tiered_cache import TieredCache
from image_repo.application.upload_image import UploadImage
from image_repo.domain.errors import (
    AlreadyExistsError,
    CorruptImageError,
    EmptyUploadError,
    ImageNotFoundError,
    InvalidPatternError,
    StoreUnavailableError,
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
    InMemoryBlobCache,
    InMemoryDerivedStore,
    InMemoryImageProcessor,
    InMemoryKnownEtags,
    InMemoryNameGenerations,
    InMemoryOriginalStore,
    InMemoryPatternCompiler,
    InMemoryUrlSigner,
    ManualClock,
    QueuedWrites,
    RecordingMetrics,
)

IMG = InMemoryImageProcessor.image_bytes


@pytest.fixture
def store() -> InMemoryOriginalStore:
    return InMemoryOriginalStore()


@pytest.fixture
def processor() -> InMemoryImageProcessor:
    return InMemoryImageProcessor()


def etags_for(
    clock: ManualClock | None = None,
    generations: InMemoryNameGenerations | None = None,
    persisted: InMemoryKnownEtags | None = None,
) -> CoherentEtags:
    """One worker's view; workers of one server share `generations` and `persisted`."""
    return CoherentEtags(
        generations or InMemoryNameGenerations(),
        persisted or InMemoryKnownEtags(),
        clock or ManualClock(),
        ttl_seconds=60,
    )


def tiered(
    memory: InMemoryBlobCache | None = None,
    disk: InMemoryBlobCache | None = None,
    derived: InMemoryDerivedStore | None = None,
    metrics: RecordingMetrics | None = None,
    writes: QueuedWrites | None = None,
) -> TieredCache:
    return TieredCache(
        memory or InMemoryBlobCache(),
        disk or InMemoryBlobCache(),
        derived or InMemoryDerivedStore(),
        metrics or RecordingMetrics(),
        writes or QueuedWrites(inline=True),
        shared_enabled=derived is not None,
    )


def originals_of(store: InMemoryOriginalStore) -> Originals:
    return Originals(store, InMemoryBlobCache())


def fetch_image(
    store: InMemoryOriginalStore,
    processor: InMemoryImageProcessor,
    etags: CoherentEtags,
    cache: TieredCache,
    metrics: RecordingMetrics,
    *,
    originals: Originals | None = None,
    flights: DerivationFlights | None = None,
    looks: OriginalLooks | None = None,
) -> FetchImage:
    """FetchImage wired as the container wires it, over fakes."""
    return FetchImage(
        originals or originals_of(store),
        flights or DerivationFlights(),
        Deriver(processor, cache, metrics),
        etags,
        cache,
        looks,
    )


def uploader(store: InMemoryOriginalStore, processor: InMemoryImageProcessor) -> UploadImage:
    return UploadImage(
        store,
        processor,
        ImageLimits(max_pixels=1_000_000),
        max_upload_bytes=100,
        etags=etags_for(),
    )


def fetcher(
    store: InMemoryOriginalStore,
    processor: InMemoryImageProcessor,
    *,
    etags: CoherentEtags | None = None,
    memory: InMemoryBlobCache | None = None,
    disk: InMemoryBlobCache | None = None,
    derived: InMemoryDerivedStore | None = None,
    metrics: RecordingMetrics | None = None,
    writes: QueuedWrites | None = None,
    originals: Originals | None = None,
) -> FetchImage:
    metrics = metrics or RecordingMetrics()
    cache = tiered(memory, disk, derived, metrics, writes)
    return fetch_image(store, processor, etags or etags_for(), cache, metrics, originals=originals)


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
    clock = ManualClock()
    fetch = fetcher(store, processor, etags=etags_for(clock))
    store.objects["cat"] = IMG("png", 400, 200)
    first = fetch.execute(ImageName.parse("cat"), Spec(box=Box(100, 100)))
    assert first.image.data == IMG("jpeg", 100, 50)
    store.objects["cat"] = IMG("png", 200, 400)
    clock.time += 61
    second = fetch.execute(ImageName.parse("cat"), Spec(box=Box(100, 100)))
    assert second.key.digest() != first.key.digest()
    assert second.image.data == IMG("jpeg", 50, 100)


def test_fetch_of_a_missing_image_is_not_found(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    with pytest.raises(ImageNotFoundError):
        fetcher(store, processor).execute(ImageName.parse("nope"), Spec())


def test_list_filters_by_search_and_under_a_path(store: InMemoryOriginalStore) -> None:
    for name in ["cats/tom.jpg", "cats/tom", "cats/felix", "dogs/rex", "cats/kittens/a"]:
        store.objects[name] = b""
    listing = ListImages(store, InMemoryPatternCompiler(), max_pattern_bytes=50)
    assert [str(i.name) for i in listing.execute()] == [
        "cats/felix",
        "cats/kittens/a",
        "cats/tom",
        "dogs/rex",
    ]
    assert [str(i.name) for i in listing.execute("^t")] == []
    assert [str(i.name) for i in listing.execute("o")] == ["cats/tom", "dogs/rex"]
    under = listing.execute("^[ft]", under=ImageName.parse("cats"))
    assert [str(i.name) for i in under] == ["cats/felix", "cats/tom"]


def test_list_refuses_an_overlong_pattern(store: InMemoryOriginalStore) -> None:
    with pytest.raises(InvalidPatternError, match="longer than 5 bytes"):
        ListImages(store, InMemoryPatternCompiler(), max_pattern_bytes=5).execute("abcdef")


def test_delete_removes_every_variant(store: InMemoryOriginalStore) -> None:
    store.objects.update({"cat": b"", "cat.png": b"", "cats": b""})
    delete = DeleteImage(store, InMemoryDerivedStore(), tiered(), originals_of(store), etags_for())
    delete.execute(ImageName.parse("cat"))
    assert set(store.objects) == {"cats"}
    with pytest.raises(ImageNotFoundError):
        delete.execute(ImageName.parse("cat"))


def test_fetch_reads_the_cache_container_before_deriving(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    derived = InMemoryDerivedStore()
    store.objects["cat"] = IMG("png", 400, 200)
    assert (
        fetcher(store, processor, derived=derived).execute(ImageName.parse("cat"), Spec()).tier
        == "derived"
    )
    metrics = RecordingMetrics()
    again = fetcher(store, processor, derived=derived, metrics=metrics)
    # a first view decodes while the cache container is asked: its hit is served, and what
    # the decoding made (the fake's bytes arrive at once) is not kept
    assert again.execute(ImageName.parse("cat"), Spec()).tier == "swift"
    assert metrics.derivations == 0


def test_delete_also_removes_stored_derivatives(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    derived = InMemoryDerivedStore()
    store.objects.update({"cat": IMG("png", 4, 4), "cathy": IMG("png", 4, 4)})
    memory, kept = InMemoryBlobCache(), InMemoryBlobCache()
    originals = Originals(store, kept)
    fetch = fetcher(store, processor, derived=derived, memory=memory, originals=originals)
    fetch.execute(ImageName.parse("cat"), Spec())
    fetch.execute(ImageName.parse("cathy"), Spec())
    delete = DeleteImage(store, derived, tiered(memory), originals, etags_for())
    delete.execute(ImageName.parse("cat"))
    assert [DerivedImageKey.parse(k).name.value for k in derived.objects] == ["cathy"]
    assert {entry[0] for entry in memory.entries} == {"cathy"}
    assert {entry[0] for entry in kept.entries} == {"cathy"}  # the originals kept in memory


def test_temp_url_is_issued_for_a_stored_derivative(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    derived = InMemoryDerivedStore()
    store.objects["a/cat"] = IMG("png", 40, 20)
    writes = QueuedWrites()
    fetch = fetcher(store, processor, derived=derived, writes=writes)
    issue = IssueTempUrl(fetch, tiered(derived=derived), InMemoryUrlSigner(), ttl_seconds=60)
    issued = issue.execute(ImageName.parse("a/cat"), Spec(kind=ImageFormat.PNG))
    assert issued.url.url.endswith("/cat.png")
    assert list(derived.objects.values()) == [IMG("png", 40, 20)]
    assert len(writes.queued) == 1  # the disk write; the PUT was made before signing
    derived.objects.clear()  # expired from the container, still in memory: stored again
    issue.execute(ImageName.parse("a/cat"), Spec(kind=ImageFormat.PNG))
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
    assert [str(i.name) for i in select.execute(ImageName.parse("d"), "[0-3]")] == [
        "d/0",
        "d/1",
        "d/2",
        "d/3",
    ]
    with pytest.raises(TooManyImagesError, match="limit is 4"):
        select.execute(ImageName.parse("d"), ".")
    with pytest.raises(ImageNotFoundError):
        select.execute(ImageName.parse("d"), "x")


def test_tiers_are_asked_in_order_and_hits_fill_the_faster_ones(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    memory, disk = InMemoryBlobCache(), InMemoryBlobCache()
    store.objects["cat"] = IMG("png", 40, 20)
    first = fetcher(store, processor, memory=memory, disk=disk).execute(
        ImageName.parse("cat"), Spec()
    )
    assert first.tier == "derived"
    memory.entries.clear()
    metrics = RecordingMetrics()
    fetch = fetcher(store, processor, memory=memory, disk=disk, metrics=metrics)
    assert fetch.execute(ImageName.parse("cat"), Spec()).tier == "disk"
    assert fetch.execute(ImageName.parse("cat"), Spec()).tier == "memory"
    assert metrics.lookups == [("memory", False), ("disk", True), ("memory", True)]
    assert processor.derivations == 1


def test_slow_tiers_are_written_after_the_answer_and_memory_before_it(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    memory, disk, derived, writes = (
        InMemoryBlobCache(),
        InMemoryBlobCache(),
        InMemoryDerivedStore(),
        QueuedWrites(),
    )
    store.objects["cat"] = IMG("png", 40, 20)
    fetch = fetcher(store, processor, memory=memory, disk=disk, derived=derived, writes=writes)
    made = fetch.execute(ImageName.parse("cat"), Spec())
    assert made.tier == "derived"
    assert (made.key.name.value, made.key.digest()) in memory.entries
    assert not disk.entries and not derived.objects
    assert len(writes.queued) == 2  # the derivative to disk and one PUT (originals: memory)
    writes.run_all()
    assert disk.entries[("cat", made.key.digest())] == made.image.data
    assert derived.objects == {str(made.key): made.image.data}


def test_the_original_is_fetched_once_for_several_sizes(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    store.objects["cat"] = IMG("png", 400, 200)
    fetch = fetcher(store, processor)
    for width in (10, 20, 30, 40, 50):
        fetch.execute(ImageName.parse("cat"), Spec(box=Box(width, None)))
    assert (store.gets, processor.derivations) == (1, 5)


def test_concurrent_requests_for_one_key_derive_once(store: InMemoryOriginalStore) -> None:
    processor = InMemoryImageProcessor(lambda _spec: time.sleep(0.05))
    store.objects["cat"] = IMG("png", 400, 200)
    fetch = fetcher(store, processor)
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda _: fetch.execute(ImageName.parse("cat"), Spec()), range(20)))
    assert processor.derivations == 1
    assert len({r.image.data for r in results}) == 1


def test_the_etag_is_trusted_for_its_ttl_then_asked_again(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    clock = ManualClock()
    etags = etags_for(clock)
    fetch = fetcher(store, processor, etags=etags)
    store.objects["cat"] = IMG("png", 40, 20)
    before = fetch.execute(ImageName.parse("cat"), Spec())
    store.objects["cat"] = IMG("png", 80, 20)  # replaced by another process
    assert fetch.execute(ImageName.parse("cat"), Spec()).key == before.key
    clock.time += 61
    assert fetch.execute(ImageName.parse("cat"), Spec()).image.data == IMG("jpeg", 80, 20)


def test_an_upload_through_this_process_is_served_at_once(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    etags = etags_for()
    upload = UploadImage(store, processor, ImageLimits(), 100, etags)
    fetch = fetcher(store, processor, etags=etags)
    upload.execute(ImageName.parse("cat"), IMG("png", 40, 20))
    fetch.execute(ImageName.parse("cat"), Spec())
    upload.execute(ImageName.parse("cat"), IMG("png", 60, 20))
    assert fetch.execute(ImageName.parse("cat"), Spec()).image.data == IMG("jpeg", 60, 20)


def test_cached_images_serve_while_the_store_is_down(
    store: InMemoryOriginalStore, processor: InMemoryImageProcessor
) -> None:
    clock = ManualClock()
    fetch = fetcher(store, processor, etags=etags_for(clock))
    store.objects["cat"] = IMG("png", 40, 20)
    fetch.execute(ImageName.parse("cat"), Spec())
    store.is_down = True
    clock.time += 3600
    assert fetch.execute(ImageName.parse("cat"), Spec()).tier == "memory"
    with pytest.raises(StoreUnavailableError):
        fetch.execute(ImageName.parse("other"), Spec())
