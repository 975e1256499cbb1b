"""KeptVersions: the earlier versions of each original that the store keeps (SPEC 13,
`swift.versions`): listed, served by id or by `v=`, restored, and bounded in number."""

from __future__ import annotations

import logging

import attrs

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.ports import OriginalStore, OriginalVersions
from image_repo.domain.errors import (
    ImageNotFoundError,
    InvalidParameterError,
    StoreUnavailableError,
)
from image_repo.domain.names import ImageName
from image_repo.domain.records import StoredOriginal, StoredVersion

logger = logging.getLogger(__name__)


@attrs.frozen
class PinnedOriginal:
    """The original a pinned request names: its ETag, and the kept version holding it (None:
    the current object)."""

    etag: str
    version_id: str | None = None


class KeptVersions:
    """With versions off (`versions` None) only the current original can be pinned, and asking
    for versions is a 400 that names the option."""

    def __init__(
        self,
        store: OriginalStore,
        versions: OriginalVersions | None,
        etags: CoherentEtags,
        keep: int,
    ) -> None:
        self._store = store
        self._versions = versions
        self._etags = etags
        self._keep = keep

    @property
    def is_on(self) -> bool:
        return self._versions is not None

    def list(self, name: ImageName) -> list[StoredVersion]:
        """Newest first; a name never stored (or with nothing kept) is a 404."""
        kept = self._on().list(name)
        if not kept:
            raise ImageNotFoundError(f"no image named {name}, and no version of it kept")
        return kept

    def pinned(self, name: ImageName, pin: str) -> PinnedOriginal:
        """The original whose ETag starts with `pin` (`v=`): the current one (trusted without
        I/O when this process knows it, else one HEAD) or, with versions on, a kept one."""
        trusted = self._etags.trusted(name)
        if trusted is not None and trusted.startswith(pin):
            return PinnedOriginal(trusted)
        seen = self._etags.generation(name)
        try:
            current: StoredOriginal | None = self._store.head(name)
        except ImageNotFoundError:
            current = None
        if current is not None:
            self._etags.learn(name, current.etag, seen, current.looks.subject)
            if current.etag.startswith(pin):
                return PinnedOriginal(current.etag)
        if self._versions is not None:
            for version in self._versions.list(name):
                if version.etag.startswith(pin):
                    return PinnedOriginal(version.etag, version.version_id)
        raise ImageNotFoundError(f"{name} has no version v={pin} (any more)")

    def by_id(self, name: ImageName, version_id: str) -> PinnedOriginal:
        for version in self._on().list(name):
            if version.version_id == version_id:
                return PinnedOriginal(version.etag, version_id)
        raise ImageNotFoundError(f"{name} has no kept version {version_id}")

    def restore(self, name: ImageName, version_id: str) -> StoredOriginal:
        """The version becomes the current original, for every worker and node and at the edge
        at once, as after a PUT."""
        versions = self._on()
        try:
            restored = versions.restore(name, version_id)
        except ImageNotFoundError:
            raise
        except BaseException:
            self._etags.changed(name, None)  # the store may have done it before failing
            raise
        self._etags.changed(name, restored.etag)
        self.prune(name)
        return restored

    def prune(self, name: ImageName) -> None:
        """Delete the earlier versions past `keep`, oldest first. A failure is logged, not
        raised: the write it follows has succeeded, and the next write prunes again."""
        if self._versions is None:
            return
        try:
            earlier = [v for v in self._versions.list(name) if not v.is_current]
            for version in earlier[self._keep :]:
                self._versions.delete(name, version.version_id)
        except StoreUnavailableError as error:
            logger.warning("pruning the versions of %s failed: %s", name, error)

    def _on(self) -> OriginalVersions:
        if self._versions is None:
            raise InvalidParameterError("versions are off on this server (swift.versions: false)")
        return self._versions
