"""The log writer thread: everything queued is written, nothing blocks, overflow is counted."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
import warnings

import pytest

from image_repo.logging_setup import BackgroundStreamHandler, JsonFormatter, configure_logging


class StalledStream(io.StringIO):
    """A stderr nobody reads: writes wait until released."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def write(self, text: str) -> int:
        self.release.wait(5)
        return super().write(text)


def test_records_and_access_lines_are_written_in_order_by_close() -> None:
    stream = io.StringIO()
    handler = BackgroundStreamHandler(stream, as_json=True)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.writer")
    logger.addHandler(handler)
    try:
        logger.warning("first %s", "line")
        handler.access(("GET", "/images/a", 200, 10, 1.234))
    finally:
        logger.removeHandler(handler)
        handler.close()
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "first line" and first["level"] == "warning"
    assert second["logger"] == "image_repo.access" and second["duration_ms"] == 1.23
    assert (second["method"], second["path"], second["status"], second["bytes"]) == (
        "GET",
        "/images/a",
        200,
        10,
    )


def test_a_stalled_stream_never_blocks_the_caller_and_overflow_is_reported() -> None:
    stream = StalledStream()
    handler = BackgroundStreamHandler(stream, max_pending=10)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for number in range(1000):  # returns at once although nothing can be written
        handler.access(("GET", f"/images/{number}", 200, 0, 0.1))
    stream.release.set()
    handler.close()
    lines = stream.getvalue().splitlines()
    dropped = sum(int(line.split()[0]) for line in lines if "log records dropped" in line)
    kept = sum("image_repo.access" in line for line in lines)
    assert dropped > 0 and kept + dropped == 1000


def test_library_warnings_are_log_records_in_the_logs_format(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pillow's "Corrupt EXIF data" went raw to stderr, outside the log format (issue 26)."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("info", as_json=True)
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn(
                "Corrupt EXIF data.  Expecting to read 12 bytes", UserWarning, stacklevel=1
            )
        for handler in root.handlers:
            handler.close()
    finally:
        logging.captureWarnings(False)
        root.handlers[:], root.level = saved
    (record,) = (json.loads(line) for line in stream.getvalue().splitlines())
    assert record["logger"] == "py.warnings" and record["level"] == "warning"
    assert "Corrupt EXIF data" in record["message"]
