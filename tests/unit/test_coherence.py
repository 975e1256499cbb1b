"""The coherence rule (SPEC 7): once a PUT or DELETE has answered, no worker of the server that
answered it serves the old image. Workers are modelled as separate caches and CoherentEtags
over one store, sharing the server's name generations and persisted ETags."""

from __future__ import annotations

import attrs
import pytest

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.delete_image import DeleteImage
from image_repo.application.fetch_image import FetchImage
from image_repo.application.upload_image import UploadImage
from image_repo.domain.errors import ImageNotFoundError, StoreUnavailableError
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
    ManualClock,
    RecordingMetrics,
)
from tests.unit.test_use_cases import etags_for, fetch_image, originals_of, tiered

IMG = InMemoryImageProcessor.image_bytes
CAT = ImageName.parse("cat")


@attrs.define
class Worker:
    etags: CoherentEtags
    fetch: FetchImage
    upload: UploadImage
    delete: DeleteImage


@attrs.define
class Server:
    """The workers of one server: one store, shared generations, disk and persisted ETags."""

    store: InMemoryOriginalStore
    clock: ManualClock = attrs.field(factory=ManualClock)
    generations: InMemoryNameGenerations = attrs.field(factory=InMemoryNameGenerations)
    persisted: InMemoryKnownEtags = attrs.field(factory=InMemoryKnownEtags)
    disk: InMemoryBlobCache = attrs.field(factory=InMemoryBlobCache)
    derived: InMemoryDerivedStore = attrs.field(factory=InMemoryDerivedStore)

    def worker(self) -> Worker:
        processor = InMemoryImageProcessor()
        etags = etags_for(self.clock, self.generations, self.persisted)
        metrics = RecordingMetrics()
        cache = tiered(InMemoryBlobCache(), self.disk, self.derived, metrics)
        originals = originals_of(self.store)
        fetch = fetch_image(self.store, processor, etags, cache, metrics, originals=originals)
        upload = UploadImage(self.store, processor, ImageLimits(), 100, etags)
        delete = DeleteImage(self.store, self.derived, cache, originals, etags)
        return Worker(etags, fetch, upload, delete)


@pytest.fixture
def server() -> Server:
    return Server(InMemoryOriginalStore())


def test_a_reupload_through_one_worker_is_served_by_every_other_at_once(server: Server) -> None:
    writer, readers = server.worker(), [server.worker() for _ in range(3)]
    writer.upload.execute(CAT, IMG("png", 40, 20))
    for reader in readers:
        for width in (10, 40):
            reader.fetch.execute(CAT, Spec(box=Box(width, None)))
        assert reader.etags.trusted(CAT) is not None
    writer.upload.execute(CAT, IMG("png", 80, 20))
    for reader in readers:
        assert reader.etags.trusted(CAT) is None  # the memory-hit path goes to the full route
        assert reader.fetch.execute(CAT, Spec()).image.data == IMG("jpeg", 80, 20)
        assert reader.fetch.execute(CAT, Spec(box=Box(10, None))).image.data == IMG("jpeg", 10, 2)


def test_a_delete_through_one_worker_is_a_404_on_every_other_at_once(server: Server) -> None:
    writer, reader = server.worker(), server.worker()
    writer.upload.execute(CAT, IMG("png", 40, 20))
    reader.fetch.execute(CAT, Spec())
    writer.delete.execute(CAT)
    assert reader.etags.trusted(CAT) is None
    with pytest.raises(ImageNotFoundError):
        reader.fetch.execute(CAT, Spec())


def test_an_etag_read_before_a_write_is_not_learnt_after_it(server: Server) -> None:
    writer, reader = server.worker(), server.worker()
    server.store.objects["cat"] = IMG("png", 40, 20)
    seen = reader.etags.generation(CAT)
    old = server.store.head(CAT).etag  # a GET asked Swift just before the PUT ...
    writer.upload.execute(CAT, IMG("png", 80, 20))
    reader.etags.learn(CAT, old, seen)  # ... and learns just after its answer
    assert reader.etags.trusted(CAT) is None
    assert reader.fetch.execute(CAT, Spec()).image.data == IMG("jpeg", 80, 20)
    assert server.persisted.get(CAT) == server.store.head(CAT).etag


def test_a_refill_during_a_delete_does_not_bring_the_image_back(server: Server) -> None:
    writer, reader = server.worker(), server.worker()
    server.store.objects["cat"] = IMG("png", 40, 20)
    seen = reader.etags.generation(CAT)
    old = server.store.head(CAT).etag
    writer.delete.execute(CAT)
    reader.etags.learn(CAT, old, seen)
    assert reader.etags.trusted(CAT) is None
    assert server.persisted.get(CAT) is None  # not even for outages
    with pytest.raises(ImageNotFoundError):
        reader.fetch.execute(CAT, Spec())


def test_after_a_restart_what_was_persisted_serves_only_while_the_store_is_down(
    server: Server,
) -> None:
    before = server.worker()
    before.upload.execute(CAT, IMG("png", 40, 20))
    before.fetch.execute(CAT, Spec())
    server.store.objects["cat"] = IMG("png", 80, 20)  # replaced through another server
    restarted = server.worker()
    assert restarted.etags.trusted(CAT) is None
    assert restarted.fetch.execute(CAT, Spec()).image.data == IMG("jpeg", 80, 20)
    outage = server.worker()
    server.store.is_down = True
    assert outage.fetch.execute(CAT, Spec()).tier == "disk"


def test_another_servers_write_is_seen_within_the_ttl(server: Server) -> None:
    reader = server.worker()
    server.store.objects["cat"] = IMG("png", 40, 20)
    reader.fetch.execute(CAT, Spec())
    server.store.objects["cat"] = IMG("png", 80, 20)  # written through another server
    assert reader.fetch.execute(CAT, Spec()).image.data == IMG("jpeg", 40, 20)
    server.clock.time += 60
    assert reader.fetch.execute(CAT, Spec()).image.data == IMG("jpeg", 80, 20)


def test_an_etag_given_by_a_listing_is_used_as_is(server: Server) -> None:
    reader = server.worker()
    server.store.objects["cat"] = IMG("png", 40, 20)
    reader.fetch.execute(CAT, Spec())
    server.store.objects["cat"] = IMG("png", 80, 20)
    listed = next(server.store.iter_objects("cat")).etag
    fetched = reader.fetch.execute(CAT, Spec(), etag=listed)
    assert fetched.image.data == IMG("jpeg", 80, 20)


def test_a_failed_upload_still_stops_the_trust(server: Server) -> None:
    writer, reader = server.worker(), server.worker()
    writer.upload.execute(CAT, IMG("png", 40, 20))
    reader.fetch.execute(CAT, Spec())
    server.store.is_down = True  # the fake refuses heads; puts succeed: "stored, no answer"
    server.store.put_fails = True
    with pytest.raises(StoreUnavailableError):
        writer.upload.execute(CAT, IMG("png", 80, 20))
    assert reader.etags.trusted(CAT) is None
