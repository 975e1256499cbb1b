"""DeleteImage: remove an original, its extension-named twins and every cached derivative."""

from __future__ import annotations

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.originals import Originals
from image_repo.application.ports import DerivedStore, OriginalStore
from image_repo.application.tiered_cache import TieredCache
from image_repo.domain.errors import ImageNotFoundError
from image_repo.domain.names import ImageName


class DeleteImage:
    """Copies go first and the original last: if the store fails half way, the original is
    still there and a retried DELETE finishes the job, rather than leaving copies nothing
    points at. Once the store has answered (or failed part way), every worker of this server
    is told through `etags`, so none serves the image again."""

    def __init__(
        self,
        store: OriginalStore,
        derived: DerivedStore,
        cache: TieredCache,
        originals: Originals,
        etags: CoherentEtags,
    ) -> None:
        self._store = store
        self._derived = derived
        self._cache = cache
        self._originals = originals
        self._etags = etags

    def execute(self, name: ImageName) -> None:
        self._store.head(name)
        self._derived.delete_all(name)
        self._cache.discard_local(name)
        self._originals.discard(name)
        try:
            deleted = self._store.delete(name)
        finally:
            self._etags.changed(name, None)
        if not deleted:
            raise ImageNotFoundError(f"no image named {name}")
