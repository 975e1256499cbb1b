"""`meta=true` reads only the start of an original, and answers as the whole would (issue 15):
ReadMeta with the in-memory store and the real imaging processors."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from functools import partial

import pytest
from PIL import Image

from image_repo.adapters.imaging.exif_meta import StartOfImage
from image_repo.application.ports import ImageProcessor
from image_repo.application.read_meta import START_BYTES, OriginalMeta, ReadMeta
from image_repo.application.stored_originals import damage_reported
from image_repo.domain.errors import DamagedOriginalError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName
from image_repo.domain.records import ImageInfo
from tests.fakes import InMemoryOriginalStore
from tests.fuzz_inputs import SEEDS, mutants
from tests.icc import adobe_rgb_profile
from tests.images import encoded, exif_with_gps
from tests.processors import PROCESSORS, pillow

EXIF = exif_with_gps(orientation=6).tobytes()


def noise(width: int = 640, height: int = 480) -> Image.Image:
    """Grain compresses badly: a few hundred KB, well past the start."""
    return Image.merge("RGB", [Image.effect_noise((width, height), 64 + 8 * b) for b in range(3)])


def big_icc_profile(size: int = 200_000) -> bytes:
    """A valid profile padded to `size`: Pillow writes it as several APP2 segments, all before
    the JPEG's frame (profiles with lookup tables run to hundreds of KB)."""
    profile = adobe_rgb_profile()
    return struct.pack(">I", size) + profile[4:] + bytes(size - len(profile))


def png_with_exif_after_pixels() -> bytes:
    """Pillow writes eXIf before IDAT; the PNG spec allows it after, where other tools put it."""
    data = encoded(noise(), "PNG", exif=EXIF)
    start = data.index(b"eXIf") - 4
    (length,) = struct.unpack(">I", data[start : start + 4])
    chunk = data[start : start + 12 + length]
    rest = data[:start] + data[start + len(chunk) :]
    end = rest.index(b"IEND") - 4
    return rest[:end] + chunk + rest[end:]


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


ENOUGH: dict[str, Callable[[], bytes]] = {
    "jpeg": lambda: encoded(noise(), "JPEG", quality=95, exif=EXIF),
    "mpo": lambda: encoded(noise(), "MPO", save_all=True, append_images=[noise()], exif=EXIF),
    "png-exif-first": lambda: encoded(noise(), "PNG", exif=EXIF),
    "bmp": lambda: encoded(noise(), "BMP"),
}
WITH_EXIF = {"jpeg", "mpo", "png-exif-first"}

NOT_ENOUGH: dict[str, Callable[[], bytes]] = {
    "jpeg-big-icc": lambda: encoded(noise(), "JPEG", exif=EXIF, icc_profile=big_icc_profile()),
    "png-exif-after-pixels": png_with_exif_after_pixels,
    "png-without-exif": lambda: encoded(noise(), "PNG"),
    "gif": lambda: encoded(noise().convert("P"), "GIF"),
    "webp": lambda: encoded(noise(), "WEBP", lossless=True, exif=EXIF),
    "tiff": lambda: encoded(noise(), "TIFF", exif=EXIF),
    "heif": lambda: encoded(noise(), "HEIF", quality=90, exif=EXIF),
}

DAMAGED: dict[str, bytes] = {
    "text": b"written by another tool, " * 8000,
    "jpeg-magic-then-garbage": b"\xff\xd8\xff\xe0" + bytes(range(256)) * 400,
    "png-signature-then-garbage": b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", b"\0" * 5) * 9000,
    "empty": b"",
}


def stored(store: InMemoryOriginalStore, data: bytes, name: str = "cam/photo") -> ImageName:
    """Put as another tool would: no upload check ran."""
    image_name = ImageName.parse(name)
    store.put(image_name, data, ImageInfo(ImageFormat.JPEG, 1, 1))
    return image_name


def before_issue_15(
    store: InMemoryOriginalStore, processor: ImageProcessor, name: ImageName, include_gps: bool
) -> OriginalMeta:
    """What ReadMeta answered before: the whole original, read at once."""
    original = store.get(name)
    with damage_reported(name):
        meta = processor.read_meta(original.data, include_gps=include_gps)
    assert meta is not None
    return OriginalMeta(name, original.stored, meta)


@pytest.mark.parametrize("make_processor", PROCESSORS)
@pytest.mark.parametrize("include_gps", [False, True], ids=["private", "gps"])
@pytest.mark.parametrize("kind", sorted(ENOUGH))
def test_meta_reads_only_the_start_and_answers_as_the_whole(
    make_processor: Callable[[], ImageProcessor], include_gps: bool, kind: str
) -> None:
    processor, store = make_processor(), InMemoryOriginalStore()
    data = ENOUGH[kind]()
    name = stored(store, data)
    assert len(data) > 2 * START_BYTES

    answer = ReadMeta(store, processor, include_gps).execute(name)

    assert (store.start_gets, store.gets) == (1, 0)
    assert answer == before_issue_15(store, processor, name, include_gps)
    assert answer.stored.bytes == len(data)
    assert ("gps_latitude" in answer.meta.exif) is (include_gps and kind in WITH_EXIF)


def test_a_photos_start_gives_its_exif_upright() -> None:
    store = InMemoryOriginalStore()
    name = stored(store, ENOUGH["jpeg"]())
    answer = ReadMeta(store, pillow(), include_gps=False).execute(name)
    assert (answer.meta.width, answer.meta.height) == (480, 640)  # orientation 6: turned
    assert answer.meta.exif == {"make": "TestCam", "model": "Model 1", "orientation": 6}


@pytest.mark.parametrize("make_processor", PROCESSORS)
@pytest.mark.parametrize("kind", sorted(NOT_ENOUGH))
def test_the_whole_is_fetched_when_the_start_is_not_enough(
    make_processor: Callable[[], ImageProcessor], kind: str
) -> None:
    processor, store = make_processor(), InMemoryOriginalStore()
    name = stored(store, NOT_ENOUGH[kind]())

    answer = ReadMeta(store, processor, include_gps=True).execute(name)

    assert (store.start_gets, store.gets) == (1, 1)
    assert answer == before_issue_15(store, processor, name, include_gps=True)
    if kind.startswith("png-exif") or kind == "jpeg-big-icc":
        assert answer.meta.exif["make"] == "TestCam"


@pytest.mark.parametrize("kind", sorted(DAMAGED))
def test_a_damaged_original_is_still_a_damaged_original_decided_by_the_whole(kind: str) -> None:
    store = InMemoryOriginalStore()
    data = DAMAGED[kind]
    name = stored(store, data)
    with pytest.raises(DamagedOriginalError, match="stored original of cam/photo is damaged"):
        ReadMeta(store, pillow(), include_gps=False).execute(name)
    start_was_all = len(data) <= START_BYTES
    assert (store.start_gets, store.gets) == (1, 0 if start_was_all else 1)


def test_an_object_named_with_an_extension_is_read_from_its_start() -> None:
    store = InMemoryOriginalStore()
    store.objects["cam/shot.jpg"] = ENOUGH["jpeg"]()
    answer = ReadMeta(store, pillow(), include_gps=False).execute(ImageName.parse("cam/shot"))
    assert (answer.stored.object_name, str(answer.name)) == ("cam/shot.jpg", "cam/shot")
    assert (store.start_gets, store.gets) == (1, 0)


def outcome(read: Callable[[ImageName], OriginalMeta], name: ImageName) -> OriginalMeta | str:
    try:
        return read(name)
    except DamagedOriginalError as error:
        return f"damaged: {error.detail}"


def test_every_start_of_every_input_answers_as_the_whole_did() -> None:
    """Every accepted format, whole and mutated (cut, flipped bytes...), and metadata in every
    place, read from starts of several sizes: the same meta, or the same damaged-original
    error, as reading the whole at once."""
    processor = pillow()
    inputs = [make() for _name, _family, make in SEEDS]
    inputs += [mutant.data for mutant in mutants(240, seed=15)]
    inputs += [make() for make in (*ENOUGH.values(), *NOT_ENOUGH.values())]
    answered_from_start = 0
    for data in inputs:
        store = InMemoryOriginalStore()
        name = stored(store, data)
        expected = outcome(partial(before_issue_15, store, processor, include_gps=True), name)
        for start_bytes in sorted({1, 16, 200, 2000, len(data) // 2, len(data) - 1} - {0}):
            store.gets = store.start_gets = 0
            meta = ReadMeta(store, processor, include_gps=True, start_bytes=start_bytes)
            assert outcome(meta.execute, name) == expected, (data[:16], start_bytes)
            answered_from_start += store.gets == 0
    assert answered_from_start > len(inputs)  # most headers fit in 2000 bytes


def test_the_start_reader_refuses_reads_and_seeks_past_its_end() -> None:
    reader = StartOfImage(b"0123456789")
    assert reader.read(4) == b"0123"
    assert (reader.seek(6), reader.read(4), reader.wanted_more) == (6, b"6789", False)
    for refused in (lambda: reader.read(4), reader.read, lambda: reader.seek(0, io.SEEK_END)):
        reader.seek(8)
        with pytest.raises(Exception, match="past the 10 bytes held"):
            refused()
    assert reader.wanted_more
