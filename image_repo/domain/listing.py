"""From stored object names to image names: extensions dropped, each name once (SPEC §2)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from image_repo.domain.names import ImageName


def unique_image_names(object_names: Iterable[str]) -> Iterator[ImageName]:
    """Yield the image each object holds, once, in the store's (byte-sorted) listing order.

    `cat`, `cat.jpg` and `cat.png` are one image. In a sorted listing every name that has one
    of those as a prefix lies between them, so a stack of the names still open as prefixes finds
    duplicates in O(depth) memory, which keeps a listing of millions of objects streaming.
    """
    open_prefixes: list[str] = []
    for object_name in object_names:
        while open_prefixes and not object_name.startswith(open_prefixes[-1]):
            open_prefixes.pop()
        name = ImageName.from_object_name(object_name)
        if name is None or name.value in open_prefixes:
            continue
        open_prefixes.append(name.value)
        yield name
