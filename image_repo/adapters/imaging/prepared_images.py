"""PreparedImages: decoded, upright, sRGB originals kept for the next size of the same photo."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from PIL import Image, ImageFile


def pixel_bytes(image: Image.Image) -> int:
    return image.width * image.height * len(image.getbands())


class PreparedImages:
    """Decoding is most of a derivation's cost (a 24 MP JPEG: ~36 ms at 1/8 DCT scale, the
    resize after it ~5 ms), and a gallery asks one original for several sizes at once. An entry
    is what decoding at one DCT scale, orienting and converting to sRGB produced; every size that
    decodes at the same scale starts from it, so the output is the same bytes as without it.

    Bounded by `max_bytes` of pixels; one entry may take at most a quarter of that, so a large
    decode (a 12 MP PNG is 48 MB) never flushes the small ones. Entries are never modified:
    the steps after preparation return new images."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, Image.Image] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def keeps_any(self) -> bool:
        """False with a budget of 0 (`cache.prepared_cache_bytes: 0`): nothing is ever kept."""
        return self._max_bytes > 0

    def get(self, key: Hashable) -> Image.Image | None:
        with self._lock:
            image = self._entries.get(key)
            if image is not None:
                self._entries.move_to_end(key)
            return image

    def put(self, key: Hashable, image: Image.Image) -> Image.Image:
        """Keeps `image` (a copy when it is still a file, which holds a decoder's state) with an
        empty `info`, since its profile and orientation are already applied; returns what the
        caller should go on with."""
        size = pixel_bytes(image)
        if size * 4 > self._max_bytes:
            return image
        if isinstance(image, ImageFile.ImageFile):
            image = image.copy()
        image.info = {}
        with self._lock:
            if key not in self._entries:
                while self._entries and self._bytes + size > self._max_bytes:
                    _, oldest = self._entries.popitem(last=False)
                    self._bytes -= pixel_bytes(oldest)
                self._entries[key] = image
                self._bytes += size
        return image

    @property
    def bytes(self) -> int:
        return self._bytes


class PreparedOriginal:
    """One original's entries in PreparedImages (`identity`, see IdentifiedSource): what
    PreparedCache hands the processor deriving from it, to start from and to fill. `decoded`
    is what decoding gives (mode and size: the DCT scale is chosen from the header alone)."""

    def __init__(self, images: PreparedImages, identity: str) -> None:
        self._images = images
        self._identity = identity

    def get(self, decoded: Hashable) -> Image.Image | None:
        return self._images.get((self._identity, decoded))

    def put(self, decoded: Hashable, image: Image.Image) -> Image.Image:
        """As PreparedImages.put: go on with what this returns."""
        return self._images.put((self._identity, decoded), image)
