"""Hostile inputs of issue 21: files small on the wire that would cost a decoder far more than
their pixel budget (bombs in frame extents, canvases, scans, IFDs, tiles). Each is built by byte
assembly (struct and zlib; Pillow only encodes a tiny frame here and there, it never decodes).

Run: python -m tests.crafted DIR   (writes each case to DIR/<name>.<ext>)
"""

from __future__ import annotations

import functools
import io
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from tests.hostile import png_declaring

# --- zlib -----------------------------------------------------------------------------------

_ZERO_BLOCK = 1 << 20


@functools.cache
def _raw_deflate_of_zero_block() -> bytes:
    """1 MiB of zeros as raw deflate ending in a full flush: no history, byte-aligned, so the
    same bytes can follow themselves any number of times."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(bytes(_ZERO_BLOCK)) + compressor.flush(zlib.Z_FULL_FLUSH)


def zlib_of_zeros(length: int) -> bytes:
    """The zlib stream of `length` zero bytes, made without compressing them all (the same
    flushed block repeated, then the rest, then the Adler-32 of zeros: A = 1, B = length)."""
    whole, rest = divmod(length, _ZERO_BLOCK)
    final = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = final.compress(bytes(rest)) + final.flush()
    adler = ((length % 65521) << 16) | 1
    return b"\x78\xda" + _raw_deflate_of_zero_block() * whole + tail + struct.pack(">I", adler)


# --- GIF ------------------------------------------------------------------------------------


def gif_lzw(pixels: bytes, min_code_size: int) -> bytes:
    """GIF's LZW (variable code width, a clear code when the table is full), packed LSB first
    into sub-blocks, with the minimum code size byte in front and the terminator after."""
    clear, end = 1 << min_code_size, (1 << min_code_size) + 1
    out = bytearray()
    bits = width = nbits = 0

    def emit(code: int) -> None:
        nonlocal bits, nbits
        bits |= code << nbits
        nbits += width
        while nbits >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8

    def reset() -> tuple[dict[bytes, int], int]:
        return {bytes([i]): i for i in range(clear)}, end + 1

    width = min_code_size + 1
    emit(clear)
    table, next_code = reset()
    current = b""
    for value in pixels:
        extended = current + bytes([value])
        if extended in table:
            current = extended
            continue
        emit(table[current])
        if next_code >= (1 << width) and width < 12:
            width += 1
        if next_code < 4095:
            table[extended] = next_code
            next_code += 1
        else:
            emit(clear)
            table, next_code = reset()
            width = min_code_size + 1
        current = bytes([value])
    if current:
        emit(table[current])
        if next_code >= (1 << width) and width < 12:
            width += 1
    emit(end)
    if nbits:
        out.append(bits & 0xFF)
    blocks = b"".join(
        bytes([len(out[i : i + 255])]) + bytes(out[i : i + 255]) for i in range(0, len(out), 255)
    )
    return bytes([min_code_size]) + blocks + b"\x00"


def _gif_head(width: int, height: int, palette: list[tuple[int, int, int]]) -> bytes:
    """Header, logical screen (a global colour table of 2**k entries) and the NETSCAPE loop."""
    size = max(1, (len(palette) - 1).bit_length())
    entries = palette + [(0, 0, 0)] * ((1 << size) - len(palette))
    screen = struct.pack("<HHBBB", width, height, 0x80 | (size - 1), 0, 0)
    colours = b"".join(bytes(rgb) for rgb in entries)
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    return b"GIF89a" + screen + colours + loop


def _gif_frame(
    left: int, top: int, width: int, height: int, data: bytes, *, disposal: int = 1
) -> bytes:
    control = b"\x21\xf9\x04" + struct.pack("<BHBB", disposal << 2, 10, 0, 0)
    descriptor = b"\x2c" + struct.pack("<HHHHB", left, top, width, height, 0)
    return control + descriptor + data


def _gif_frame_of(left: int, top: int, width: int, height: int, pixels: bytes) -> bytes:
    return _gif_frame(left, top, width, height, gif_lzw(pixels, 2))


_GIF_PALETTE = [(0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 0, 255)]


def gif_extents_bomb() -> bytes:
    """A 100x100 GIF whose second frame's image descriptor declares 65535x65535 extents (as
    Pillow's Tests/images/decompression_bomb_extents.gif): a few hundred bytes."""
    first = _gif_frame_of(0, 0, 100, 100, bytes(100 * 100))
    second = _gif_frame_of(0, 0, 65535, 65535, b"\x01")
    return _gif_head(100, 100, _GIF_PALETTE) + first + second + b"\x3b"


def gif_big_canvas_animation(frames: int = 100, side: int = 8000) -> bytes:
    """An 8000x8000 logical screen and 100 frames of one pixel each, all different: ~2.5 KB."""
    body = b"".join(
        _gif_frame_of(index * 7 % side, index * 13 % side, 1, 1, bytes([1 + index % 3]))
        for index in range(frames)
    )
    return _gif_head(side, side, _GIF_PALETTE) + body + b"\x3b"


def gif_merging_frames(side: int = 64, frames: int = 5) -> bytes:
    """64x64, 5 frames differing only by a single pixel one level off black: after a resize to
    16 wide all frames come out identical (Pillow's GIF writer then merges them into one, and
    with `disposal` and `duration` given as lists raises TypeError)."""
    base = bytearray(side * side)
    for y in range(side):
        for x in range(side):
            base[y * side + x] = ((x // 8) + (y // 8)) % 2
    body = b""
    for index in range(frames):
        pixels = bytearray(base)
        if index:
            pixels[(side // 2 + index) * side + side // 2 + index] = 2
        body += _gif_frame(0, 0, side, side, gif_lzw(bytes(pixels), 2), disposal=1)
    palette = [(0, 0, 0), (255, 255, 255), (1, 1, 1), (0, 0, 255)]
    return _gif_head(side, side, palette) + body + b"\x3b"


# --- WebP -----------------------------------------------------------------------------------


def _riff_chunk(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) % 2)


def _u24(value: int) -> bytes:
    return struct.pack("<I", value)[:3]


def _vp8l_chunk(colour: tuple[int, int, int, int]) -> bytes:
    """The VP8L chunk (header included) of a lossless 1x1 image encoded by Pillow."""
    buffer = io.BytesIO()
    Image.new("RGBA", (1, 1), colour).save(buffer, "WEBP", lossless=True)
    data = buffer.getvalue()
    offset = data.index(b"VP8L")
    (length,) = struct.unpack("<I", data[offset + 4 : offset + 8])
    return data[offset : offset + 8 + length + length % 2]


def webp_big_canvas_animation(frames: int = 100, side: int = 8000) -> bytes:
    """RIFF/VP8X (animation and alpha flags) with an 8000x8000 canvas, ANIM, and 100 ANMF
    chunks each holding a 1x1 VP8L frame: ~5 KB."""
    bitstreams = [_vp8l_chunk((255, 0, 0, 255)), _vp8l_chunk((0, 0, 255, 255))]
    vp8x = bytes([0x10 | 0x02, 0, 0, 0]) + _u24(side - 1) + _u24(side - 1)
    anim = struct.pack("<IH", 0, 0)
    body = _riff_chunk(b"VP8X", vp8x) + _riff_chunk(b"ANIM", anim)
    for index in range(frames):
        x, y = (index * 14) % side, (index * 26) % side
        head = _u24(x // 2) + _u24(y // 2) + _u24(0) + _u24(0) + _u24(100) + bytes([0x02])
        body += _riff_chunk(b"ANMF", head + bitstreams[index % 2])
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


# --- PNG ------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _fctl(sequence: int, width: int, height: int, x: int, y: int) -> bytes:
    data = struct.pack(">IIIIIHHBB", sequence, width, height, x, y, 1, 10, 0, 0)
    return _png_chunk(b"fcTL", data)


def apng_big_canvas(frames: int = 100, side: int = 8000) -> bytes:
    """An 8000x8000 APNG (1-bit palette) of 100 frames: the default image (the first frame)
    zero rows, then 99 frames of one pixel each: ~15 KB."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 3, 0, 0, 0)
    row = 1 + (side + 7) // 8
    out = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
    out += _png_chunk(b"PLTE", bytes([0, 0, 0, 255, 255, 255]))
    out += _png_chunk(b"acTL", struct.pack(">II", frames, 0))
    out += _fctl(0, side, side, 0, 0) + _png_chunk(b"IDAT", zlib_of_zeros(row * side))
    sequence = 1
    for index in range(1, frames):
        x, y = index * 7 % side, index * 13 % side
        out += _fctl(sequence, 1, 1, x, y)
        pixel = zlib.compress(b"\x00\x80")
        out += _png_chunk(b"fdAT", struct.pack(">I", sequence + 1) + pixel)
        sequence += 2
    return out + _png_chunk(b"IEND", b"")


def png_60000() -> bytes:
    """A PNG declaring 60000x60000 with a tiny zlib stream."""
    return png_declaring(60000, 60000)


def png_rgba_75mp_wide(width: int = 20000, height: int = 3749) -> bytes:
    """RGBA, 74,980,000 pixels (under the default 75,000,000), wider than WebP's 16383: zero
    rows, ~300 KB."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    body = zlib_of_zeros((1 + 4 * width) * height)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


# --- JPEG -----------------------------------------------------------------------------------


def jpeg_scans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each SOS segment (marker, header and entropy-coded data)."""
    scans, offset = [], 2
    while offset < len(data):
        assert data[offset] == 0xFF, offset
        marker = data[offset + 1]
        if marker == 0xD9:
            break
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        end = offset + 2 + length
        if marker == 0xDA:
            while not (data[end] == 0xFF and data[end + 1] not in (0x00, *range(0xD0, 0xD8))):
                end += 1
            scans.append((offset, end))
        offset = end
    return scans


def _progressive_with_repeated_scan(image: Image.Image, repeats: int) -> bytes:
    """`image` as a progressive JPEG, its smallest scan (the first, DC, left out) repeated
    `repeats` more times before EOI."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", progressive=True, quality=75)
    data = buffer.getvalue()
    start, end = min(jpeg_scans(data)[1:], key=lambda scan: scan[1] - scan[0])
    eoi = data.rindex(b"\xff\xd9")
    return data[:eoi] + data[start:end] * repeats + data[eoi:]


def jpeg_many_scans() -> bytes:
    """A 4096x4096 progressive JPEG with one scan repeated 12,000 times: ~350 KB."""
    gradient = Image.linear_gradient("L").resize((4096, 4096)).convert("RGB")
    return _progressive_with_repeated_scan(gradient, 12000)


def jpeg_8192_many_scans() -> bytes:
    """An 8192x8192 progressive JPEG (one grey) with one scan repeated 20,000 times: ~2 MB."""
    return _progressive_with_repeated_scan(Image.new("RGB", (8192, 8192), (120, 120, 120)), 20000)


# --- BMP ------------------------------------------------------------------------------------


def bmp_rle8_large(side: int = 8000) -> bytes:
    """An 8000x8000 RLE8 BMP of ~5 KB: 1,200 rows of a 255-pixel run then end of line, a
    delta escape over the rest, end of bitmap."""
    data = b"\xff\x01\x00\x00" * 1200
    rows_left = side - 1200
    while rows_left > 0:
        step = min(255, rows_left)
        data += b"\x00\x02\x00" + bytes([step])
        rows_left -= step
    data += b"\x00\x01"
    palette = b"\x00\x00\x00\x00\xff\xff\xff\x00"
    info = struct.pack("<IiiHHIIiiII", 40, side, side, 1, 8, 1, len(data), 2835, 2835, 2, 0)
    offset = 14 + len(info) + len(palette)
    head = b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset)
    return head + info + palette + data


# --- TIFF -----------------------------------------------------------------------------------


def _ifd(entries: list[tuple[int, int, int, int]], next_offset: int) -> bytes:
    """Little-endian IFD of (tag, type, count, value) entries, values fitting in 4 bytes."""
    out = struct.pack("<H", len(entries))
    for tag, kind, count, value in sorted(entries):
        packed = (
            struct.pack("<HH", value, 0) if kind == 3 and count == 1 else struct.pack("<I", value)
        )
        out += struct.pack("<HHI", tag, kind, count) + packed
    return out + struct.pack("<I", next_offset)


def tiff_chained_ifds(count: int) -> bytes:
    """`count` chained IFDs, each a valid 1x1 bilevel page (4 entries, 54 bytes) reading one
    shared strip byte."""
    strip, first = 8, 10
    size = 2 + 4 * 12 + 4
    out = bytearray(b"II*\x00" + struct.pack("<I", first) + b"\x00\x00")
    for index in range(count):
        following = first + (index + 1) * size if index + 1 < count else 0
        entries = [(256, 3, 1, 1), (257, 3, 1, 1), (273, 4, 1, strip), (279, 4, 1, 1)]
        out += _ifd(entries, following)
    return bytes(out)


def tiff_many_ifds() -> bytes:
    """50,000 chained IFDs: 2.7 MB."""
    return tiff_chained_ifds(50_000)


def tiff_200k_ifds() -> bytes:
    """200,000 chained IFDs: 10.8 MB."""
    return tiff_chained_ifds(200_000)


def tiff_tiled_huge_tiles(side: int = 64, tile: int = 16384) -> bytes:
    """A 64x64 RGB TIFF in one deflate tile of 16384x16384 (805 MB once decoded): the tile's
    zlib stream of zeros is ~800 KB whole; a quarter of it is kept: ~200 KB."""
    tile_bytes = tile * tile * 3
    data = zlib_of_zeros(tile_bytes)
    data = data[: len(data) // 4]
    bits_offset = 8
    data_offset = 16
    ifd_offset = data_offset + len(data) + len(data) % 2
    entries = [
        (256, 3, 1, side),
        (257, 3, 1, side),
        (258, 3, 3, bits_offset),
        (259, 3, 1, 8),
        (262, 3, 1, 2),
        (277, 3, 1, 3),
        (284, 3, 1, 1),
        (322, 3, 1, tile),
        (323, 3, 1, tile),
        (324, 4, 1, data_offset),
        (325, 4, 1, len(data)),
    ]
    head = b"II*\x00" + struct.pack("<I", ifd_offset) + struct.pack("<HHHH", 8, 8, 8, 0)
    return head + data + b"\x00" * (len(data) % 2) + _ifd(entries, 0)


# --- the corpus -----------------------------------------------------------------------------

CRAFTED: dict[str, Callable[[], bytes]] = {
    "gif_extents_bomb": gif_extents_bomb,
    "gif_big_canvas_animation": gif_big_canvas_animation,
    "webp_big_canvas_animation": webp_big_canvas_animation,
    "apng_big_canvas": apng_big_canvas,
    "jpeg_many_scans": jpeg_many_scans,
    "jpeg_8192_many_scans": jpeg_8192_many_scans,
    "bmp_rle8_large": bmp_rle8_large,
    "tiff_many_ifds": tiff_many_ifds,
    "tiff_200k_ifds": tiff_200k_ifds,
    "tiff_tiled_huge_tiles": tiff_tiled_huge_tiles,
    "png_60000": png_60000,
    "png_rgba_75mp_wide": png_rgba_75mp_wide,
    "gif_merging_frames": gif_merging_frames,
}

EXTENSIONS = {"gif": "gif", "webp": "webp", "apng": "png", "png": "png", "jpeg": "jpg"}
EXTENSIONS |= {"bmp": "bmp", "tiff": "tif"}


def extension(name: str) -> str:
    return EXTENSIONS[name.partition("_")[0]]


@functools.cache
def crafted(name: str) -> bytes:
    """The bytes of one case, built once per process."""
    return CRAFTED[name]()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.crafted DIR", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    folder.mkdir(parents=True, exist_ok=True)
    for name in CRAFTED:
        path = folder / f"{name}.{extension(name)}"
        path.write_bytes(crafted(name))
        print(f"{path} {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
