"""PrepareFirstViews: what an upload leaves behind so that its first views are fast."""

from __future__ import annotations

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.fetch_image import FetchImage
from image_repo.application.ports import BackgroundWork, FetchMetrics
from image_repo.application.tiered_cache import TieredCache
from image_repo.application.upload_image import UploadedImage
from image_repo.domain.errors import ImageRepoError
from image_repo.domain.spec import Spec


class PrepareFirstViews:
    """Every upload is followed by a view. Once an upload has answered, its original is kept in
    memory (this node's next view needs no download), and the specs of `images.eager_presets`
    are derived in the background from the bytes the upload holds and what checking it decoded,
    so the first view of each is a cache hit: here, and through the cache container on every
    other node. A request arriving meanwhile joins the derivation instead of repeating it.

    Eager work waits in a bounded queue on a low-priority thread (`background`): requests come
    first, and an upload finding the queue full has its eager derivations dropped (counted),
    never delayed. A name written again meanwhile stops the work (its keys hold the old ETag)."""

    def __init__(
        self,
        fetch: FetchImage,
        cache: TieredCache,
        etags: CoherentEtags,
        background: BackgroundWork,
        metrics: FetchMetrics,
        specs: tuple[Spec, ...] = (),
    ) -> None:
        self._fetch = fetch
        self._cache = cache
        self._etags = etags
        self._background = background
        self._metrics = metrics
        self._specs = specs

    def execute(self, uploaded: UploadedImage, data: bytes) -> None:
        self._cache.keep_original(uploaded.name, uploaded.stored.etag, data)
        if not self._specs:
            return
        seen = self._etags.generation(uploaded.name)
        if not self._background.submit(lambda: self._derive_all(uploaded, data, seen)):
            for _ in self._specs:
                self._metrics.eager("dropped")

    def _derive_all(self, uploaded: UploadedImage, data: bytes, seen: int) -> None:
        for spec in self._specs:
            if self._etags.generation(uploaded.name) != seen:
                self._metrics.eager("superseded")
                continue
            try:
                self._fetch.from_upload(
                    uploaded.name, uploaded.stored.etag, spec, data, uploaded.decoded_as
                )
            except ImageRepoError:  # e.g. a preset this image cannot be encoded in
                self._metrics.eager("failed")
            else:
                self._metrics.eager("done")
