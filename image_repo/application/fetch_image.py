"""FetchImage: a derived image from the first cache tier that has it, or made anew, once."""

from __future__ import annotations

import functools

import attrs

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.derivation_flights import DerivationFlights
from image_repo.application.deriver import Deriver, Made
from image_repo.application.originals import OriginalBytes, Originals
from image_repo.application.ports import ArrivingOriginal
from image_repo.application.tiered_cache import FetchedImage, TieredCache
from image_repo.domain.errors import ImageNotFoundError, StoreUnavailableError
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.spec import Spec


class FetchImage:
    """The key holds the original's ETag, which `etags` vouches for (or the caller, from a
    listing it just read), so a replaced original never serves an old derivative.

    A name whose ETag is not trusted (a first view, or one past the TTL) costs one GET of the
    original and nothing before it: the ETag comes with the GET's headers, memory and disk
    are asked under it, then the cache container while the body is decoded as it arrives
    (`Originals.race`). Concurrent requests for one key look up and derive once
    (`DerivationFlights`, where eager work claims its keys too)."""

    def __init__(
        self,
        originals: Originals,
        flights: DerivationFlights,
        deriver: Deriver,
        etags: CoherentEtags,
        cache: TieredCache,
    ) -> None:
        self._originals = originals
        self._flights = flights
        self._deriver = deriver
        self._etags = etags
        self._cache = cache

    def execute(
        self,
        name: ImageName,
        spec: Spec,
        *,
        etag: str | None = None,
        durable: bool = False,
        version_id: str | None = None,
    ) -> FetchedImage:
        """`durable`: a new derivation is in the cache container before this returns.
        `version_id`: the kept version (SPEC 13) whose ETag `etag` is."""
        seen = self._etags.generation(name)
        fetched = self._fetched(name, spec, etag, durable, version_id)
        if self._etags.generation(name) != seen:
            return attrs.evolve(fetched, is_settled=False)
        return fetched

    def _fetched(
        self,
        name: ImageName,
        spec: Spec,
        etag: str | None,
        durable: bool,
        version_id: str | None,
    ) -> FetchedImage:
        etag = etag or self._etags.trusted(name)
        if etag is None:
            return self._first_sight(name, spec, durable)
        key = DerivedImageKey(name, etag, spec)
        made = functools.partial(self._cached_or_made, key, durable, version_id)
        return self._flights.run(key, durable, made)

    def _first_sight(self, name: ImageName, spec: Spec, durable: bool) -> FetchedImage:
        """The GET tells the ETag (learnt unless the name is written meanwhile). While Swift is
        unreachable, what the caches hold under the ETag known before is served."""
        seen = self._etags.generation(name)
        try:
            original = self._originals.download(name)
        except ImageNotFoundError:
            self._etags.forget(name)
            raise
        except StoreUnavailableError:
            known = self._etags.known_in_outage(name)
            if known is None:
                raise
            return self._fetched(name, spec, known, durable, None)
        self._etags.learn(name, original.stored.etag, seen)
        key = DerivedImageKey(name, original.stored.etag, spec)
        view = functools.partial(self._first_view, key, original, durable)
        # joined another request's flight: it made the image from its own download
        return self._flights.run(key, durable, view, if_joined=original.body.abandon)

    def _cached_or_made(
        self, key: DerivedImageKey, durable: bool, version_id: str | None
    ) -> FetchedImage:
        """The cache tiers in order, else made from the original (kept, or downloaded)."""
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        original = self._originals.of(key.name, key.original_etag, version_id)
        return self._deriver.keep(self._deriver.make(key, original), durable=durable)

    def _first_view(
        self, key: DerivedImageKey, original: ArrivingOriginal, durable: bool
    ) -> FetchedImage:
        """Memory and disk first (no I/O), then the cache container raced against decoding."""
        local = self._cache.get_local(key)
        if local is not None:
            original.body.abandon()
            return local
        arriving = OriginalBytes.of(key.name, original.stored.etag, original.body)
        found = self._originals.race(
            original.body,
            lambda: self._cache.get_shared(key),
            lambda: self._deriver.make(key, arriving),
        )
        return self._deriver.keep(found, durable=durable) if isinstance(found, Made) else found
