"""PrepareFirstViews: what an upload leaves behind so that its first views are fast."""

from __future__ import annotations

import functools

import attrs

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.derivation_flights import ClaimedDerivation, DerivationFlights
from image_repo.application.deriver import Deriver
from image_repo.application.originals import OriginalBytes, Originals
from image_repo.application.ports import BackgroundWork, FetchMetrics
from image_repo.application.tiered_cache import FetchedImage
from image_repo.application.upload_image import UploadedImage
from image_repo.domain.errors import ImageRepoError
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.spec import Spec


class PrepareFirstViews:
    """Every upload is followed by a view. Once an upload is stored, its original is kept in
    memory (this node's next view needs no download), and the specs of `images.eager_presets`
    are derived in the background from the bytes the upload holds and what checking it decoded,
    so the first view of each is a cache hit: here, and through the cache container on every
    other node. The keys are claimed before the upload is answered, so a request arriving
    meanwhile waits for its derivation instead of repeating it (for a bounded time: a long
    queue must not hold it).

    Eager work waits in a bounded queue on a low-priority thread (`background`): requests come
    first, and an upload finding the queue full has its eager derivations dropped (counted),
    never delayed. Its `deriver`'s processor takes none of the decoding slots requests wait
    for. A name written again meanwhile stops the work (its keys hold the old ETag)."""

    def __init__(
        self,
        originals: Originals,
        flights: DerivationFlights,
        deriver: Deriver,
        etags: CoherentEtags,
        background: BackgroundWork,
        metrics: FetchMetrics,
        specs: tuple[Spec, ...] = (),
    ) -> None:
        self._originals = originals
        self._flights = flights
        self._deriver = deriver
        self._etags = etags
        self._background = background
        self._metrics = metrics
        self._specs = specs

    def execute(self, uploaded: UploadedImage, data: bytes) -> None:
        """Once the original is stored, before the upload is answered (a client's next request
        may come at once): keep it, claim the eager keys, queue their derivations."""
        self._originals.keep(uploaded.name, uploaded.stored.etag, data)
        if not self._specs:
            return
        seen = self._etags.generation(uploaded.name)
        subject = uploaded.stored.looks.subject  # presets may crop around it (SPEC 15)
        specs = tuple(spec.aimed(subject) for spec in self._specs)
        claimed = self._flights.claim(uploaded.name, uploaded.stored.etag, specs)
        work = functools.partial(self._derive_all, uploaded, data, seen, claimed)
        if not self._background.submit(work):
            for each in claimed:
                each.claim.release()
                self._metrics.eager("dropped")

    def _derive_all(
        self, uploaded: UploadedImage, data: bytes, seen: int, claimed: list[ClaimedDerivation]
    ) -> None:
        """Every claim ends here, fulfilled or released, whatever is raised: a claim left
        would make each request for its key wait out its patience."""
        pending = list(claimed)
        try:
            etag, decoded_as = uploaded.stored.etag, uploaded.decoded_as
            original = OriginalBytes.of(uploaded.name, etag, data, identity=decoded_as)
            while pending:
                each = pending.pop(0)
                if self._etags.generation(uploaded.name) != seen:
                    each.claim.release()
                    self._metrics.eager("superseded")
                    continue
                try:
                    each.claim.fulfil(functools.partial(self._derive, each.key, original))
                except ImageRepoError:  # e.g. a preset this image cannot be encoded in
                    self._metrics.eager("failed")
                else:
                    self._metrics.eager("done")
        finally:
            for each in pending:
                each.claim.release()

    def _derive(self, key: DerivedImageKey, original: OriginalBytes) -> FetchedImage:
        """From the bytes the upload holds and what checking it decoded (its identity): nothing
        can be cached under the new ETag yet, so no tier is asked. Kept in memory before a
        waiting request gets it, and answered from there."""
        made = self._deriver.make(key, original)
        return attrs.evolve(self._deriver.keep(made, durable=False), tier="memory")
