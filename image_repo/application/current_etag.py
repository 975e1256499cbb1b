"""CurrentEtag: a name's original ETag, trusted for a TTL and remembered through outages."""

from __future__ import annotations

from image_repo.application.ports import Clock, KnownEtags, OriginalStore
from image_repo.domain.errors import ImageNotFoundError, StoreUnavailableError
from image_repo.domain.names import ImageName


class CurrentEtag:
    """Asking Swift for every request would put a HEAD on every cache hit. Within
    `ttl_seconds` of learning it, the known ETag is used as is: that is the documented window
    in which another worker may serve the previous version after a re-upload. With the store
    unreachable, the last known ETag is used however old, so cached images keep serving."""

    def __init__(
        self, store: OriginalStore, known: KnownEtags, clock: Clock, ttl_seconds: float
    ) -> None:
        self._store = store
        self._known = known
        self._clock = clock
        self._ttl_seconds = ttl_seconds

    def fresh(self, name: ImageName) -> str | None:
        """The ETag if learnt within the TTL, without any I/O beyond the local index."""
        known = self._known.get(name)
        if known is not None and self._clock.now() - known[1] < self._ttl_seconds:
            return known[0]
        return None

    def resolve(self, name: ImageName) -> str:
        fresh = self.fresh(name)
        if fresh is not None:
            return fresh
        try:
            etag = self._store.head(name).etag
        except ImageNotFoundError:
            self._known.forget(name)
            raise
        except StoreUnavailableError:
            known = self._known.get(name)
            if known is None:
                raise
            return known[0]
        self.learn(name, etag)
        return etag

    def learn(self, name: ImageName, etag: str) -> None:
        self._known.put(name, etag, self._clock.now())

    def forget(self, name: ImageName) -> None:
        self._known.forget(name)
