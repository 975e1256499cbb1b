"""ArrivingBody: decoding an original while it downloads gives the same image, and a download
that fails under the decoder is the store's failure (503), never the image's (422)."""

from __future__ import annotations

import threading
import time

import pytest

from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.adapters.swift.arriving_body import Abandoned, ArrivingBody
from image_repo.domain.errors import StoreUnavailableError
from image_repo.domain.spec import Box, Spec
from tests.images import jpeg_with_gps

CHUNK = 4096


def fed(data: bytes, *, fail_after: int | None = None, pause: float = 0.001) -> ArrivingBody:
    """A body filled chunk by chunk on another thread, as the Swift adapter fills it."""
    body = ArrivingBody(len(data))

    def feed() -> None:
        for start in range(0, len(data), CHUNK):
            if fail_after is not None and start >= fail_after:
                body.fail(StoreUnavailableError("connection lost"))
                return
            body.append(data[start : start + CHUNK])
            time.sleep(pause)
        body.finish()

    threading.Thread(target=feed, daemon=True).start()
    return body


def test_reads_wait_for_their_bytes_and_seek_anywhere_arrived() -> None:
    data = bytes(range(256)) * 64
    reader = fed(data).reader()
    assert reader.read(10) == data[:10]
    assert reader.seek(-6, 2) == len(data) - 6  # from the end: waits for the last byte
    assert reader.read() == data[-6:]
    reader.seek(100)
    assert reader.read(5) == data[100:105] and reader.tell() == 105
    assert reader.read(10**6) == data[105:]  # a short read is the end
    assert reader.read(1) == b""


def test_a_derivation_from_arriving_bytes_equals_one_from_bytes() -> None:
    original = jpeg_with_gps(1200, 900)
    processor = PillowProcessor(max_concurrent=1)
    spec = Spec(box=Box(100, 100))
    streamed = fed(original)
    assert processor.identify(streamed) == processor.identify(original)
    assert processor.derive(streamed, spec).data == processor.derive(original, spec).data


def test_a_download_failing_under_the_decoder_is_a_store_failure() -> None:
    original = jpeg_with_gps(1200, 900)
    processor = PillowProcessor(max_concurrent=1)
    with pytest.raises(StoreUnavailableError):
        processor.derive(fed(original, fail_after=len(original) // 2), Spec(box=Box(100, 100)))


def test_a_body_cut_short_of_its_length_fails_its_readers() -> None:
    body = ArrivingBody(10)
    body.append(b"12345")
    body.finish()
    with pytest.raises(StoreUnavailableError):
        body.whole()


def test_abandoning_stops_the_download_and_drops_the_callbacks() -> None:
    body = ArrivingBody(100)
    kept: list[bytes] = []
    body.when_whole(kept.append)
    body.append(b"x" * 10)
    body.abandon()
    with pytest.raises(Abandoned):
        body.append(b"y")
    with pytest.raises(StoreUnavailableError):
        body.reader().read(20)
    assert kept == []


def test_whole_bytes_reach_the_callbacks_once_all_have_arrived() -> None:
    data = b"z" * 50_000
    body = fed(data)
    kept: list[bytes] = []
    body.when_whole(kept.append)
    assert body.whole() == data
    late: list[bytes] = []
    body.when_whole(late.append)  # after the end: at once
    assert kept == [data] and late == [data]


def test_a_body_without_a_length_grows_as_it_arrives() -> None:
    body = ArrivingBody(None)
    reader = body.reader()
    for chunk in (b"abc", b"defg", b"h"):
        body.append(chunk)
    assert reader.read(5) == b"abcde"
    body.finish()
    assert (reader.read(), body.whole()) == (b"fgh", b"abcdefgh")


def test_a_body_longer_than_announced_fails_its_readers() -> None:
    body = ArrivingBody(4)
    body.append(b"abc")
    body.append(b"def")
    body.finish()
    with pytest.raises(StoreUnavailableError):
        body.whole()


def test_background_derivations_take_no_slot_of_the_requests() -> None:
    """A request decoding an original still arriving holds the only slot; eager work still
    runs (it has bounded threads of its own), and the request then finishes too."""
    original = jpeg_with_gps(600, 400)
    processor = PillowProcessor(max_concurrent=1)
    arriving = ArrivingBody(len(original))
    arriving.append(original[:1000])
    answers: list[bytes] = []
    request = threading.Thread(
        target=lambda: answers.append(processor.derive(arriving, Spec(box=Box(50, 50))).data)
    )
    request.start()
    time.sleep(0.1)  # the request has the slot and waits for bytes
    assert processor.without_slots().derive(original, Spec(box=Box(60, 60))).data
    arriving.append(original[1000:])
    arriving.finish()
    request.join(10)
    assert answers == [processor.derive(original, Spec(box=Box(50, 50))).data]


def test_abandoning_a_body_that_has_arrived_stops_its_decoder_too() -> None:
    """A cache tier's hit abandons the body even when it has all arrived: the decoding of it
    must stop, not run to its end."""
    body = ArrivingBody(6)
    body.append(b"abcdef")
    body.finish()
    reader = body.reader()
    assert reader.read(2) == b"ab"
    body.abandon()
    with pytest.raises(StoreUnavailableError):
        reader.read(2)
