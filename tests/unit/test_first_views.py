"""PrepareFirstViews (eager presets after an upload) and the BackgroundQueue it runs on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import attrs
import pytest

from image_repo.adapters.cache.background_queue import BackgroundQueue
from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.derivation_flights import DerivationFlights
from image_repo.application.deriver import Deriver
from image_repo.application.fetch_image import FetchImage
from image_repo.application.first_views import PrepareFirstViews
from image_repo.application.upload_image import UploadedImage, UploadImage
from image_repo.domain.errors import UnsupportedImageError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.limits import ImageLimits
from image_repo.domain.names import ImageName
from image_repo.domain.spec import Box, Spec
from tests.fakes import (
    InMemoryBlobCache,
    InMemoryDerivedStore,
    InMemoryImageProcessor,
    InMemoryNameGenerations,
    InMemoryOriginalStore,
    RecordingMetrics,
)
from tests.unit.test_use_cases import IMG, etags_for, fetch_image, fetcher, originals_of, tiered

CAT = ImageName.parse("cat")
THUMB = Spec(box=Box(100, 100), is_thumbnail=True)
MEDIUM = Spec(kind=ImageFormat.WEBP, box=Box(300, 300))


class QueuedBackground:
    """BackgroundWork that holds work until the test runs it; refuses past `capacity`."""

    def __init__(self, capacity: int = 8) -> None:
        self.capacity = capacity
        self.queued: list[Callable[[], None]] = []

    def submit(self, work: Callable[[], None]) -> bool:
        if len(self.queued) >= self.capacity:
            return False
        self.queued.append(work)
        return True

    def run_all(self) -> None:
        while self.queued:
            self.queued.pop(0)()


@attrs.define
class Node:
    """One process of a server: its store client, caches, ETags, fetch and first views."""

    store: InMemoryOriginalStore
    processor: InMemoryImageProcessor
    etags: CoherentEtags
    memory: InMemoryBlobCache
    shared: InMemoryDerivedStore
    metrics: RecordingMetrics
    background: QueuedBackground
    fetch: FetchImage
    first_views: PrepareFirstViews
    upload: UploadImage

    def upload_and_prepare(self, data: bytes) -> UploadedImage:
        """What PUT does: store, prepare the first views, answer."""
        uploaded = self.upload.execute(CAT, data)
        self.first_views.execute(uploaded, data)
        return uploaded


def node(
    specs: tuple[Spec, ...],
    *,
    store: InMemoryOriginalStore | None = None,
    processor: InMemoryImageProcessor | None = None,
    background: QueuedBackground | None = None,
    shared: InMemoryDerivedStore | None = None,
    generations: InMemoryNameGenerations | None = None,
) -> Node:
    store = store or InMemoryOriginalStore()
    processor = processor or InMemoryImageProcessor()
    background = background or QueuedBackground()
    shared = shared if shared is not None else InMemoryDerivedStore()
    etags = etags_for(generations=generations)
    memory, metrics = InMemoryBlobCache(), RecordingMetrics()
    cache = tiered(memory=memory, derived=shared, metrics=metrics)
    originals, flights = originals_of(store), DerivationFlights()
    fetch = fetch_image(
        store, processor, etags, cache, metrics, originals=originals, flights=flights
    )
    # the container gives eager work a processor without slots; the fake has none to take
    eager = Deriver(processor, cache, metrics)
    first_views = PrepareFirstViews(originals, flights, eager, etags, background, metrics, specs)
    upload = UploadImage(store, processor, ImageLimits(), 1000, etags, keep_decoded=bool(specs))
    return Node(
        store,
        processor,
        etags,
        memory,
        shared,
        metrics,
        background,
        fetch,
        first_views,
        upload,
    )


def test_eager_specs_are_derived_in_the_background_and_then_served_from_memory() -> None:
    one = node((THUMB, MEDIUM))
    uploaded = one.upload_and_prepare(IMG("png", 800, 600))
    assert (one.processor.derivations, len(one.background.queued)) == (0, 1)  # not before
    one.background.run_all()
    assert one.processor.derivations == 2
    assert one.metrics.eager_outcomes == ["done", "done"]
    for spec, image in ((THUMB, IMG("jpeg", 100, 75)), (MEDIUM, IMG("webp", 300, 225))):
        key = DerivedImageKey(CAT, uploaded.stored.etag, spec)
        assert one.memory.entries[(CAT.value, key.digest())] == image
        assert one.shared.objects[str(key)] == image  # through write-behind: other nodes
        viewed = one.fetch.execute(CAT, spec)
        assert (viewed.tier, viewed.image.data) == ("memory", image)
    assert (one.store.gets, one.processor.derivations) == (0, 2)


def test_another_node_sharing_the_cache_container_answers_from_swift() -> None:
    owner = node((THUMB,))
    owner.upload_and_prepare(IMG("png", 800, 600))
    owner.background.run_all()
    other = fetcher(owner.store, InMemoryImageProcessor(), derived=owner.shared)
    viewed = other.execute(CAT, THUMB)
    assert (viewed.tier, viewed.image.data) == ("swift", IMG("jpeg", 100, 75))


def test_the_original_is_kept_so_another_size_needs_no_download() -> None:
    one = node((THUMB,))
    one.upload_and_prepare(IMG("png", 800, 600))
    one.background.run_all()
    other_size = one.fetch.execute(CAT, Spec(box=Box(60, None)))
    assert (other_size.tier, other_size.image.data) == ("derived", IMG("jpeg", 60, 45))
    assert one.store.gets == 0


def test_without_eager_presets_nothing_is_queued_but_the_original_is_kept() -> None:
    one = node(())
    one.upload_and_prepare(IMG("png", 800, 600))
    assert one.background.queued == []
    assert (one.processor.derivations, one.metrics.eager_outcomes) == (0, [])
    assert one.fetch.execute(CAT, Spec(box=Box(50, None))).tier == "derived"
    assert one.store.gets == 0


def test_a_full_queue_drops_the_uploads_eager_work_counting_each_spec() -> None:
    one = node((THUMB, MEDIUM), background=QueuedBackground(capacity=0))
    one.upload_and_prepare(IMG("png", 800, 600))
    assert one.metrics.eager_outcomes == ["dropped", "dropped"]
    assert (one.background.queued, one.processor.derivations) == ([], 0)
    # dropped is only slower: the first view derives from the original kept in memory
    assert one.fetch.execute(CAT, THUMB).tier == "derived"
    assert one.store.gets == 0


@pytest.mark.parametrize("write", ["reupload", "delete"])
def test_a_name_written_again_before_the_work_runs_supersedes_it(write: str) -> None:
    one = node((THUMB, MEDIUM))
    first = one.upload_and_prepare(IMG("png", 800, 600))
    if write == "reupload":  # the PUT answered; its own first views are not prepared yet
        one.upload.execute(CAT, IMG("png", 640, 480))
    else:
        one.store.delete(CAT)
        one.etags.changed(CAT, None)
    one.background.run_all()
    assert one.metrics.eager_outcomes == ["superseded", "superseded"]
    assert one.processor.derivations == 0
    assert one.shared.objects == {}
    old = DerivedImageKey(CAT, first.stored.etag, THUMB)
    assert (CAT.value, old.digest()) not in one.memory.entries


def test_a_write_between_two_specs_stops_the_ones_left() -> None:
    processor = InMemoryImageProcessor()
    one = node((THUMB, MEDIUM), processor=processor)
    # another PUT of the name answers while the first eager spec is being derived
    processor.before_derive = lambda _spec: one.etags.changed(CAT, "another-etag")
    one.upload_and_prepare(IMG("png", 800, 600))
    one.background.run_all()
    assert one.metrics.eager_outcomes == ["done", "superseded"]
    assert processor.derivations == 1


def refuse_webp(spec: Spec) -> None:
    if spec.kind is ImageFormat.WEBP:
        raise UnsupportedImageError("webp cannot be written here")


def test_a_failing_spec_is_counted_and_the_others_are_still_derived() -> None:
    last = Spec(kind=ImageFormat.PNG, box=Box(20, 20))
    one = node((THUMB, MEDIUM, last), processor=InMemoryImageProcessor(refuse_webp))
    uploaded = one.upload_and_prepare(IMG("png", 800, 600))
    one.background.run_all()  # nothing raised out of the work
    assert one.metrics.eager_outcomes == ["done", "failed", "done"]
    for spec in (THUMB, last):
        digest = DerivedImageKey(CAT, uploaded.stored.etag, spec).digest()
        assert (CAT.value, digest) in one.memory.entries


class Gate:
    """A derive() hook that waits for `release`, after telling `started`."""

    def __init__(self) -> None:
        self.started, self.release = threading.Event(), threading.Event()

    def __call__(self, _spec: Spec) -> None:
        self.started.set()
        assert self.release.wait(10)


class ReadGenerations(InMemoryNameGenerations):
    """Tells when a thread other than the test's asks for a name's generation."""

    def __init__(self) -> None:
        super().__init__()
        self.read_elsewhere = threading.Event()

    def current(self, name: ImageName) -> int:
        if threading.current_thread() is not threading.main_thread():
            self.read_elsewhere.set()
        return super().current(name)


def test_a_request_during_the_eager_derivation_joins_it_and_answers_from_memory() -> None:
    gate, generations = Gate(), ReadGenerations()
    processor = InMemoryImageProcessor(gate)
    one = node((THUMB,), processor=processor, generations=generations)
    one.upload_and_prepare(IMG("png", 800, 600))
    eager = threading.Thread(target=one.background.run_all)
    eager.start()
    assert gate.started.wait(10)
    answers: list[str] = []
    request = threading.Thread(target=lambda: answers.append(one.fetch.execute(CAT, THUMB).tier))
    generations.read_elsewhere.clear()
    request.start()
    assert generations.read_elsewhere.wait(10)
    time.sleep(0.1)  # from reading the generation to joining the flight: no I/O
    gate.release.set()
    eager.join(10)
    request.join(10)
    assert answers == ["memory"]  # what the eager derivation kept there
    assert (processor.derivations, one.store.gets) == (1, 0)
    assert one.metrics.eager_outcomes == ["done"]


def test_a_request_before_the_background_work_starts_waits_for_it() -> None:
    """Keep-alive clients ask for the view at once: the keys are claimed before the upload
    answers, so the request waits for the queued derivation instead of leading its own."""
    one = node((THUMB,))
    one.upload_and_prepare(IMG("png", 800, 600))
    answers: list[str] = []
    request = threading.Thread(target=lambda: answers.append(one.fetch.execute(CAT, THUMB).tier))
    request.start()
    time.sleep(0.1)  # waiting on the claim; the eager work has not started
    assert answers == []
    one.background.run_all()
    request.join(10)
    assert answers == ["memory"]
    assert one.processor.derivations == 1


def test_a_request_waits_for_a_claim_only_so_long_then_derives_itself() -> None:
    one = node((THUMB,))
    one.upload_and_prepare(IMG("png", 800, 600))  # queued, never run: a long queue
    started = time.monotonic()
    assert one.fetch.execute(CAT, THUMB).tier == "derived"
    assert 0.4 < time.monotonic() - started < 5
    assert one.processor.derivations == 1


def test_a_dropped_uploads_claims_are_released_at_once() -> None:
    one = node((THUMB, MEDIUM), background=QueuedBackground(capacity=0))
    one.upload_and_prepare(IMG("png", 800, 600))
    started = time.monotonic()
    assert one.fetch.execute(CAT, THUMB).tier == "derived"
    assert time.monotonic() - started < 0.3  # no claim left to wait for
    assert one.metrics.eager_outcomes == ["dropped", "dropped"]


def test_background_queue_refuses_past_max_pending_and_runs_what_it_took() -> None:
    queue = BackgroundQueue(max_weight=2, threads=1)
    try:
        running, release = threading.Event(), threading.Event()
        ran: list[str] = []

        def blocking() -> None:
            running.set()
            assert release.wait(10)
            ran.append("blocking")

        assert queue.submit(blocking)
        assert running.wait(10)
        assert queue.submit(lambda: ran.append("queued"))
        assert not queue.submit(lambda: ran.append("refused"))
        release.set()
        _wait_until(lambda: ran == ["blocking", "queued"])
        finished = threading.Event()
        assert queue.submit(finished.set)  # room again once the work has run
        assert finished.wait(10)
        assert "refused" not in ran
    finally:
        queue.close()


def test_background_queue_survives_work_that_raises() -> None:
    queue = BackgroundQueue(max_weight=1, threads=1)
    try:

        def failing() -> None:
            raise RuntimeError("boom")

        assert queue.submit(failing)
        done = threading.Event()
        _wait_until(lambda: queue.submit(done.set))  # its slot was given back
        assert done.wait(10)
    finally:
        queue.close()


def test_background_queue_runs_work_with_its_initializer() -> None:
    names: list[str] = []
    queue = BackgroundQueue(
        max_weight=1, initializer=lambda: names.append(threading.current_thread().name)
    )
    try:
        done = threading.Event()
        assert queue.submit(done.set)
        assert done.wait(10)
        assert len(names) == 1 and names[0].startswith("background")
    finally:
        queue.close()
    assert not queue.submit(lambda: None)  # closed: refused, never raised


def _wait_until(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.005)


def crash(_spec: Spec) -> None:
    raise RuntimeError("not an image error")  # as no image error does (a bug, memory)


def test_claims_left_by_a_crash_are_released() -> None:
    one = node((THUMB, MEDIUM), processor=InMemoryImageProcessor(crash))
    one.upload_and_prepare(IMG("png", 800, 600))
    with pytest.raises(RuntimeError):
        one.background.run_all()
    started = time.monotonic()
    with pytest.raises(RuntimeError):  # the request derives itself, at once
        one.fetch.execute(CAT, MEDIUM)
    assert time.monotonic() - started < 0.3
