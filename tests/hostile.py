"""A corpus of hostile and odd uploads, generated on the fly (nothing binary is committed)."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable

from PIL import Image

from tests.images import encoded, exif_with_gps, jpeg_with_gps, picture


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header claiming a huge size, with a tiny (wrong) body: a few hundred bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose SOF marker is patched to claim `width`x`height`."""
    data = bytearray(encoded(Image.new("RGB", (16, 16), "red"), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_with_frames(count: int) -> bytes:
    """Every frame differs (a moving pixel), so the encoder cannot merge them."""
    frames = []
    for index in range(count):
        frame = Image.new("L", (32, 32), 0)
        frame.putpixel((index % 32, (index // 32) % 32), 255)
        frames.append(frame)
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=10)
    return buffer.getvalue()


def corrupt_exif_jpeg() -> bytes:
    exif = bytearray(exif_with_gps().tobytes())
    exif[10:40] = b"\xff" * 30  # IFD offsets and counts pointing nowhere
    return encoded(picture(64, 48), "JPEG", exif=bytes(exif))


def corrupt_icc_jpeg() -> bytes:
    return encoded(picture(64, 48), "JPEG", icc_profile=b"acsp" + b"\x13" * 400)


def orientation_out_of_range() -> bytes:
    exif = exif_with_gps()
    exif[0x0112] = 9
    return encoded(picture(64, 48), "JPEG", exif=exif.tobytes())


def truncated(make: Callable[[], bytes], fraction: float = 0.5) -> Callable[[], bytes]:
    def cut() -> bytes:
        data = make()
        return data[: int(len(data) * fraction)]

    return cut


def _tiff_ifd_offsets(data: bytes) -> tuple[str, list[int]]:
    order = "<" if data[:2] == b"II" else ">"
    offsets, offset = [], struct.unpack(order + "I", data[4:8])[0]
    while offset:
        offsets.append(offset)
        count = struct.unpack(order + "H", data[offset : offset + 2])[0]
        end = offset + 2 + 12 * count
        offset = struct.unpack(order + "I", data[end : end + 4])[0]
    return order, offsets


def tiff_with_entry(data: bytes, page: int, tag: int, *, tag_to: int, value: int | None) -> bytes:
    """`data` with the entry `tag` of IFD number `page` renamed `tag_to`, its (SHORT or LONG)
    value replaced by `value` when one is given."""
    patched = bytearray(data)
    order, offsets = _tiff_ifd_offsets(data)
    offset = offsets[page]
    for index in range(struct.unpack(order + "H", data[offset : offset + 2])[0]):
        entry = offset + 2 + 12 * index
        found, kind = struct.unpack(order + "HH", data[entry : entry + 4])
        if found == tag:
            patched[entry : entry + 2] = struct.pack(order + "H", tag_to)
            if value is not None:
                layout = "HH" if kind == 3 else "I"
                patched[entry + 8 : entry + 12] = struct.pack(
                    order + layout, value, *([0] * (kind == 3))
                )
            return bytes(patched)
    raise LookupError(f"no tag {tag} in IFD {page}")


def tiff_second_page_without_width() -> bytes:
    """Pillow's `n_frames` raises TypeError('Missing dimensions') on it."""
    pages = encoded(picture(64, 48), "TIFF", save_all=True, append_images=[picture(32, 24)])
    return tiff_with_entry(pages, 1, 256, tag_to=0xC000, value=None)


def tiff_with_damaged_strip() -> bytes:
    """LZW-compressed pixels with garbage in the middle of the strip."""
    data = bytearray(encoded(picture(200, 150), "TIFF", compression="tiff_lzw"))
    _, (ifd,) = _tiff_ifd_offsets(bytes(data))  # Pillow writes the strip before the IFD
    middle = (8 + ifd) // 2
    data[middle : middle + 64] = random.Random(12).randbytes(64)
    return bytes(data)


def tiff_with_webp_compression() -> bytes:
    """Compression 50001 (WebP), which this libtiff cannot decode."""
    plain = encoded(picture(200, 150), "TIFF")
    return tiff_with_entry(plain, 0, 259, tag_to=259, value=50001)


def bmp_with_oversized_palette() -> bytes:
    """An 8-bit BMP declaring 1000 palette entries (biClrUsed), more than 8 bits can index."""
    data = bytearray(encoded(picture(60, 40).convert("P"), "BMP"))
    data[46:50] = struct.pack("<I", 1000)
    return bytes(data)


def _png_chunks(data: bytes) -> list[tuple[int, bytes, int]]:
    """(offset, type, length) of each chunk."""
    chunks, offset = [], 8
    while offset + 8 <= len(data):
        length = struct.unpack(">I", data[offset : offset + 4])[0]
        chunks.append((offset, data[offset + 4 : offset + 8], length))
        offset += 12 + length
    return chunks


def apng_without_second_frame_control() -> bytes:
    """Two frames; the fcTL chunk before the second frame's fdAT is gone."""
    frames = [picture(60, 40), picture(60, 40).rotate(90)]
    data = encoded(frames[0], "PNG", save_all=True, append_images=frames[1:])
    offset, _, length = [chunk for chunk in _png_chunks(data) if chunk[1] == b"fcTL"][1]
    return data[:offset] + data[offset + 12 + length :]


def single_frame(image_format: str) -> Callable[[], bytes]:
    return lambda: encoded(picture(200, 150), image_format)


EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\nnewpath 0 0 moveto showpage\n%%EOF\n"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"

# name -> (bytes maker, the statuses acceptable for it)
CORPUS: dict[str, tuple[Callable[[], bytes], set[int]]] = {
    "truncated-jpeg": (truncated(lambda: jpeg_with_gps(400, 300)), {400}),
    "truncated-png": (truncated(lambda: encoded(picture(200, 150), "PNG")), {400}),
    "truncated-gif": (truncated(lambda: gif_with_frames(5), 0.6), {400}),
    "truncated-webp": (truncated(lambda: encoded(picture(200, 150), "WEBP")), {400}),
    "truncated-gif-one-frame": (truncated(lambda: encoded(picture(200, 150), "GIF"), 0.6), {400}),
    "truncated-tiff": (truncated(single_frame("TIFF"), 0.6), {400}),
    "truncated-bmp": (truncated(single_frame("BMP"), 0.6), {400}),
    "tiff-second-page-without-width": (tiff_second_page_without_width, {400}),
    "tiff-damaged-strip": (tiff_with_damaged_strip, {400}),
    "tiff-webp-compression": (tiff_with_webp_compression, {400}),
    "bmp-oversized-palette": (bmp_with_oversized_palette, {400}),
    "apng-without-frame-control": (apng_without_second_frame_control, {400}),
    "wrong-magic": (lambda: b"\x89PNX\r\n\x1a\n" + encoded(picture(20, 20), "PNG")[8:], {415}),
    "png-64000x64000": (lambda: png_declaring(64000, 64000), {413}),
    "jpeg-64000x64000": (lambda: jpeg_declaring(64000, 64000), {413}),
    "gif-1000-frames": (lambda: gif_with_frames(1000), {413}),
    "corrupt-exif": (corrupt_exif_jpeg, {201, 400}),
    "corrupt-icc": (corrupt_icc_jpeg, {201}),
    "orientation-9": (orientation_out_of_range, {201}),
    "zero-size-png": (lambda: png_declaring(0, 0), {400, 415}),
    "empty": (lambda: b"", {400}),
    "eps-as-jpg": (lambda: EPS, {415}),
    "pdf-as-jpg": (lambda: PDF, {415}),
    "svg-as-jpg": (lambda: SVG, {415}),
    "html-as-jpg": (lambda: HTML, {415}),
    "random-bytes": (lambda: random.Random(1).randbytes(5000), {415}),
    "one-pixel": (lambda: encoded(Image.new("RGB", (1, 1)), "PNG"), {201}),
    "long-strip": (lambda: encoded(Image.new("L", (20000, 1)), "PNG"), {201}),
}
