"""From stored objects to the listing as served: extensions dropped, each name once, folders
(SPEC §2, §11)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import attrs

from image_repo.domain.errors import InvalidNameError
from image_repo.domain.looks import NO_LOOKS, Looks
from image_repo.domain.names import ImageName, check_name_rules
from image_repo.domain.records import ListedObject


@attrs.frozen
class ListedImage:
    """An image as the listing shows it: its name and the ETag, size and time of the object
    that holds it (all in the store's listing: `details=true` costs no request per entry)."""

    name: ImageName
    etag: str
    bytes: int = 0
    last_modified: str = ""
    looks: Looks = NO_LOOKS

    def __str__(self) -> str:
        return self.name.value


@attrs.frozen
class ListedFolder:
    """A pseudo-directory of a listing by `delimiter=/`: its path, ending in `/`."""

    path: str

    def __str__(self) -> str:
        return self.path


ListedEntry = ListedImage | ListedFolder


@attrs.frozen
class ListingQuery:
    """Swift's own listing parameters, applied to the listing as served (SPEC §11): `prefix`
    of the served names, `delimiter` ("/" or None) for one folder level, `marker` (entries
    after it in listing order, "" for none) and `limit` (None for all)."""

    prefix: str = ""
    delimiter: str | None = None
    marker: str = ""
    limit: int | None = None


def _never(_name: ImageName) -> bool:
    return False


def served_entries(
    objects: Iterable[ListedObject],
    *,
    after: str = "",
    served_before: Callable[[ImageName], bool] = _never,
) -> Iterator[ListedEntry]:
    """Yield the entries the objects hold, each once, in the store's (byte-sorted) order.

    `cat`, `cat.jpg` and `cat.png` are one image, held by the first of them listed (`cat` wins,
    as in the store's lookups). In a sorted listing every name that has one of those as a prefix
    lies between them, so a stack of the names still open as prefixes finds duplicates in
    O(depth) memory, which keeps a listing of millions of objects streaming.

    A listing resumed after the object `after` (a page of a paged listing) may meet a later
    object of a name served before it (`cat.jpg` after `cat-x`, when `cat` came before): only
    names that are prefixes of `after` can be such, and `served_before` is asked about those
    once each.
    """
    open_prefixes: list[str] = []
    for listed in objects:
        while open_prefixes and not listed.name.startswith(open_prefixes[-1]):
            open_prefixes.pop()
        if listed.is_folder:
            if _is_folder_path(listed.name):
                yield ListedFolder(listed.name)
            continue
        name = ImageName.from_object_name(listed.name)
        if name is None or name.value in open_prefixes:
            continue
        open_prefixes.append(name.value)
        if after.startswith(name.value) and served_before(name):
            continue
        yield ListedImage(name, listed.etag, listed.bytes, listed.last_modified, listed.looks)


def unique_images(objects: Iterable[ListedObject]) -> Iterator[ListedImage]:
    """The images of a listing without folders (see `served_entries`)."""
    return (e for e in served_entries(objects) if isinstance(e, ListedImage))


def _is_folder_path(path: str) -> bool:
    """A folder whose path could prefix a name (`a//` or `../` could not)."""
    try:
        check_name_rules(path[:-1])
    except InvalidNameError:
        return False
    return True


def holds(object_name: str, name: ImageName) -> bool:
    """The object holds the image `name` (`cat`, `cat.jpg`, `cat.PNG` hold `cat`)."""
    return ImageName.from_object_name(object_name) == name
