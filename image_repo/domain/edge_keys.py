"""Surrogate keys: the names a CDN or Varnish files each answer under, so a write can purge
exactly what it made stale (SPEC 13).

An image answer is filed under its name and the folders above it (`a/b/c`, `a/`, `a/b/`): a
person can drop one image or a whole folder at the edge. A listing or a selection (a zip, several
images' meta) is filed under `list:` + the folder it lists, beside the names it holds, because a
new name in that folder changes it without being in it. A write of a name purges the name and
the listing keys of the folders above it, never their folder keys, so the other images of the
folder stay cached.

Keys stay short, so an answer's key headers fit every proxy's header buffer: a name or folder
whose percent-encoded form is longer than MAX_KEY_BYTES is filed under `h:` and a hash of it
instead, and an image answer names at most MAX_FOLDER_KEYS folders (the top ones)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from urllib.parse import quote

from image_repo.domain.names import ImageName

LISTING_PREFIX = "list:"  # `:` is percent-encoded in a name's key, so no name key starts so
HASHED_PREFIX = "h:"
MAX_KEY_BYTES = 100
MAX_FOLDER_KEYS = 6
# A selection's keys past this many bytes are not sent: three headers of them must fit in a
# proxy's buffer for all of an answer's headers (nginx: proxy_buffer_size, which the shipped
# sites set to 32k; its default is 4k), and a partial set of keys would leave the answer
# unpurgeable.
MAX_KEYS_BYTES = 6 * 1024


def name_key(name: ImageName | str) -> str:
    """The key of one name or folder: percent-encoded, so it holds no space, comma or
    non-ASCII; hashed when that is longer than MAX_KEY_BYTES."""
    key = quote(str(name), safe="/")
    if len(key) <= MAX_KEY_BYTES:
        return key
    return HASHED_PREFIX + hashlib.sha256(key.encode("ascii")).hexdigest()[:32]


def _folders(path: str) -> list[str]:
    """`a/b/c` -> [`a/`, `a/b/`]."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: index + 1]) + "/" for index in range(len(parts))]


def image_keys(name: ImageName) -> tuple[str, ...]:
    """The keys of an image answer: the name's, then the folders' above it (the top
    MAX_FOLDER_KEYS)."""
    folders = _folders(str(name))[:MAX_FOLDER_KEYS]
    return (name_key(name), *(name_key(folder) for folder in folders))


def listing_key(folder: str) -> str:
    """The key of a listing or selection of `folder` (`a/b/`, or "" for the root)."""
    return LISTING_PREFIX + name_key(folder)


def purge_keys(name: ImageName) -> tuple[str, ...]:
    """What a write of `name` makes stale: the name's answers, and the listings and selections
    of every folder above it (the root's included)."""
    listings = ["", *_folders(str(name))]
    return (name_key(name), *(listing_key(folder) for folder in reversed(listings)))


def selection_keys(folder: str, names: Iterable[ImageName]) -> tuple[str, ...] | None:
    """The keys of a selection of `names` under `folder`; None when they would not fit in
    MAX_KEYS_BYTES (the answer must then not be kept by a shared cache)."""
    keys = [listing_key(folder)]
    size = len(keys[0])
    for name in names:
        key = name_key(name)
        size += len(key) + 1
        if size > MAX_KEYS_BYTES:
            return None
        keys.append(key)
    return tuple(keys)
