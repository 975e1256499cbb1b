"""Test images made on the fly with Pillow: photographic-ish content, EXIF with GPS."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw
from pillow_heif import register_heif_opener

register_heif_opener()  # lets the tests write HEIC uploads

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
XMP_TAG = 700
ORIENTATION = 0x0112


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0110] = "Model 1"  # Model
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 12.5)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 39.0)
    return exif


XMP_WITH_GPS = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description'
    b' exif:GPSLatitude="51,30.2N" exif:GPSLongitude="0,7.65W"/></rdf:RDF></x:xmpmeta>'
)


def exif_with_location_everywhere() -> Image.Exif:
    """GPS in its IFD, again in XMP kept as an IFD0 tag (as TIFF files carry it), beside
    metadata that stripping off keeps: make, model, and a date in the Exif IFD."""
    exif = exif_with_gps()
    exif.get_ifd(EXIF_IFD)[0x9003] = "2024:05:06 07:08:09"  # DateTimeOriginal
    exif[XMP_TAG] = XMP_WITH_GPS
    return exif


def picture(width: int = 640, height: int = 480, mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, (width, height), "white" if mode != "RGBA" else (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 2, height // 2), fill="red")
    draw.ellipse((width // 3, height // 3, width - 1, height - 1), fill="blue")
    return image


def jpeg_with_gps(width: int = 640, height: int = 480, orientation: int = 1) -> bytes:
    buffer = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    picture(width, height).save(
        buffer,
        "JPEG",
        quality=90,
        exif=exif_with_gps(orientation).tobytes(),
        xmp=xmp,
        comment=b"secret",
    )
    return buffer.getvalue()


def encoded(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()
