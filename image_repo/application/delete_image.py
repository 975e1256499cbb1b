"""DeleteImage: remove an original, its extension-named twins and every cached derivative."""

from __future__ import annotations

from collections.abc import Sequence

from image_repo.application.current_etag import CurrentEtag
from image_repo.application.ports import BlobCache, DerivedStore, OriginalStore
from image_repo.domain.errors import ImageNotFoundError
from image_repo.domain.names import ImageName


class DeleteImage:
    """Copies go first and the original last: if the store fails half way, the original is
    still there and a retried DELETE finishes the job, rather than leaving copies nothing
    points at. Other processes' memory tiers hold copies under the old ETag until their
    `original_ttl_seconds` passes."""

    def __init__(
        self,
        store: OriginalStore,
        derived: DerivedStore,
        local_caches: Sequence[BlobCache],
        etags: CurrentEtag,
    ) -> None:
        self._store = store
        self._derived = derived
        self._local_caches = tuple(local_caches)
        self._etags = etags

    def execute(self, name: ImageName) -> None:
        self._store.head(name)
        self._derived.delete_all(name)
        for cache in self._local_caches:
            cache.discard_all(name)
        self._etags.forget(name)
        if not self._store.delete(name):
            raise ImageNotFoundError(f"no image named {name}")
