"""SPEC 15 through the use cases, against in-memory fakes: looks recorded at upload and for
objects other tools put, focal points coherent across workers, and crops aimed at them."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.fetch_image import FetchImage
from image_repo.application.original_looks import OriginalLooks
from image_repo.application.read_meta import ReadMeta
from image_repo.application.upload_image import UploadImage
from image_repo.domain.errors import ImageNotFoundError
from image_repo.domain.limits import ImageLimits
from image_repo.domain.looks import Region, Subject
from image_repo.domain.names import ImageName
from image_repo.domain.spec import Box, Fit, Gravity, Spec
from tests.fakes import (
    InMemoryImageProcessor,
    InMemoryKnownEtags,
    InMemoryNameGenerations,
    InMemoryOriginalStore,
    ManualClock,
    RecordingMetrics,
)
from tests.unit.test_use_cases import etags_for, fetch_image, tiered

IMG = InMemoryImageProcessor.image_bytes
NAME = ImageName.parse("people/portrait")
FOCUS_CROP = Spec(box=Box(10, 10), fit=Fit.COVER, gravity=Gravity.FOCUS)
AUTO_CROP = Spec(box=Box(10, 10), fit=Fit.COVER, gravity=Gravity.AUTO)
PLAIN = Spec(box=Box(10, 10))


class HeldWork:
    """BackgroundWork that runs what it is given when the test says."""

    def __init__(self) -> None:
        self.queued: list[Callable[[], None]] = []

    def submit(self, work: Callable[[], None]) -> bool:
        self.queued.append(work)
        return True

    def run(self) -> int:
        ran = len(self.queued)
        while self.queued:
            self.queued.pop(0)()
        return ran


class Worker:
    """One worker process of a server: its own ETags view and use cases over shared fakes."""

    def __init__(
        self,
        store: InMemoryOriginalStore,
        generations: InMemoryNameGenerations,
        persisted: InMemoryKnownEtags,
        clock: ManualClock,
    ) -> None:
        self.processor = InMemoryImageProcessor()
        self.etags: CoherentEtags = etags_for(clock, generations, persisted)
        self.background = HeldWork()
        self.looks = OriginalLooks(store, self.processor, self.etags, self.background)
        self.upload = UploadImage(
            store, self.processor, ImageLimits(), max_upload_bytes=1000, etags=self.etags
        )
        cache = tiered()
        self.fetch: FetchImage = fetch_image(
            store, self.processor, self.etags, cache, RecordingMetrics(), looks=self.looks
        )
        self.meta = ReadMeta(store, self.processor, include_gps=False, looks=self.looks)


@pytest.fixture
def store() -> InMemoryOriginalStore:
    return InMemoryOriginalStore()


@pytest.fixture
def workers(store: InMemoryOriginalStore) -> tuple[Worker, Worker]:
    generations, persisted, clock = InMemoryNameGenerations(), InMemoryKnownEtags(), ManualClock()
    return (
        Worker(store, generations, persisted, clock),
        Worker(store, generations, persisted, clock),
    )


def test_an_upload_records_its_size_and_placeholder_where_the_listing_shows_them(
    store: InMemoryOriginalStore, workers: tuple[Worker, Worker]
) -> None:
    uploaded = workers[0].upload.execute(NAME, IMG("jpeg", 40, 30))
    looks = uploaded.stored.looks
    assert looks.size == (40, 30) and looks.placeholder is not None
    (listed,) = store.iter_objects("people/")
    assert listed.looks == looks
    # byte-stable: the same bytes, the same placeholder
    workers[1].upload.execute(ImageName.parse("copy"), IMG("jpeg", 40, 30))
    assert store.head(ImageName.parse("copy")).looks.placeholder == looks.placeholder


def test_a_focus_moves_the_crops_that_use_it_in_every_worker_and_no_other_key(
    store: InMemoryOriginalStore, workers: tuple[Worker, Worker]
) -> None:
    first, second = workers
    first.upload.execute(NAME, IMG("jpeg", 40, 30))
    before = {s: second.fetch.execute(NAME, s).key for s in (PLAIN, FOCUS_CROP, AUTO_CROP)}
    # no focus: both crop as smart does
    assert before[FOCUS_CROP].spec.gravity is Gravity.SMART
    assert before[FOCUS_CROP] == before[AUTO_CROP]

    stored = first.looks.set_focus(NAME, Region.point(0.1, 0.9))
    assert stored.looks.subject.focus == Region.point(0.1, 0.9)
    after = {s: second.fetch.execute(NAME, s).key for s in (PLAIN, FOCUS_CROP, AUTO_CROP)}
    assert after[PLAIN] == before[PLAIN]
    assert after[FOCUS_CROP] != before[FOCUS_CROP]
    assert after[FOCUS_CROP].spec.aim == Region.point(0.1, 0.9)
    assert after[AUTO_CROP] == after[FOCUS_CROP]
    assert after[FOCUS_CROP].original_etag == before[PLAIN].original_etag

    first.looks.set_focus(NAME, None)
    cleared = second.fetch.execute(NAME, FOCUS_CROP).key
    assert cleared == before[FOCUS_CROP]


def test_a_new_upload_clears_the_focus_and_auto_falls_back_to_the_faces(
    store: InMemoryOriginalStore, workers: tuple[Worker, Worker]
) -> None:
    first, second = workers
    first.upload.execute(NAME, IMG("jpeg", 40, 30))
    faces = Region(0.6, 0.1, 0.8, 0.3)
    store.record_looks(NAME, lambda looks: attrs.evolve(looks, subject=Subject(faces=faces)))
    first.looks.set_focus(NAME, Region.point(0.5, 0.5))
    assert store.head(NAME).looks.subject == Subject(Region.point(0.5, 0.5), faces)
    assert second.fetch.execute(NAME, AUTO_CROP).key.spec.aim == Region.point(0.5, 0.5)
    first.looks.set_focus(NAME, None)
    assert second.fetch.execute(NAME, AUTO_CROP).key.spec.aim == faces
    assert second.fetch.execute(NAME, FOCUS_CROP).key.spec.gravity is Gravity.SMART

    first.looks.set_focus(NAME, Region.point(0.5, 0.5))
    first.upload.execute(NAME, IMG("jpeg", 50, 30))
    assert store.head(NAME).looks.subject == Subject()
    assert second.fetch.execute(NAME, FOCUS_CROP).key.spec.gravity is Gravity.SMART


def test_a_focus_on_no_image_is_not_found(workers: tuple[Worker, Worker]) -> None:
    with pytest.raises(ImageNotFoundError):
        workers[0].looks.set_focus(NAME, Region.point(0.5, 0.5))


def test_an_object_another_tool_put_is_described_once_when_first_decoded(
    store: InMemoryOriginalStore, workers: tuple[Worker, Worker]
) -> None:
    first, second = workers
    store.objects["people/portrait.jpg"] = IMG("jpeg", 40, 30)
    assert store.head(NAME).looks.placeholder is None
    first.fetch.execute(NAME, PLAIN)
    first.fetch.execute(NAME, Spec(box=Box(20, 20)))
    assert first.background.run() == 1  # once per ETag, not per request
    looks = store.head(NAME).looks
    assert looks.placeholder is not None and store.posts == 1
    (listed,) = store.iter_objects("people/")
    assert listed.looks == looks
    # what an upload of the same bytes records: the same placeholder
    first.upload.execute(ImageName.parse("uploaded"), IMG("jpeg", 40, 30))
    assert store.head(ImageName.parse("uploaded")).looks.placeholder == looks.placeholder
    # described now: the next first sight queues nothing
    second.fetch.execute(NAME, PLAIN)
    assert second.background.run() == 0


def test_meta_describes_an_object_another_tool_put_at_once_and_keeps_a_focus(
    store: InMemoryOriginalStore, workers: tuple[Worker, Worker]
) -> None:
    first, _ = workers
    store.objects["people/portrait"] = IMG("jpeg", 40, 30)
    first.looks.set_focus(NAME, Region.point(0.2, 0.2))
    meta = first.meta.execute(NAME)
    assert meta.stored.looks.placeholder is not None
    assert meta.stored.looks.subject.focus == Region.point(0.2, 0.2)
    assert store.head(NAME).looks == meta.stored.looks
    posts = store.posts
    first.meta.execute(NAME)
    assert store.posts == posts


def test_a_description_of_replaced_bytes_is_not_recorded(
    store: InMemoryOriginalStore, workers: tuple[Worker, Worker]
) -> None:
    first, _ = workers
    store.objects["people/portrait"] = IMG("jpeg", 40, 30)
    first.fetch.execute(NAME, PLAIN)
    store.objects["people/portrait"] = IMG("jpeg", 41, 30)  # another tool replaced it
    first.background.run()
    assert store.head(NAME).looks.placeholder is None
