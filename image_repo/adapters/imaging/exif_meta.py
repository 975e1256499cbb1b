"""The documented EXIF whitelist that `meta=true` may reveal; GPS only when configured."""

from __future__ import annotations

from PIL import Image

from image_repo.domain.records import ExifValue

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
    return round(number, 6) if number == number else None


def _degrees(dms: object, ref: object) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in dms)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    sign = -1 if ref in ("S", "W") else 1
    return round(sign * (degrees + minutes / 60 + seconds / 3600), 7)


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
