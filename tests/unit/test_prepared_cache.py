"""PreparedCache: the next size of an identified original starts from its last decode, and
gives the same bytes as decoding it again."""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from image_repo.adapters.imaging.pillow_processor import PillowProcessor
from image_repo.adapters.imaging.prepared_cache import PreparedCache
from image_repo.adapters.imaging.prepared_images import PreparedImages
from image_repo.adapters.imaging.vips_processor import VipsProcessor
from image_repo.adapters.swift.arriving_body import ArrivingBody
from image_repo.application.ports import IdentifiedSource
from image_repo.domain.formats import ImageFormat
from image_repo.domain.spec import Box, Spec
from tests.icc import adobe_rgb_profile
from tests.images import encoded, jpeg_with_gps


def test_prepared_originals_give_the_same_bytes_and_are_reused() -> None:
    """Sizes that decode at one DCT scale start from one prepared image, and every output is
    byte for byte what a processor without the cache makes."""
    rotated = jpeg_with_gps(1600, 1200, orientation=6)
    adobe = encoded(
        Image.new("RGB", (1200, 800), (200, 40, 40)), "JPEG", icc_profile=adobe_rgb_profile()
    )
    prepared = PreparedImages(64 << 20)
    plain, cached = PillowProcessor(), PreparedCache(PillowProcessor(), prepared)
    for identity, data in (("a/rotated", rotated), ("a/adobe", adobe)):
        for spec in (
            Spec(box=Box(150, 150)),
            Spec(box=Box(140, None), kind=ImageFormat.PNG),
            Spec(box=Box(60, 60), is_thumbnail=True, sharpen=0.5),
            Spec(box=Box(700, None)),
            Spec(),
        ):
            made = cached.derive(IdentifiedSource(identity, data), spec)
            assert made == plain.derive(data, spec), spec
    # 1/8 and 1/2 scale of the 1200x1600 and the 800x1200 fit a 64 MiB budget; full size too
    assert prepared.bytes > 0
    before = prepared.bytes
    cached.derive(IdentifiedSource("a/rotated", rotated), Spec(box=Box(145, 145)))
    assert prepared.bytes == before  # same scale as the 150 box: no new entry


def test_prepared_originals_stay_within_their_budget() -> None:
    prepared = PreparedImages(4 << 20)
    processor = PreparedCache(PillowProcessor(), prepared)
    for index in range(6):
        data = jpeg_with_gps(1000 + index, 700)
        processor.derive(IdentifiedSource(f"b/{index}", data), Spec(box=Box(800, 800)))
        assert prepared.bytes <= 4 << 20
    big = IdentifiedSource("b/big", jpeg_with_gps(2000, 2000))
    processor.derive(big, Spec())  # 12 MB: over a quarter
    assert prepared.bytes <= 4 << 20


def test_threads_sharing_a_prepared_original_each_get_their_own_bytes() -> None:
    """Sizes that need no resize encode the prepared image itself; Pillow writes encoder
    settings onto the image it saves, so each thread must encode its own copy. A stress test:
    without that copy it failed about one run in three here."""
    data = jpeg_with_gps(900, 600)
    specs = [Spec(kind=kind) for kind in (ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP)]
    expected = {spec.kind: PillowProcessor().derive(data, spec) for spec in specs}
    shared = PreparedCache(PillowProcessor(max_concurrent=8), PreparedImages(64 << 20))
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # hand the GIL over as often as possible: races show up
    try:
        with ThreadPoolExecutor(8) as pool:
            source = IdentifiedSource("c/x", data)
            made = list(pool.map(lambda n: shared.derive(source, specs[n % 3]), range(60)))
    finally:
        sys.setswitchinterval(switch_interval)
    assert all(image == expected[image.format] for image in made)


def test_the_eager_twin_takes_no_slot_and_starts_from_the_upload_checks_decode() -> None:
    """What the container gives eager work: the same processor and cache, without slots."""
    data = jpeg_with_gps(1600, 1200)
    prepared = PreparedImages(64 << 20)
    requests = PreparedCache(VipsProcessor(PillowProcessor(max_concurrent=1), 1), prepared)
    eager = requests.without_slots()
    upload = IdentifiedSource("upload/1", data)
    requests.check_decodes(upload)  # at 1/8 scale, kept under the upload's identity
    kept = prepared.bytes
    assert kept > 0
    stalled = ArrivingBody(len(data))
    stalled.append(data[:1000])
    request = threading.Thread(target=lambda: requests.derive(stalled, Spec(box=Box(50, 50))))
    request.start()
    time.sleep(0.1)  # the request holds the only slot, waiting for bytes
    thumbnail = eager.derive(upload, Spec(box=Box(100, 100)))  # decodes at 1/8 scale too
    assert prepared.bytes == kept  # started from the check's decode
    assert thumbnail == PillowProcessor().derive(data, Spec(box=Box(100, 100)))
    stalled.append(data[1000:])
    stalled.finish()
    request.join(10)
