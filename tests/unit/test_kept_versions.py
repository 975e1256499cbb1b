"""KeptVersions (SPEC 13): which original a `v=` or `version=` names, restores seen by every
worker and purged at the edge, and the bound on kept versions."""

from __future__ import annotations

import hashlib

import pytest

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.kept_versions import KeptVersions, PinnedOriginal
from image_repo.application.ports import ArrivingOriginal
from image_repo.domain.errors import ImageNotFoundError, InvalidParameterError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName
from image_repo.domain.records import ImageInfo, StoredOriginal, StoredVersion
from tests.fakes import (
    InMemoryKnownEtags,
    InMemoryNameGenerations,
    InMemoryOriginalStore,
    ManualClock,
)

CAT = ImageName.parse("a/cat")
INFO = ImageInfo(ImageFormat.PNG, 1, 1)


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Versions:
    """Swift's object versioning as the port describes it, on an InMemoryOriginalStore."""

    def __init__(self, store: InMemoryOriginalStore) -> None:
        self.store = store
        self.kept: list[tuple[str, bytes]] = []  # oldest first
        self.deleted: list[str] = []

    def put(self, data: bytes) -> None:
        self.kept.append((f"{1000 + len(self.kept)}.00000", data))
        self.store.put(CAT, data, INFO)

    def enable(self) -> None:
        pass

    def list(self, name: ImageName) -> list[StoredVersion]:
        current = self.store.objects.get(str(name))
        return [
            StoredVersion(vid, md5(data), len(data), "2026-12-04T09:00:00Z", data == current)
            for vid, data in reversed(self.kept)
        ]

    def restore(self, name: ImageName, version_id: str) -> StoredOriginal:
        data = dict(self.kept)[version_id]
        self.put(data)
        return self.store.head(name)

    def delete(self, name: ImageName, version_id: str) -> bool:
        self.deleted.append(version_id)
        self.kept = [(v, d) for v, d in self.kept if v != version_id]
        return True

    def stream(self, name: ImageName, version_id: str) -> ArrivingOriginal:
        raise NotImplementedError("KeptVersions never reads bytes")


class Purges:
    def __init__(self) -> None:
        self.keys: list[tuple[str, ...]] = []

    def purge(self, keys: tuple[str, ...]) -> None:
        self.keys.append(keys)


def kept(keep: int = 2, *, on: bool = True) -> tuple[KeptVersions, Versions, Purges]:
    store = InMemoryOriginalStore()
    versions, purges = Versions(store), Purges()
    etags = CoherentEtags(
        InMemoryNameGenerations(), InMemoryKnownEtags(), ManualClock(), 60, edge=purges
    )
    return KeptVersions(store, versions if on else None, etags, keep), versions, purges


def test_a_pin_names_the_current_original_or_a_kept_one() -> None:
    uses, versions, _ = kept()
    versions.put(b"one")
    versions.put(b"two")
    assert uses.pinned(CAT, md5(b"two")[:12]) == PinnedOriginal(md5(b"two"))
    assert uses.pinned(CAT, md5(b"one")[:12]) == PinnedOriginal(md5(b"one"), "1000.00000")
    with pytest.raises(ImageNotFoundError):
        uses.pinned(CAT, "0" * 12)


def test_with_versions_off_only_the_current_original_can_be_pinned() -> None:
    uses, versions, _ = kept(on=False)
    versions.put(b"one")
    versions.put(b"two")
    assert uses.pinned(CAT, md5(b"two")[:12]) == PinnedOriginal(md5(b"two"))
    with pytest.raises(ImageNotFoundError):
        uses.pinned(CAT, md5(b"one")[:12])
    with pytest.raises(InvalidParameterError, match=r"swift\.versions"):
        uses.list(CAT)


def test_a_restore_is_a_write_every_worker_and_edge_hears_of() -> None:
    uses, versions, purges = kept()
    versions.put(b"one")
    versions.put(b"two")
    restored = uses.restore(CAT, "1000.00000")
    assert restored.etag == md5(b"one")
    assert purges.keys == [("a/cat", "list:a/", "list:")]
    assert uses.pinned(CAT, md5(b"one")[:12]) == PinnedOriginal(md5(b"one"))


def test_the_oldest_earlier_versions_past_keep_are_pruned() -> None:
    uses, versions, _ = kept(keep=2)
    for data in (b"1", b"2", b"3", b"4"):
        versions.put(data)
        uses.prune(CAT)
    assert versions.deleted == ["1000.00000"]
    assert [v.etag for v in uses.list(CAT)] == [md5(b"4"), md5(b"3"), md5(b"2")]
