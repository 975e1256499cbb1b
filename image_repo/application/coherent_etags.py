"""CoherentEtags: which original ETag a name may be served under, by every worker and node."""

from __future__ import annotations

import threading

from image_repo.application.ports import Clock, EdgePurger, KnownEtags, NameGenerations, NoEdge
from image_repo.domain.edge_keys import purge_keys
from image_repo.domain.looks import Subject
from image_repo.domain.names import ImageName

# ETags remembered per process; the oldest learnt go first past this many names.
MAX_NAMES_REMEMBERED = 100_000

# (etag, learnt at in seconds since 1970, the name's generation when the store was asked, the
# original's subject (SPEC 15) if the answer told it)
_Learnt = tuple[str, float, int, Subject | None]


class CoherentEtags:
    """Every cached image is keyed by its original's ETag, so serving the right image comes down
    to knowing the right ETag. Asking Swift on every request would put a HEAD on every cache
    hit; instead an ETag this process learnt is trusted while both hold:

    - the name's generation, shared by the workers of this server and moved on by every PUT
      and DELETE of it here once Swift has answered, is the one read before Swift was asked.
      So once a PUT or DELETE has answered, no worker of this server trusts what it knew,
      including a request that asked Swift just before the write and learns just after it;
    - it was learnt less than `ttl_seconds` ago. That bounds what a server can serve after a
      write through another server (the cluster site routes each name to one server, so only
      requests that bypass the routing, or a flapping node, meet this bound).

    Otherwise the caller asks Swift (FetchImage: the original's GET) and `learn`s the answer.
    The last ETag seen is also kept on disk; it is used only while Swift is unreachable
    (`known_in_outage`), so that cached images keep serving through an outage, and never after
    a restart while Swift answers.

    The original's subject (its focal point and faces, SPEC 15) is learnt with its ETag and
    trusted by the same rule: recording a focus moves the name's generation as a PUT does,
    without changing the ETag."""

    def __init__(
        self,
        generations: NameGenerations,
        persisted: KnownEtags,
        clock: Clock,
        ttl_seconds: float,
        edge: EdgePurger | None = None,
    ) -> None:
        self._edge = edge or NoEdge()
        self._generations = generations
        self._persisted = persisted
        self._clock = clock
        self._ttl_seconds = ttl_seconds
        self._learnt: dict[str, _Learnt] = {}
        self._write_lock = threading.Lock()  # reads are single dict lookups, atomic

    def trusted(self, name: ImageName, max_age_seconds: float | None = None) -> str | None:
        """The ETag if it may be served without asking Swift; no I/O (the event loop asks).
        `max_age_seconds`: trusted for less than the TTL (a watermark, which marks images of
        every name, so routing by name does not keep its writes on the node that serves)."""
        learnt = self._trusted(name, max_age_seconds)
        return None if learnt is None else learnt[0]

    def trusted_subject(self, name: ImageName) -> tuple[str, Subject] | None:
        """The ETag and the subject, if both may be used without asking Swift; no I/O."""
        learnt = self._trusted(name, None)
        if learnt is None or learnt[3] is None:
            return None
        return learnt[0], learnt[3]

    def _trusted(self, name: ImageName, max_age_seconds: float | None) -> _Learnt | None:
        learnt = self._learnt.get(name.value)
        if learnt is None:
            return None
        _, learnt_at, generation, _ = learnt
        ttl = (
            self._ttl_seconds
            if max_age_seconds is None
            else min(max_age_seconds, self._ttl_seconds)
        )
        if self._clock.now() - learnt_at >= ttl:
            return None
        if self._generations.current(name) != generation:
            return None
        return learnt

    def generation(self, name: ImageName) -> int:
        """Read before asking the store about `name`, to pass to `learn` afterwards."""
        return self._generations.current(name)

    def learn(self, name: ImageName, etag: str, seen: int, subject: Subject | None = None) -> None:
        """Remember what the store said, unless `name` was written here since `seen` was read
        (the answer may predate the write). The disk copy is checked again after it is written:
        a DELETE that forgot it in between must not find it back. `subject`: the original's,
        when the answer told it (a GET's or HEAD's headers do; None: not known)."""
        with self._write_lock:
            if self._generations.current(name) != seen:
                return
            self._learnt.pop(name.value, None)
            self._learnt[name.value] = (etag, self._clock.now(), seen, subject)
            if len(self._learnt) > MAX_NAMES_REMEMBERED:
                del self._learnt[next(iter(self._learnt))]
        self._persisted.put(name, etag)
        if self._generations.current(name) != seen:
            self._persisted.forget(name)

    def changed(self, name: ImageName, etag: str | None, subject: Subject | None = None) -> None:
        """After a PUT, restore or recorded focus (`etag`: the original's now, `subject` its
        subject if known) or a DELETE (None) of `name` here, once the store has answered:
        every worker of this server stops trusting what it knew, and then the edges in front of
        every server (`edge`, SPEC 13) drop what they keep of it, within the purger's bound on
        the write's time."""
        seen = self._generations.advance(name)
        if etag is None:
            self.forget(name)
        else:
            self.learn(name, etag, seen, subject)
        self._edge.purge(purge_keys(name))

    def known_in_outage(self, name: ImageName) -> str | None:
        """The ETag to serve cached images under while the store cannot be asked, if any."""
        learnt = self._learnt.get(name.value)
        if learnt is not None and learnt[2] == self._generations.current(name):
            return learnt[0]
        return self._persisted.get(name)

    def forget(self, name: ImageName) -> None:
        """The store says there is no such name."""
        with self._write_lock:
            self._learnt.pop(name.value, None)
        self._persisted.forget(name)
