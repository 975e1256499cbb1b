"""A minimal Adobe RGB (1998) ICC v2 profile, built byte by byte for tests (no file shipped)."""

from __future__ import annotations

import struct


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + b"\0" * 4 + _s15(x) + _s15(y) + _s15(z)


def _curve(gamma: float) -> bytes:
    return (
        b"curv" + b"\0" * 4 + struct.pack(">I", 1) + struct.pack(">H", round(gamma * 256)) + b"\0\0"
    )


def _desc(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    body = b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_text)) + ascii_text
    return body + b"\0" * 8 + b"\0" * 3 + b"\0" * 67  # empty unicode and scriptcode parts


def adobe_rgb_profile() -> bytes:
    gamma = 563 / 256  # Adobe RGB's 2.19921875
    tags = [
        (b"desc", _desc("Adobe RGB (1998) test")),
        (b"wtpt", _xyz(0.96420, 1.0, 0.82491)),
        (b"rXYZ", _xyz(0.60974, 0.31111, 0.01947)),
        (b"gXYZ", _xyz(0.20528, 0.62567, 0.06087)),
        (b"bXYZ", _xyz(0.14919, 0.06322, 0.74457)),
        (b"rTRC", _curve(gamma)),
        (b"gTRC", _curve(gamma)),
        (b"bTRC", _curve(gamma)),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table = struct.pack(">I", len(tags))
    data = b""
    for signature, body in tags:
        padded = body + b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += padded
    size = 128 + table_size + len(data)
    header = struct.pack(">I", size) + b"lcms" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ "
    header += b"\0" * 12 + b"acsp" + b"APPL" + b"\0" * 4 + b"\0" * 4 + b"\0" * 4
    header += b"\0" * 8 + b"\0" * 4  # attributes, rendering intent
    header += _s15(0.9642) + _s15(1.0) + _s15(0.82491) + b"lcms"
    header += b"\0" * (128 - len(header))
    return header + table + data
