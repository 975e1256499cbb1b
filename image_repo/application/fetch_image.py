"""FetchImage: a derived image from the first cache tier that has it, or made anew, once."""

from __future__ import annotations

import functools

import attrs

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.derivation_flights import DerivationFlights
from image_repo.application.deriver import Deriver, Made
from image_repo.application.original_looks import OriginalLooks
from image_repo.application.originals import OriginalBytes, Originals
from image_repo.application.ports import ArrivingOriginal
from image_repo.application.tiered_cache import FetchedImage, TieredCache
from image_repo.domain.errors import ImageNotFoundError, StoreUnavailableError
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.looks import NO_SUBJECT, Subject
from image_repo.domain.names import ImageName
from image_repo.domain.spec import Spec


class FetchImage:
    """The key holds the original's ETag, which `etags` vouches for (or the caller, from a
    listing it just read), so a replaced original never serves an old derivative.

    A name whose ETag is not trusted (a first view, or one past the TTL) costs one GET of the
    original and nothing before it: the ETag comes with the GET's headers, memory and disk
    are asked under it, then the cache container while the body is decoded as it arrives
    (`Originals.race`). Concurrent requests for one key look up and derive once
    (`DerivationFlights`, where eager work claims its keys too).

    A spec cropping around the original's subject (gravity focus or auto, SPEC 15) is aimed
    at the subject learnt with the ETag, which the same GET tells; an original whose looks
    are not recorded yet is described once its bytes are in (`looks`)."""

    def __init__(
        self,
        originals: Originals,
        flights: DerivationFlights,
        deriver: Deriver,
        etags: CoherentEtags,
        cache: TieredCache,
        looks: OriginalLooks | None = None,
    ) -> None:
        self._looks = looks
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
        subject: Subject | None = None,
    ) -> FetchedImage:
        """`durable`: a new derivation is in the cache container before this returns.
        `version_id`: the kept version (SPEC 13) whose ETag `etag` is. `subject`: the
        original's, known with `etag` (a listing's)."""
        seen = self._etags.generation(name)
        fetched = self._fetched(name, spec, etag, durable, version_id, subject)
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
        subject: Subject | None = None,
    ) -> FetchedImage:
        if spec.needs_subject:
            if version_id is not None:
                subject = NO_SUBJECT  # a kept version's subject is not looked up: smart
            elif etag is None or subject is None:
                known = self._etags.trusted_subject(name)
                if known is None or (etag is not None and known[0] != etag):
                    return self._first_sight(name, spec, durable)
                etag, subject = known
            spec = spec.aimed(subject)
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
            return self._fetched(name, spec, known, durable, None, NO_SUBJECT)
        stored = original.stored
        self._etags.learn(name, stored.etag, seen, stored.looks.subject)
        if self._looks is not None and self._looks.needs_describing(stored):
            looks = self._looks
            original.body.when_whole(lambda data: looks.describe_later(name, stored.etag, data))
        key = DerivedImageKey(name, stored.etag, spec.aimed(stored.looks.subject))
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
