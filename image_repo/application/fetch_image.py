"""FetchImage: the derived image a Spec describes, from the cache container or made anew."""

from __future__ import annotations

from typing import Literal

import attrs

from image_repo.application.ports import DerivedStore, ImageProcessor, OriginalStore
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.limits import ImageLimits
from image_repo.domain.names import ImageName
from image_repo.domain.records import DerivedImage
from image_repo.domain.spec import Spec

Tier = Literal["memory", "disk", "swift", "derived"]


@attrs.frozen
class FetchedImage:
    key: DerivedImageKey
    image: DerivedImage
    tier: Tier


class FetchImage:
    """The original's ETag enters the key, so a re-uploaded original never serves an old
    derivative. The limits are checked again before decoding because they may have shrunk
    since the upload."""

    def __init__(
        self,
        store: OriginalStore,
        processor: ImageProcessor,
        limits: ImageLimits,
        derived: DerivedStore | None = None,
    ) -> None:
        self._store = store
        self._processor = processor
        self._limits = limits
        self._derived = derived

    def execute(self, name: ImageName, spec: Spec) -> FetchedImage:
        if self._derived is not None:
            key = DerivedImageKey(name, self._store.head(name).etag, spec)
            data = self._derived.get(key)
            if data is not None:
                return FetchedImage(key, DerivedImage(spec.kind, data), "swift")
        original = self._store.get(name)
        key = DerivedImageKey(name, original.stored.etag, spec)
        self._limits.check(self._processor.identify(original.data))
        image = self._processor.derive(original.data, spec)
        if self._derived is not None:
            self._derived.put(key, image)
        return FetchedImage(key, image, "derived")
