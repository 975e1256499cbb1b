"""What `meta=true` reads: the documented EXIF whitelist it may reveal (GPS only when
configured), and StartOfImage, which tells whether an original's first bytes were enough."""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING, NoReturn

from PIL import Image

from image_repo.domain.records import ExifValue

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

EXIF_IFD = 0x8769
GPS_IFD = 0x8825

# (IFD, tag, JSON key). The whitelist is the contract: anything else stays private.
WHITELIST: tuple[tuple[int | None, int, str], ...] = (
    (None, 0x010F, "make"),
    (None, 0x0110, "model"),
    (None, 0x0112, "orientation"),
    (EXIF_IFD, 0x9003, "date_taken"),
    (EXIF_IFD, 0x829A, "exposure_time"),
    (EXIF_IFD, 0x829D, "f_number"),
    (EXIF_IFD, 0x8827, "iso"),
    (EXIF_IFD, 0x920A, "focal_length"),
    (EXIF_IFD, 0xA434, "lens"),
)


def _plain(value: object) -> ExifValue | None:
    """EXIF values as JSON scalars: rationals become floats, bytes and odd types are dropped."""
    if isinstance(value, tuple) and value:
        value = value[0]
    if isinstance(value, str):
        return value.strip("\x00 ").strip() or None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(value)  # type: ignore[arg-type]  # IFDRational and friends
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    # ten significant digits: a 1/6400 s exposure rounded to 6 decimals read as 1/6410 s
    return float(f"{number:.10g}") if number == number else None


def _degrees(dms: object, ref: object) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in dms)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    sign = -1 if ref in ("S", "W") else 1
    return round(sign * (degrees + minutes / 60 + seconds / 3600), 7)


def iso_date(exif_date: str) -> str | None:
    """EXIF's `2024:07:14 18:22:05` as ISO 8601 (`2024-07-14T18:22:05`, local time of the
    camera: EXIF 2.3 keeps the zone apart, in OffsetTimeOriginal); None for what is not a
    date (cameras write `0000:00:00 00:00:00` or blanks when their clock was never set)."""
    try:
        taken = datetime.strptime(exif_date.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        try:
            taken = datetime.fromisoformat(exif_date.strip())  # already ISO: some tools write it
        except ValueError:
            return None
    return taken.isoformat(timespec="seconds")


def readable_exif(image: Image.Image) -> Image.Exif | None:
    """The image's EXIF, or None when the block cannot be read: a corrupt EXIF block must not
    make an image unservable."""
    try:
        return image.getexif()
    except Exception:
        return None


def whitelisted_exif(image: Image.Image, *, include_gps: bool) -> dict[str, ExifValue]:
    """A corrupt EXIF block yields what could be read, never an error."""
    exif = readable_exif(image)
    if exif is None:
        return {}
    found: dict[str, ExifValue] = {}
    for ifd, tag, key in WHITELIST:
        try:
            source = exif if ifd is None else exif.get_ifd(ifd)
            value = _plain(source.get(tag))
        except Exception:
            continue
        if key == "date_taken" and isinstance(value, str):
            value = iso_date(value)
        if value is not None:
            found[key] = value
    if include_gps:
        found.update(_gps(exif))
    return found


def _gps(exif: Image.Exif) -> dict[str, ExifValue]:
    try:
        gps = exif.get_ifd(GPS_IFD)
    except Exception:
        return {}
    latitude = _degrees(gps.get(2), gps.get(1))
    longitude = _degrees(gps.get(4), gps.get(3))
    result: dict[str, ExifValue] = {}
    if latitude is not None and longitude is not None:
        result["gps_latitude"] = latitude
        result["gps_longitude"] = longitude
    altitude = _plain(gps.get(6))
    if isinstance(altitude, float | int):
        result["gps_altitude"] = -altitude if gps.get(5) == 1 else altitude
    return result


class _PastTheStart(Exception):
    """Raised by StartOfImage to stop a decoder that wants bytes it does not hold."""


class StartOfImage(io.RawIOBase):
    """The first bytes of an image, as a file that refuses any read past them, and a seek to the
    end too (its position would be the start's size, not the image's). A decoder that worked
    something out without a refusal read only bytes the whole image has at the same offsets, so
    it works out the same from the whole: `wanted_more` False means the start was enough.

    A refusal raises, to stop the decoder at once, and is remembered, because decoders swallow
    errors (Pillow tries the next plugin; `readable_exif` returns None). Every read goes through
    `readinto` (RawIOBase's `read`, `readall` and `readline` call it), so none escapes."""

    def __init__(self, start: bytes) -> None:
        super().__init__()
        self._start = start
        self._position = 0
        self.wanted_more = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            self._refuse("the end of the image")
        position = offset + (self._position if whence == io.SEEK_CUR else 0)
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._position = position
        return position

    def readinto(self, buffer: WriteableBuffer) -> int:
        target = memoryview(buffer).cast("B")
        end = self._position + len(target)
        if end > len(self._start):
            self._refuse(f"bytes {self._position}-{end - 1}")
        target[:] = self._start[self._position : end]
        self._position = end
        return len(target)

    def _refuse(self, wanted: str) -> NoReturn:
        self.wanted_more = True
        raise _PastTheStart(f"asked for {wanted}, past the {len(self._start)} bytes held")
