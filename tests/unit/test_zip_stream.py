"""ZipStreamWriter: every archive is whole, and what it leaves out is named in SKIPPED.txt."""

from __future__ import annotations

import io
import zipfile

import pytest

from image_repo.adapters.http.zip_stream import SKIPPED_ENTRY, ZipStreamWriter
from image_repo.domain.errors import (
    DamagedOriginalError,
    ImageBudgetError,
    ImageNotFoundError,
    ImageRepoError,
    StoreLoginError,
)
from image_repo.domain.names import ImageName


def archive(writer: ZipStreamWriter, chunks: list[bytes]) -> zipfile.ZipFile:
    opened = zipfile.ZipFile(io.BytesIO(b"".join([*chunks, writer.close()])))
    assert opened.testzip() is None
    return opened


def skipped_rows(opened: zipfile.ZipFile) -> list[list[str]]:
    header, *rows = opened.read(SKIPPED_ENTRY).decode().splitlines()
    assert header == "name\terror\tdetail"
    return [row.split("\t") for row in rows]


def test_an_archive_with_nothing_left_out_has_no_trailer() -> None:
    writer = ZipStreamWriter(max_bytes=100)
    chunks = [writer.add(ImageName.parse("f/a"), "png", b"x" * 10)]
    assert archive(writer, chunks).namelist() == ["f/a.png"]


def test_an_image_past_the_byte_budget_stops_the_archive_and_is_listed() -> None:
    writer = ZipStreamWriter(max_bytes=25)
    chunks = [writer.add(ImageName.parse(f"f/{n}"), "bmp", b"x" * 10) for n in "abc"]
    assert chunks[2] == b""
    assert writer.stop_error is not None
    writer.leave_out(ImageName.parse("f/d"), writer.stop_error)
    opened = archive(writer, chunks)
    assert opened.namelist() == ["f/a.bmp", "f/b.bmp", SKIPPED_ENTRY]
    budget = "the zip reached images.max_zip_bytes (25 bytes)"
    assert skipped_rows(opened) == [["f/c", "too_large", budget], ["f/d", "too_large", budget]]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (DamagedOriginalError("the stored original of f/a is damaged"), "damaged_original"),
        (ImageBudgetError("past images.max_decode_seconds"), "over_budget"),
        (ImageNotFoundError("gone\tmeanwhile\nreally"), "not_found"),
    ],
)
def test_an_image_refused_for_itself_is_listed_and_the_rest_go_on(
    error: ImageRepoError, code: str
) -> None:
    writer = ZipStreamWriter(max_bytes=100)
    writer.leave_out(ImageName.parse("f/a"), error)
    assert writer.stop_error is None
    chunks = [writer.add(ImageName.parse("f/b"), "jpg", b"y")]
    opened = archive(writer, chunks)
    assert opened.namelist() == ["f/b.jpg", SKIPPED_ENTRY]
    assert skipped_rows(opened) == [
        ["f/a", code, error.detail.replace("\t", " ").replace("\n", " ")]
    ]


def test_an_unavailable_store_stops_the_archive_and_names_no_secret() -> None:
    writer = ZipStreamWriter(max_bytes=100)
    writer.leave_out(ImageName.parse("f/a"), StoreLoginError("user admin refused at 10.0.0.1"))
    assert isinstance(writer.stop_error, StoreLoginError)
    [[name, code, detail]] = skipped_rows(archive(writer, []))
    assert (name, code, detail) == (
        "f/a",
        "store_authentication_failed",
        StoreLoginError.public_message,
    )


def test_a_failure_of_ours_breaks_the_stream() -> None:
    writer = ZipStreamWriter(max_bytes=100)
    with pytest.raises(ImageRepoError):
        writer.leave_out(ImageName.parse("f/a"), ImageRepoError("a bug"))
