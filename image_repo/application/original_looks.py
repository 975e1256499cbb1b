"""OriginalLooks: SPEC 15's looks of the originals (placeholder, focal point, faces), recorded
with each original in the store: set by a person (a focus), or found by decoding it."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

import attrs

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.ports import BackgroundWork, ImageProcessor, OriginalStore
from image_repo.domain.errors import ImageRepoError
from image_repo.domain.looks import Looks, Region
from image_repo.domain.names import ImageName
from image_repo.domain.records import StoredOriginal

logger = logging.getLogger(__name__)

# Originals this process described lately, by ETag: each is described once, not once per
# request that decodes it before its description is listed.
DESCRIBED_REMEMBERED = 10_000


class OriginalLooks:
    """Uploads through this server are described by their upload check (UploadImage); this
    describes what other tools put in the store, the first time the server decodes it (a
    derivation, in the background, or `meta=true`, at once), and records the focal points
    people set. A recorded focus moves the name's generation (CoherentEtags.changed), so every
    worker and node crops around it at once, as after a PUT; found faces do too, as they
    move `gravity=auto`'s crops; a placeholder alone is in no key and moves nothing."""

    def __init__(
        self,
        store: OriginalStore,
        processor: ImageProcessor,
        etags: CoherentEtags,
        background: BackgroundWork,
        *,
        describes: bool = True,
    ) -> None:
        """`describes`: false with images.placeholders off: nothing is decoded to describe."""
        self._store = store
        self._processor = processor
        self._etags = etags
        self._background = background
        self._describes = describes
        self._described: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def set_focus(self, name: ImageName, focus: Region | None) -> StoredOriginal:
        """Record (or with None, clear) the current original's focal point."""

        def focused(looks: Looks) -> Looks:
            return attrs.evolve(looks, subject=attrs.evolve(looks.subject, focus=focus))

        try:
            stored = self._store.record_looks(name, focused)
        except BaseException:
            self._etags.changed(name, None)  # the store may have recorded it before failing
            raise
        assert stored is not None, "record_looks answers None only with an etag"
        self._etags.changed(name, stored.etag, stored.looks.subject)
        return stored

    def needs_describing(self, stored: StoredOriginal) -> bool:
        return self._describes and stored.looks.placeholder is None

    def describe_later(self, name: ImageName, etag: str, data: bytes) -> None:
        """Describe and record the original `data` (whose ETag is `etag`) on a background
        thread, once per ETag; dropped when the background queue is full."""
        if not self._first_time(etag):
            return
        self._background.submit(lambda: self._describe_logged(name, etag, data))

    def described(self, name: ImageName, stored: StoredOriginal, data: bytes) -> Looks:
        """The looks of `data` (the original `stored`), described and recorded now when they
        are not recorded yet."""
        if not self.needs_describing(stored):
            return stored.looks
        return self._describe(name, stored.etag, data) or stored.looks

    def _first_time(self, etag: str) -> bool:
        with self._lock:
            if etag in self._described:
                return False
            self._described[etag] = None
            if len(self._described) > DESCRIBED_REMEMBERED:
                self._described.popitem(last=False)
            return True

    def _describe_logged(self, name: ImageName, etag: str, data: bytes) -> None:
        try:
            self._describe(name, etag, data)
        except ImageRepoError as error:
            logger.warning("describing %s failed: %s", name, error)
        except Exception:
            logger.exception("describing %s failed", name)

    def _describe(self, name: ImageName, etag: str, data: bytes) -> Looks | None:
        """Decode, then record with the original if it is still those bytes (a focus recorded
        meanwhile is kept). None when the original was replaced meanwhile."""
        found = self._processor.check_decodes(data, looks=True)

        def with_found(recorded: Looks) -> Looks:
            return attrs.evolve(
                found, subject=attrs.evolve(recorded.subject, faces=found.subject.faces)
            )

        seen = self._etags.generation(name)
        stored = self._store.record_looks(name, with_found, etag=etag)
        if stored is None:
            return None
        if found.subject.faces is not None:
            self._etags.changed(name, stored.etag, stored.looks.subject)
        else:
            self._etags.learn(name, stored.etag, seen, stored.looks.subject)
        return stored.looks
