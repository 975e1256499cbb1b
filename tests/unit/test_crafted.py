"""The crafted corpus of issue 21 is what each case claims, checked from its bytes (nothing is
decoded: decoding them is what the server must refuse to do at any cost)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from tests.crafted import CRAFTED, crafted, extension, jpeg_scans, main, zlib_of_zeros


def ifd_count(data: bytes) -> int:
    count, offset = 0, struct.unpack("<I", data[4:8])[0]
    while offset:
        count += 1
        entries = struct.unpack("<H", data[offset : offset + 2])[0]
        offset = struct.unpack("<I", data[offset + 2 + 12 * entries : offset + 6 + 12 * entries])[0]
    return count


def tiff_tags(data: bytes) -> dict[int, int]:
    offset = struct.unpack("<I", data[4:8])[0]
    tags = {}
    for index in range(struct.unpack("<H", data[offset : offset + 2])[0]):
        entry = data[offset + 2 + 12 * index : offset + 14 + 12 * index]
        tag, kind = struct.unpack("<HH", entry[:4])
        tags[tag] = struct.unpack("<H" if kind == 3 else "<I", entry[8 : 10 if kind == 3 else 12])[
            0
        ]
    return tags


def png_ihdr(data: bytes) -> tuple[int, int, int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


def jpeg_size(data: bytes) -> tuple[int, int]:
    sof = data.index(b"\xff\xc2")  # progressive
    height, width = struct.unpack(">HH", data[sof + 5 : sof + 9])
    return width, height


def test_gif_extents_bomb() -> None:
    data = crafted("gif_extents_bomb")
    assert data[:6] == b"GIF89a" and struct.unpack("<HH", data[6:10]) == (100, 100)
    assert b"\x2c" + struct.pack("<HHHH", 0, 0, 65535, 65535) in data
    assert data.count(b"\x21\xf9\x04") == 2
    assert len(data) < 1000


def test_gif_big_canvas_animation() -> None:
    data = crafted("gif_big_canvas_animation")
    assert data[:6] == b"GIF89a" and struct.unpack("<HH", data[6:10]) == (8000, 8000)
    assert data.count(b"\x21\xf9\x04") == 100
    assert len(data) < 5000


def test_webp_big_canvas_animation() -> None:
    data = crafted("webp_big_canvas_animation")
    assert data[:4] == b"RIFF" and data[8:16] == b"WEBPVP8X"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    flags, canvas = data[20], data[24:30]
    assert flags & 0x02  # animation
    width = int.from_bytes(canvas[:3], "little") + 1
    height = int.from_bytes(canvas[3:], "little") + 1
    assert (width, height) == (8000, 8000)
    assert data.count(b"ANMF") == 100 and data.count(b"VP8L") == 100
    assert len(data) < 8000


def test_apng_big_canvas() -> None:
    data = crafted("apng_big_canvas")
    assert png_ihdr(data)[:2] == (8000, 8000)
    actl = data.index(b"acTL")
    assert struct.unpack(">I", data[actl + 4 : actl + 8])[0] == 100
    assert data.count(b"fcTL") == 100 and data.count(b"fdAT") == 99
    assert len(data) < 32_000


@pytest.mark.parametrize(
    ("name", "side", "scans", "most"),
    [("jpeg_many_scans", 4096, 12_000, 500_000), ("jpeg_8192_many_scans", 8192, 20_000, 2_500_000)],
)
def test_progressive_jpegs_with_many_scans(name: str, side: int, scans: int, most: int) -> None:
    data = crafted(name)
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    assert jpeg_size(data) == (side, side)
    assert len(jpeg_scans(data)) > scans
    assert len(data) < most


def test_bmp_rle8_large() -> None:
    data = crafted("bmp_rle8_large")
    assert data[:2] == b"BM" and struct.unpack("<I", data[2:6])[0] == len(data)
    width, height, _planes, bits, compression = struct.unpack("<iiHHI", data[18:34])
    assert (width, height, bits, compression) == (8000, 8000, 8, 1)
    assert len(data) < 6000


@pytest.mark.parametrize(
    ("name", "count"), [("tiff_many_ifds", 50_000), ("tiff_200k_ifds", 200_000)]
)
def test_tiffs_of_chained_ifds(name: str, count: int) -> None:
    data = crafted(name)
    assert data[:4] == b"II*\x00"
    assert ifd_count(data) == count
    assert tiff_tags(data)[256] == tiff_tags(data)[257] == 1
    assert len(data) <= 54 * count + 10


def test_tiff_tiled_huge_tiles() -> None:
    data = crafted("tiff_tiled_huge_tiles")
    tags = tiff_tags(data)
    assert (tags[256], tags[257]) == (64, 64)
    assert (tags[322], tags[323]) == (16384, 16384)
    assert tags[259] == 8 and tags[325] < 300_000
    assert len(data) < 300_000


def test_png_60000() -> None:
    data = crafted("png_60000")
    assert png_ihdr(data)[:2] == (60000, 60000)
    assert len(data) < 1000


def test_png_rgba_75mp_wide() -> None:
    data = crafted("png_rgba_75mp_wide")
    width, height, depth, colour = png_ihdr(data)
    assert (depth, colour) == (8, 6)  # RGBA
    assert 74_000_000 < width * height <= 75_000_000 and width > 16383
    assert len(data) < 400_000


def test_gif_merging_frames() -> None:
    data = crafted("gif_merging_frames")
    assert data[:6] == b"GIF89a" and struct.unpack("<HH", data[6:10]) == (64, 64)
    assert data.count(b"\x21\xf9\x04") == 5
    assert len(data) < 5000


@pytest.mark.parametrize("length", [0, 1, 1000, (1 << 20) * 3 + 17])
def test_zlib_of_zeros_is_a_valid_stream(length: int) -> None:
    assert zlib.decompress(zlib_of_zeros(length)) == bytes(length)


def test_every_case_is_checked_and_written(tmp_path: Path) -> None:
    checked = {name for name in globals() if name.startswith("test_")}
    covered = {name for name in CRAFTED if f"test_{name}" in checked}
    assert covered | {"jpeg_many_scans", "jpeg_8192_many_scans", "tiff_many_ifds"} | {
        "tiff_200k_ifds"
    } == set(CRAFTED)
    assert main([str(tmp_path)]) == 0
    written = {path.name: path.stat().st_size for path in tmp_path.iterdir()}
    assert written == {f"{name}.{extension(name)}": len(crafted(name)) for name in CRAFTED}
