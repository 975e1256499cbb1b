"""Fuzz inputs for animations: animated GIF, WebP and APNG seeds, and mutations that know
their structure (frame counts and extents patched, frames repeated or dropped), besides byte
flips and cuts. Pure byte surgery: nothing here decodes a mutant."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable, Iterator

from PIL import Image, ImageDraw

from tests.fuzz_inputs import Mutant

Span = tuple[int, int]  # [start, end) of a frame's bytes


def _frames(count: int, size: tuple[int, int] = (48, 36)) -> list[Image.Image]:
    """A square moving over a still background: encoders write partial frames with offsets."""
    frames = []
    for index in range(count):
        frame = Image.new("RGB", size, (30, 90, 160))
        ImageDraw.Draw(frame).rectangle((4 + 5 * index, 6, 14 + 5 * index, 20), fill="yellow")
        frames.append(frame)
    return frames


def _nearly_alike(count: int) -> list[Image.Image]:
    """Frames one pixel apart: alike once resized, where encoders merge frames."""
    frames = []
    for index in range(count):
        frame = Image.new("RGB", (64, 64), "white")
        frame.putpixel((32 + index, 32), (250, 250, 250))
        frames.append(frame)
    return frames


def _save(frames: list[Image.Image], image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    frames[0].save(buffer, image_format, save_all=True, append_images=frames[1:], **options)
    return buffer.getvalue()


ANIMATION_SEEDS: tuple[tuple[str, str, Callable[[], bytes]], ...] = (
    ("gif-moving", "gif", lambda: _save(_frames(6), "GIF", duration=40, loop=0)),
    (
        "gif-disposal",
        "gif",
        lambda: _save(_frames(4), "GIF", duration=[20, 40, 60, 80], disposal=2),
    ),
    ("gif-alike", "gif", lambda: _save(_nearly_alike(5), "GIF", duration=30, disposal=1)),
    ("webp-moving", "webp", lambda: _save(_frames(6), "WEBP", duration=40, lossless=True)),
    (
        "webp-lossy",
        "webp",
        lambda: _save(_frames(4), "WEBP", duration=[20, 40, 60, 80], quality=70),
    ),
    ("apng-moving", "png", lambda: _save(_frames(6), "PNG", duration=40)),
    ("apng-disposal", "png", lambda: _save(_frames(4), "PNG", duration=40, disposal=2, blend=1)),
)


# --- structure: where the extents and the frames are -----------------------------------------


def _gif_walk(data: bytes) -> tuple[list[int], list[Span], int]:
    """Offsets of every width/height/left/top field (u16 LE), frame spans (a graphic control
    extension with its image), and the trailer's offset (len(data) when missing)."""
    fields, frames = [6, 8], []
    packed = data[10] if len(data) > 10 else 0
    at = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    frame_start = None
    while at < len(data) and data[at] != 0x3B:
        if data[at] == 0x21 and at + 1 < len(data):
            frame_start = at if data[at + 1] == 0xF9 else frame_start
            at = _gif_sub_blocks(data, at + 2)
        elif data[at] == 0x2C and at + 10 <= len(data):
            fields += [at + 1, at + 3, at + 5, at + 7]
            start, local = (at if frame_start is None else frame_start), data[at + 9]
            at = _gif_sub_blocks(data, at + 11 + (3 << ((local & 7) + 1) if local & 0x80 else 0))
            frames.append((start, at))
            frame_start = None
        else:
            break
    return [f for f in fields if f + 2 <= len(data)], frames, min(at, len(data))


def _gif_sub_blocks(data: bytes, at: int) -> int:
    while at < len(data) and data[at]:
        at += data[at] + 1
    return at + 1


def _riff_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(fourcc, start, end) of the top-level chunks of a RIFF/WEBP file."""
    chunks, at = [], 12
    while at + 8 <= len(data):
        (size,) = struct.unpack("<I", data[at + 4 : at + 8])
        end = min(len(data), at + 8 + size + size % 2)
        chunks.append((data[at : at + 4], at, end))
        at = end
    return chunks


def _png_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, start, end) of every chunk of a PNG, the length and CRC included."""
    chunks, at = [], 8
    while at + 12 <= len(data):
        (size,) = struct.unpack(">I", data[at : at + 4])
        end = min(len(data), at + 12 + size)
        chunks.append((data[at + 4 : at + 8], at, end))
        at = end
    return chunks


def _fix_png_chunks(data: bytes) -> bytes:
    """fcTL and fdAT sequence numbers renumbered from 0, and every CRC recomputed."""
    out, sequence = bytearray(data), 0
    for kind, start, end in _png_chunks(data):
        if kind in (b"fcTL", b"fdAT") and end - start >= 16:
            out[start + 8 : start + 12] = struct.pack(">I", sequence)
            sequence += 1
        if end - start >= 12:
            out[end - 4 : end] = struct.pack(">I", zlib.crc32(out[start + 4 : end - 4]))
    return bytes(out)


def _extent_fields(data: bytes) -> list[tuple[int, str]]:
    """(offset, struct code) of every size, offset and frame count the format declares."""
    if data.startswith(b"GIF"):
        return [(at, "<H") for at in _gif_walk(data)[0]]
    if data.startswith(b"RIFF"):
        fields: list[tuple[int, str]] = []
        for kind, start, _ in _riff_chunks(data):
            if kind == b"VP8X":
                fields += [(start + 12, "<u24"), (start + 15, "<u24")]
            if kind == b"ANMF":
                fields += [(start + 8 + 3 * i, "<u24") for i in range(4)]
        return fields
    fields = []
    for kind, start, _ in _png_chunks(data):
        if kind in (b"IHDR", b"acTL"):
            fields += [(start + 8, ">I"), (start + 12, ">I")]
        if kind == b"fcTL":
            fields += [(start + 12 + 4 * i, ">I") for i in range(4)]
    return fields


def _frame_spans(data: bytes) -> list[Span]:
    if data.startswith(b"GIF"):
        return _gif_walk(data)[1]
    if data.startswith(b"RIFF"):
        return [(s, e) for kind, s, e in _riff_chunks(data) if kind == b"ANMF"]
    spans: list[Span] = []
    for kind, start, end in _png_chunks(data):  # an fcTL and the fdATs after it
        if kind == b"fcTL":
            spans.append((start, end))
        elif kind == b"fdAT" and spans:
            spans[-1] = (spans[-1][0], end)
    return spans[1:]  # the first fcTL goes with the default image's IDAT


def _finish(data: bytes) -> bytes:
    """Sizes and checksums made right again, so the mutant reaches past the first check."""
    if data.startswith(b"RIFF") and len(data) >= 8:
        return data[:4] + struct.pack("<I", len(data) - 8) + data[8:]
    if data.startswith(b"\x89PNG"):
        return _fix_png_chunks(data)
    return data


# --- mutations ------------------------------------------------------------------------------


def _interesting(value: int, rng: random.Random) -> int:
    choices = [0, 1, value - 1, value + 1, value * 2, 255, 256, 4096, 16383, 16384, 65535]
    return max(0, rng.choice([*choices, (1 << 24) - 1, 1 << 31, rng.randrange(1 << 16)]))


def _patch_extents(data: bytes, rng: random.Random) -> bytes:
    """A canvas, frame size, frame offset or frame count set to an edge value."""
    fields = _extent_fields(data)
    if not fields:
        return data
    out = bytearray(data)
    for at, code in rng.sample(fields, min(len(fields), rng.randint(1, 2))):
        if code == "<u24":
            value = _interesting(int.from_bytes(out[at : at + 3], "little"), rng)
            out[at : at + 3] = (value & 0xFFFFFF).to_bytes(3, "little")
        else:
            width = struct.calcsize(code)
            (old,) = struct.unpack(code, out[at : at + width])
            out[at : at + width] = struct.pack(code, _interesting(old, rng) % (1 << 8 * width))
    return _finish(bytes(out))


def _repeat_frames(data: bytes, rng: random.Random) -> bytes:
    """One frame written again many times (past images.max_frames, at times)."""
    spans = _frame_spans(data)
    if not spans:
        return data
    start, end = rng.choice(spans)
    copies = rng.choice([1, 5, 60, 120])
    return _finish(data[:end] + data[start:end] * copies + data[end:])


def _drop_frames(data: bytes, rng: random.Random) -> bytes:
    """Frames removed while the declared count (acTL) stays."""
    spans = _frame_spans(data)
    if not spans:
        return data
    dropped = rng.sample(spans, rng.randint(1, len(spans)))
    out, at = b"", 0
    for start, end in sorted(dropped):
        out, at = out + data[at:start], end
    return _finish(out + data[at:])


def _flip(data: bytes, rng: random.Random) -> bytes:
    """Bytes flipped anywhere, checksums left wrong or made right."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return _finish(bytes(out)) if rng.random() < 0.5 else bytes(out)


def _cut(data: bytes, rng: random.Random) -> bytes:
    """Truncated: mostly inside the later frames, where an upload check that stops at the
    first frame would not look."""
    return data[: rng.randrange(min(len(data) - 1, len(data) // 3), len(data))]


ANIMATION_MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "flip": _flip,
    "cut": _cut,
    "extents": _patch_extents,
    "repeat-frames": _repeat_frames,
    "drop-frames": _drop_frames,
}


def animation_mutants(count: int, seed: int) -> Iterator[Mutant]:
    """`count` mutants, round-robin over the animated seeds; the same `seed`, the same bytes."""
    rng = random.Random(seed)
    originals = [(name, family, make()) for name, family, make in ANIMATION_SEEDS]
    for index in range(count):
        name, family, data = originals[index % len(originals)]
        mutation = rng.choice(sorted(ANIMATION_MUTATIONS))
        yield Mutant(name, family, mutation, ANIMATION_MUTATIONS[mutation](data, rng))
