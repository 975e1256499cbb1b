"""From stored objects to images: extensions dropped, each name once (SPEC §2)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from image_repo.domain.names import ImageName
from image_repo.domain.records import ListedObject


@attrs.frozen
class ListedImage:
    """An image as the listing shows it: its name and the ETag of the object that holds it."""

    name: ImageName
    etag: str


def unique_images(objects: Iterable[ListedObject]) -> Iterator[ListedImage]:
    """Yield the image each object holds, once, in the store's (byte-sorted) listing order.

    `cat`, `cat.jpg` and `cat.png` are one image, held by the first of them listed (`cat` wins,
    as in the store's lookups). In a sorted listing every name that has one of those as a prefix
    lies between them, so a stack of the names still open as prefixes finds duplicates in
    O(depth) memory, which keeps a listing of millions of objects streaming.
    """
    open_prefixes: list[str] = []
    for listed in objects:
        while open_prefixes and not listed.name.startswith(open_prefixes[-1]):
            open_prefixes.pop()
        name = ImageName.from_object_name(listed.name)
        if name is None or name.value in open_prefixes:
            continue
        open_prefixes.append(name.value)
        yield ListedImage(name, listed.etag)
