"""DerivationFlights: each derived image made once, however many ask for it at once."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from image_repo.application.single_flight import Claim, SingleFlight
from image_repo.application.tiered_cache import FetchedImage
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.spec import Spec

# How long a request waits for an eager derivation of its key claimed but not yet made.
EAGER_PATIENCE_SECONDS = 0.5


@attrs.frozen
class ClaimedDerivation:
    """A key claimed for an eager derivation: `claim.fulfil` makes it, or `claim.release`
    gives it up."""

    key: DerivedImageKey
    claim: Claim[FetchedImage]


def _nothing() -> None:
    pass


class DerivationFlights:
    """Requests for one key look up and derive once: the first does the work, the others wait
    for its answer. Eager work (an upload's presets) claims its keys before it is queued, so a
    request arriving meanwhile waits for it rather than repeating it, but at most
    `patience_seconds`: a long queue must not hold a request."""

    def __init__(self, patience_seconds: float = EAGER_PATIENCE_SECONDS) -> None:
        self._flights: SingleFlight[FetchedImage] = SingleFlight(patience_seconds)

    def run(
        self,
        key: DerivedImageKey,
        durable: bool,
        work: Callable[[], FetchedImage],
        *,
        if_joined: Callable[[], None] = _nothing,
    ) -> FetchedImage:
        """`work` once for all concurrent callers of `key`. A durable request is a flight of
        its own: it must see its image stored. `if_joined` runs when this caller's `work` did
        not, whatever the outcome (another caller's answer, or failure, was shared)."""
        flight = f"{key.digest()}/durable" if durable else key.digest()
        ran = False

        def run_here() -> FetchedImage:
            nonlocal ran
            ran = True
            return work()

        try:
            return self._flights.run(flight, run_here)
        finally:
            if not ran:
                if_joined()

    def claim(self, name: ImageName, etag: str, specs: tuple[Spec, ...]) -> list[ClaimedDerivation]:
        """Claim the keys of `specs` for an original just stored under `etag`, before their
        derivations are queued; a key already in flight is left out. Every claim must end,
        fulfilled or released: a claim left makes each request for its key wait out its
        patience."""
        claimed = []
        for spec in specs:
            key = DerivedImageKey(name, etag, spec)
            claim = self._flights.claim(key.digest())
            if claim is not None:
                claimed.append(ClaimedDerivation(key, claim))
        return claimed
