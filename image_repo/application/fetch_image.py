"""FetchImage: a derived image from the first cache tier that has it, or made anew, once."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import attrs

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.ports import (
    ArrivingOriginal,
    FetchMetrics,
    ImageProcessor,
    ImageSource,
    OriginalStore,
)
from image_repo.application.single_flight import Claim, SingleFlight
from image_repo.application.stored_originals import damage_reported
from image_repo.application.tiered_cache import FetchedImage, TieredCache
from image_repo.domain.errors import ImageNotFoundError, StoreUnavailableError
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.limits import ImageLimits
from image_repo.domain.names import ImageName
from image_repo.domain.records import DerivedImage
from image_repo.domain.spec import Spec

# Threads asking the cache tiers while first views decode (each waits on one Swift request).
LOOKUP_THREADS = 4
# How long a request waits for an eager derivation of its key claimed but not yet made.
EAGER_PATIENCE_SECONDS = 0.5


@attrs.frozen
class ClaimedDerivation:
    """A key claimed for an eager derivation: `FetchImage.from_upload` makes it, or
    `claim.release()` gives it up."""

    key: DerivedImageKey
    claim: Claim[FetchedImage]


class FetchImage:
    """The key holds the original's ETag, which `etags` vouches for (or the caller, from a
    listing it just read), so a replaced original never serves an old derivative.

    A name whose ETag is not trusted (a first view, or one past the TTL) costs one GET of the
    original and nothing before it: the ETag comes with the GET's headers, memory and disk are
    asked under it, then the cache container while the processor decodes the body as it
    arrives (a hit abandons the download). Uploads' eager derivations claim their keys here
    (`claim_for_upload`), so requests wait for them rather than repeat them. Concurrent
    requests for one key look up and derive once (single flight); an original is downloaded
    once per ETag however many sizes are asked of it at once, and kept in memory for the next
    (its own budget)."""

    def __init__(
        self,
        store: OriginalStore,
        processor: ImageProcessor,
        limits: ImageLimits,
        etags: CoherentEtags,
        cache: TieredCache,
        metrics: FetchMetrics,
    ) -> None:
        self._store = store
        self._processor = processor
        self._limits = limits
        self._etags = etags
        self._cache = cache
        self._metrics = metrics
        self._derivations: SingleFlight[FetchedImage] = SingleFlight(EAGER_PATIENCE_SECONDS)
        self._downloads: SingleFlight[ArrivingOriginal] = SingleFlight()
        # cache lookups made beside a first view's decoding
        self._lookups = ThreadPoolExecutor(LOOKUP_THREADS, thread_name_prefix="lookup")

    def execute(
        self, name: ImageName, spec: Spec, *, etag: str | None = None, durable: bool = False
    ) -> FetchedImage:
        """`durable`: a new derivation is in the cache container before this returns."""
        etag = etag or self._etags.trusted(name)
        if etag is None:
            return self._first_sight(name, spec, durable)
        return self._known(DerivedImageKey(name, etag, spec), durable)

    def claim_for_upload(
        self, name: ImageName, etag: str, specs: tuple[Spec, ...]
    ) -> list[ClaimedDerivation]:
        """Claim the keys of `specs` for an original just uploaded, before its derivations are
        queued: a request for one of them meanwhile waits for it (at most
        EAGER_PATIENCE_SECONDS, then derives itself) instead of repeating it. A key already
        in flight is left out."""
        claimed = []
        for spec in specs:
            key = DerivedImageKey(name, etag, spec)
            claim = self._derivations.claim(key.digest())
            if claim is not None:
                claimed.append(ClaimedDerivation(key, claim))
        return claimed

    def from_upload(self, claimed: ClaimedDerivation, data: bytes, decoded_as: str | None) -> None:
        """Derive a claimed key from the bytes the upload holds and what checking it decoded
        (`decoded_as`, see ImageProcessor.check_decodes): nothing can be cached under its new
        ETag yet, so no tier is asked."""
        key = claimed.key

        def derive() -> FetchedImage:
            # kept in memory before a waiting request gets it: from there it is answered
            made = self._make(key, key.original_etag, data, decoded_as, background=True)
            return attrs.evolve(self._keep(*made, durable=False), tier="memory")

        claimed.claim.fulfil(derive)

    def _known(self, key: DerivedImageKey, durable: bool) -> FetchedImage:
        def lookup_or_derive() -> FetchedImage:
            return self._cache.get(key) or self._derive(key, durable, *self._original(key))

        return self._once(key, durable, lookup_or_derive)

    def _first_sight(self, name: ImageName, spec: Spec, durable: bool) -> FetchedImage:
        seen = self._etags.generation(name)
        try:
            original = self._download(name)
        except ImageNotFoundError:
            self._etags.forget(name)
            raise
        except StoreUnavailableError:
            etag = self._etags.known_in_outage(name)
            if etag is None:
                raise
            return self._known(DerivedImageKey(name, etag, spec), durable)
        etag = original.stored.etag
        self._etags.learn(name, etag, seen)
        key = DerivedImageKey(name, etag, spec)
        led: list[bool] = []

        def lead() -> FetchedImage:
            led.append(True)
            return self._derive_beside_lookup(key, durable, original)

        try:
            return self._once(key, durable, lead)
        finally:
            if not led:  # another request made it, from its own download
                original.body.abandon()

    def _derive_beside_lookup(
        self, key: DerivedImageKey, durable: bool, original: ArrivingOriginal
    ) -> FetchedImage:
        """Memory and disk first (no I/O); then decode the arriving body while the cache
        container is asked on another thread (its answer costs a Swift round trip), and serve
        what it has: its hit stops the decoding (the body is abandoned, so its reads fail); a
        derivation finished first is dropped, so the tiers never get a second copy."""
        local = self._cache.get_local(key)
        if local is not None:
            original.body.abandon()
            return local
        lookup = self._lookups.submit(self._cache.get_shared, key)

        def stop_decoding(done: Future[FetchedImage | None]) -> None:
            if done.exception() is None and done.result() is not None:
                original.body.abandon()

        lookup.add_done_callback(stop_decoding)
        try:
            made_key, image = self._make(key, original.stored.etag, original.body)
        except Exception:
            original.body.abandon()
            cached = _answer(lookup)
            if cached is not None:
                return cached
            raise
        return _answer(lookup) or self._keep(made_key, image, durable)

    def _once(
        self, key: DerivedImageKey, durable: bool, work: Callable[[], FetchedImage]
    ) -> FetchedImage:
        """`work` once for all concurrent callers of `key` (a durable request is a flight of its
        own: it must see its image stored)."""
        flight = f"{key.digest()}/durable" if durable else key.digest()
        return self._derivations.run(flight, work)

    def _derive(
        self,
        key: DerivedImageKey,
        durable: bool,
        etag: str,
        source: ImageSource,
        decoded_as: str | None = None,
    ) -> FetchedImage:
        return self._keep(*self._make(key, etag, source, decoded_as), durable)

    def _make(
        self,
        key: DerivedImageKey,
        etag: str,
        source: ImageSource,
        decoded_as: str | None = None,
        *,
        background: bool = False,
    ) -> tuple[DerivedImageKey, DerivedImage]:
        if etag != key.original_etag:  # replaced since the ETag was learnt: make the new one
            key = attrs.evolve(key, original_etag=etag)
        with damage_reported(key.name):
            self._limits.check(self._processor.identify(source))
            original_id = decoded_as or f"{etag}/{key.name}"
            image = self._processor.derive(source, key.spec, original_id, background=background)
            return key, image

    def _keep(self, key: DerivedImageKey, image: DerivedImage, durable: bool) -> FetchedImage:
        self._metrics.derivation()
        self._cache.put(key, image, durable=durable)
        return FetchedImage(key, image, "derived")

    def _original(self, key: DerivedImageKey) -> tuple[str, ImageSource]:
        kept = self._cache.original(key.name, key.original_etag)
        if kept is not None:
            return key.original_etag, kept
        flight = f"{key.original_etag}/{key.name}"
        original = self._downloads.run(flight, lambda: self._download(key.name))
        return original.stored.etag, original.body

    def _download(self, name: ImageName) -> ArrivingOriginal:
        """The original's GET; its bytes are kept in memory once all have arrived."""
        original = self._store.stream(name)
        etag = original.stored.etag
        original.body.when_whole(lambda data: self._cache.keep_original(name, etag, data))
        return original


def _answer(lookup: Future[FetchedImage | None]) -> FetchedImage | None:
    """The lookup's hit, once it has answered; a lookup that failed found nothing."""
    return lookup.result() if lookup.exception() is None else None
