"""Small frozen records that cross the ports: facts about images, never framework objects."""

from __future__ import annotations

import attrs

from image_repo.domain.formats import ImageFormat
from image_repo.domain.looks import NO_LOOKS, Looks


@attrs.frozen
class ImageInfo:
    """What an image's header says. Width and height are as displayed (EXIF orientation
    applied), because that is what every client means by an image's size."""

    format: ImageFormat
    width: int
    height: int
    frames: int = 1

    @property
    def pixels(self) -> int:
        return self.width * self.height * self.frames


@attrs.frozen
class StoredOriginal:
    """An original as the store holds it: its object, ETag (MD5 of the bytes) and metadata."""

    name: str
    object_name: str
    etag: str
    bytes: int
    content_type: str  # the bare media type
    last_modified: str = ""
    looks: Looks = NO_LOOKS  # SPEC 15, as recorded for these bytes


@attrs.frozen
class ListedObject:
    """One entry of the store's listing: an object's name and its ETag (the MD5 of its bytes).
    A listing carries every object's current ETag, so whoever reads one needs no HEAD per name.
    With a delimiter, `is_folder` marks a pseudo-directory (its name ends in the delimiter)."""

    name: str
    etag: str
    is_folder: bool = False
    bytes: int = 0
    last_modified: str = ""  # as the store lists it (Swift: ISO 8601 UTC without a zone)
    looks: Looks = NO_LOOKS  # SPEC 15, from the listing too


@attrs.frozen
class StoredVersion:
    """One version of an original that the store keeps (Swift's object versioning): its
    version id, the ETag and size of its bytes, when it was written (ISO 8601 UTC) and whether it
    is the current one (a deleted name has kept versions and no current one)."""

    version_id: str
    etag: str
    bytes: int
    last_modified: str
    is_current: bool


@attrs.frozen
class Original:
    stored: StoredOriginal
    data: bytes = attrs.field(repr=False)


@attrs.frozen
class DerivedImage:
    """Encoded bytes of a derived image, ready to serve."""

    format: ImageFormat
    data: bytes = attrs.field(repr=False)


@attrs.frozen
class TempUrl:
    """A temporary, signed URL; `expires` in seconds since 1970."""

    url: str
    expires: int


ExifValue = str | int | float


@attrs.frozen
class ImageMeta:
    """What `meta=true` tells about an original: never more than the EXIF whitelist."""

    format: ImageFormat
    width: int
    height: int
    mode: str
    exif: dict[str, ExifValue] = attrs.field(factory=dict)
