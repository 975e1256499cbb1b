"""A zip archive written entry by entry into chunks, for StreamingResponse, that is always
complete: images it cannot hold are left out and named in a trailer entry."""

from __future__ import annotations

import time
import zipfile

from image_repo.adapters.http.errors import status_and_code
from image_repo.domain.errors import ImageRepoError, TooLargeError, UnavailableError
from image_repo.domain.names import ImageName

# Entries are `<name>.<extension of the served format>`, and no served format has the
# extension `txt`, so this name never collides with an image's entry.
SKIPPED_ENTRY = "SKIPPED.txt"
SKIPPED_HEADER = "name\terror\tdetail\n"


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
    nothing, and each entry's bytes pass straight through.

    The status line is sent before the first entry, so nothing may fail the archive once it
    has started: an image refused (a 4xx of its own), one that would take the images past
    `max_bytes`, or one the store cannot give now (a 503) is left out, and `close` writes
    SKIPPED_ENTRY (tab-separated `name, error, detail` under a header line, the error codes of
    the HTTP error table) before the central directory. After the byte budget is reached or
    the store fails, `stop_error` is set: the rest are listed with it, not derived (the budget
    is spent; a store that failed would make each of them wait its own timeout)."""

    def __init__(self, max_bytes: int) -> None:
        self._sink = _ChunkSink()
        self._zip = zipfile.ZipFile(self._sink, mode="w", compression=zipfile.ZIP_STORED)  # type: ignore[call-overload]
        self._date_time = time.gmtime()[:6]
        self._max_bytes = max_bytes
        self._image_bytes = 0
        self._skipped: list[str] = []
        self.stop_error: ImageRepoError | None = None

    def add(self, name: ImageName, extension: str, data: bytes) -> bytes:
        """Write one image's entry, or leave it out and stop if it would take the images past
        the byte budget; returns the archive bytes it produced."""
        if self._image_bytes + len(data) > self._max_bytes:
            budget = f"the zip reached images.max_zip_bytes ({self._max_bytes} bytes)"
            self.stop_error = TooLargeError(budget)
            self._list(name, self.stop_error)
            return b""
        self._image_bytes += len(data)
        self._write(f"{name}.{extension}", data)
        return self._sink.drain()

    def leave_out(self, name: ImageName, error: ImageRepoError) -> None:
        """Name `name` in the trailer with `error`. A failure of ours (a 5xx other than
        unavailable) is raised again instead: a bug breaks the stream, loudly."""
        if isinstance(error, UnavailableError):
            self.stop_error = self.stop_error or error
        elif status_and_code(error)[0] >= 500:
            raise error
        self._list(name, error)

    def close(self) -> bytes:
        """Write the trailer (when an image was left out) and the central directory; returns
        the final bytes."""
        if self._skipped:
            self._write(SKIPPED_ENTRY, (SKIPPED_HEADER + "".join(self._skipped)).encode())
        self._zip.close()
        return self._sink.drain()

    def _list(self, name: ImageName, error: ImageRepoError) -> None:
        code = status_and_code(error)[1]
        self._skipped.append(f"{name}\t{code}\t{_one_line(error.public_detail)}\n")

    def _write(self, entry_name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(entry_name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, data)


def _one_line(detail: str) -> str:
    """Tabs and line breaks would split the trailer's rows: each becomes a space."""
    return "".join(" " if not c.isprintable() else c for c in detail)
