"""DeleteImage: remove an original, its extension-named twins and every stored derivative."""

from __future__ import annotations

from image_repo.application.ports import DerivedStore, OriginalStore
from image_repo.domain.errors import ImageNotFoundError
from image_repo.domain.names import ImageName


class DeleteImage:
    """Derivatives go first: if the store fails half way, the original is still there and a
    retried DELETE finishes the job, rather than leaving orphans nothing points at."""

    def __init__(self, store: OriginalStore, derived: DerivedStore) -> None:
        self._store = store
        self._derived = derived

    def execute(self, name: ImageName) -> None:
        self._store.head(name)
        self._derived.delete_all(name)
        if not self._store.delete(name):
            raise ImageNotFoundError(f"no image named {name}")
