"""A zip archive written entry by entry into chunks, for StreamingResponse."""

from __future__ import annotations

import time
import zipfile


class _ChunkSink:
    """A write-only file: zipfile sees no tell/seek and so writes data descriptors, which is
    what lets the archive stream without knowing sizes in advance."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


class ZipStreamWriter:
    """Images are already compressed, so entries are stored, not deflated: no CPU spent for
    nothing, and each entry's bytes pass straight through."""

    def __init__(self) -> None:
        self._sink = _ChunkSink()
        self._zip = zipfile.ZipFile(self._sink, mode="w", compression=zipfile.ZIP_STORED)  # type: ignore[call-overload]
        self._date_time = time.gmtime()[:6]

    def add(self, entry_name: str, data: bytes) -> bytes:
        """Write one entry; returns the archive bytes it produced."""
        info = zipfile.ZipInfo(entry_name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, data)
        return self._sink.drain()

    def close(self) -> bytes:
        """Write the central directory; returns the final bytes."""
        self._zip.close()
        return self._sink.drain()
