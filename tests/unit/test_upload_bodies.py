"""SpooledBody: in memory up to its threshold, past it in a temporary file, read back whole."""

from __future__ import annotations

from image_repo.adapters.http.upload_bodies import SpooledBody


def test_a_small_body_stays_in_memory_and_reads_back() -> None:
    body = SpooledBody(memory_bytes=1024)
    body.write(b"abc")
    body.write(b"def")
    assert (body.size, body.value()) == (6, b"abcdef")
    body.close()


def test_a_body_past_the_threshold_moves_to_a_file_and_reads_back_whole() -> None:
    body = SpooledBody(memory_bytes=1024)
    chunks = [bytes([i]) * 700 for i in range(5)]
    for chunk in chunks:
        body.write(chunk)
    assert body.size == 3500
    assert body.value() == b"".join(chunks)
    body.close()
