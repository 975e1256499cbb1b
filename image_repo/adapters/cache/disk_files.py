"""The disk tier's file format and layout: checksummed entries written atomically."""

from __future__ import annotations

import hashlib
import os
import struct
import uuid
from pathlib import Path

MAGIC = b"IRC1"
_HEADER = struct.Struct(">4sQ32s")  # magic, data length, SHA-256 of the data
HEADER_BYTES = _HEADER.size
TEMP_PREFIX = ".tmp-"


def name_folder(root: Path, name: str) -> Path:
    """Names never become paths: a hash of the name, sharded so no folder grows huge."""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:32]
    return root / digest[:2] / digest


def encode_entry(data: bytes) -> bytes:
    return _HEADER.pack(MAGIC, len(data), hashlib.sha256(data).digest()) + data


def decode_entry(raw: bytes) -> bytes | None:
    """The data, or None when the entry is truncated, padded or bit-flipped."""
    if len(raw) < HEADER_BYTES:
        return None
    magic, length, checksum = _HEADER.unpack_from(raw)
    data = raw[HEADER_BYTES:]
    if magic != MAGIC or length != len(data) or hashlib.sha256(data).digest() != checksum:
        return None
    return data


def write_atomically(path: Path, content: bytes, *, durable: bool = True) -> None:
    """Write a unique temp file beside the target, fsync it (unless not `durable`: what a
    crash may then leave, an empty or partial file, must read as no entry), rename over the
    target: readers in any process see the old entry or the new one, never a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{TEMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}")
    try:
        with temp.open("wb") as handle:
            handle.write(content)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
