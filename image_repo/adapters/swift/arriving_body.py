"""ArrivingBody: an object's body readable while it downloads, by any number of readers."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable

from image_repo.domain.errors import ImageRepoError, StoreUnavailableError


class Abandoned(Exception):
    """Raised in the downloading thread to stop it: nobody wants the rest."""


class ArrivingBody:
    """A 24 MP JPEG is ~10 MB: ~40 ms to GET on loopback, more across a network, and decoding it
    takes longer still. Decoding while the bytes arrive overlaps the two, so a first view costs
    about the larger of them instead of their sum.

    One thread appends chunks (`append`, then `finish` or `fail`); readers (`reader()`) each
    keep their own position and wait for bytes that have not arrived. A failed download makes
    every waiting and later read raise its error. `abandon` tells the downloading thread to
    stop (a cache tier answered meanwhile); the bytes are then never whole."""

    def __init__(self, expected_bytes: int | None) -> None:
        self.expected_bytes = expected_bytes
        # Sized once when the length is known (chunks are copied in, never reallocated), else
        # grown as chunks come.
        self._buffer = bytearray(expected_bytes or 0)
        self._filled = 0
        self._finished = False
        self._error: ImageRepoError | None = None
        self._abandoned = False
        self._arrived = threading.Condition()
        self._when_whole: list[Callable[[bytes], None]] = []

    # the downloading side

    def append(self, chunk: bytes) -> None:
        if self._abandoned:
            raise Abandoned
        with self._arrived:
            end = self._filled + len(chunk)
            if end <= len(self._buffer):
                self._buffer[self._filled : end] = chunk
            else:  # longer than announced, or no length: grow (finish() checks the length)
                del self._buffer[self._filled :]
                self._buffer += chunk
            self._filled = end
            self._arrived.notify_all()

    def finish(self) -> None:
        with self._arrived:
            if self.expected_bytes is not None and self._filled != self.expected_bytes:
                self._error = StoreUnavailableError(
                    f"the object store sent {self._filled} of {self.expected_bytes} bytes"
                )
            else:
                self._finished = True
            self._arrived.notify_all()
            callbacks, self._when_whole = self._when_whole, []
        if self._finished and callbacks:
            whole = self._whole()
            for callback in callbacks:
                callback(whole)

    def fail(self, error: ImageRepoError) -> None:
        with self._arrived:
            self._error = error
            self._when_whole.clear()
            self._arrived.notify_all()

    # the reading side

    def reader(self) -> ArrivingReader:
        return ArrivingReader(self)

    def whole(self) -> bytes:
        """Every byte, once all have arrived (raises what failed the download)."""
        self.wait_for(None)
        return self._whole()

    def _whole(self) -> bytes:
        return bytes(memoryview(self._buffer)[: self._filled])

    def when_whole(self, callback: Callable[[bytes], None]) -> None:
        """Call `callback` with every byte once all have arrived, on the downloading thread (at
        once when they have); never when the download fails or is abandoned."""
        with self._arrived:
            if not self._finished:
                if self._error is None and not self._abandoned:
                    self._when_whole.append(callback)
                return
        callback(self._whole())

    def abandon(self) -> None:
        """Nobody wants these bytes any more: the download stops (unless it has finished) and
        every read raises StoreUnavailableError, of bytes already in too, so that a decoder
        working on them stops as well."""
        with self._arrived:
            if self._error is None:
                self._error = StoreUnavailableError("the download was abandoned")
            self._abandoned = True
            self._when_whole.clear()
            self._arrived.notify_all()

    def wait_for(self, end: int | None) -> int:
        """Wait until `end` bytes (None: all) have arrived or the body is complete; returns how
        many bytes are there."""
        with self._arrived:
            while True:
                if self._error is not None:
                    raise self._error
                if self._finished or (end is not None and self._filled >= end):
                    return self._filled
                self._arrived.wait()

    def slice(self, start: int, end: int) -> bytes:
        with self._arrived:  # a growing buffer may be reallocated meanwhile
            return bytes(memoryview(self._buffer)[start : min(end, self._filled)])


class ArrivingReader(io.RawIOBase):
    """A seekable file over an ArrivingBody, as image decoders want one: a read waits until its
    bytes have arrived (a short read means the end of the body)."""

    def __init__(self, body: ArrivingBody) -> None:
        super().__init__()
        self._body = body
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            position = offset
        elif whence == os.SEEK_CUR:
            position = self._position + offset
        elif whence == os.SEEK_END:
            position = self._body.wait_for(None) + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if position < 0:
            raise ValueError("negative seek position")
        self._position = position
        return position

    def read(self, size: int | None = -1) -> bytes:
        end = None if size is None or size < 0 else self._position + size
        available = self._body.wait_for(end)
        stop = available if end is None else min(end, available)
        data = self._body.slice(self._position, stop) if stop > self._position else b""
        self._position += len(data)
        return data

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
