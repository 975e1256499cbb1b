"""MemoryHits: a hit obeys the coherence rule, checks signatures, answers as the full route
does, and remembers requests within a bound that junk cannot stretch."""

from __future__ import annotations

import attrs

from image_repo.adapters.http.image_endpoints import HttpSettings
from image_repo.adapters.http.image_responses import content_disposition, image_head
from image_repo.adapters.http.memory_hits import TARGETS_REMEMBERED, MemoryHits
from image_repo.application.coherent_etags import CoherentEtags
from image_repo.domain.derivation import DerivationDefaults, spec_for
from image_repo.domain.edge_keys import image_keys
from image_repo.domain.formats import ImageFormat
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.request import parse_query
from image_repo.domain.spec import OUTPUT_FORMATS
from image_repo.domain.url_signatures import UrlSignatures
from tests.fakes import InMemoryBlobCache, InMemoryKnownEtags, InMemoryNameGenerations, ManualClock
from tests.unit.test_use_cases import etags_for, tiered

CAT = ImageName.parse("cat")
PATH, QUERY = b"/images/cat", b"xsize=10"
OLD, NEW = "0ld0ld", "n3wn3w"
SETTINGS = HttpSettings(
    max_upload_bytes=1000,
    max_dimension=10_000,
    output_formats=frozenset(OUTPUT_FORMATS),
    defaults=DerivationDefaults(),
    cache_max_age_seconds=60,
)


@attrs.define
class Worker:
    """One worker's memory tier, ETags and hits; workers of one server share `generations`."""

    hits: MemoryHits
    etags: CoherentEtags
    memory: InMemoryBlobCache

    def holds(self, etag: str, data: bytes, query: bytes = QUERY) -> DerivedImageKey:
        """`etag` learnt from the store, and the image for `query` in memory under it."""
        self.etags.learn(CAT, etag, self.etags.generation(CAT))
        spec = spec_for(SETTINGS.image_request(parse_query(query)), None, SETTINGS.defaults)
        key = DerivedImageKey(CAT, etag, spec)
        self.memory.put(CAT, key.digest(), data)
        return key


def worker(
    settings: HttpSettings = SETTINGS,
    generations: InMemoryNameGenerations | None = None,
    clock: ManualClock | None = None,
) -> Worker:
    memory = InMemoryBlobCache()
    etags = etags_for(clock, generations, InMemoryKnownEtags())
    return Worker(MemoryHits(etags, tiered(memory), settings), etags, memory)


def test_a_hit_answers_the_bytes_with_the_full_routes_headers() -> None:
    one = worker()
    key = one.holds(OLD, b"image bytes")
    answer = one.hits.answer(PATH, QUERY)
    assert answer is not None
    head, body = answer
    assert body == b"image bytes"
    assert head == image_head(
        is_not_modified=False,
        etag=key.digest(),
        max_age_seconds=60,
        cache_tier="memory",
        disposition=content_disposition(CAT, ImageFormat.JPEG),
        image_format=ImageFormat.JPEG,
        length=len(b"image bytes"),
        surrogate_keys=image_keys(CAT),
    )
    assert head.lines.startswith(f'etag: "{key.digest()}"\r\n'.encode())


def test_a_matching_if_none_match_is_a_304_without_body() -> None:
    one = worker()
    key = one.holds(OLD, b"image bytes")
    answer = one.hits.answer(PATH, QUERY, f'W/"x", "{key.digest()}"'.encode())
    assert answer is not None
    head, body = answer
    assert (head.status, body) == (304, b"")
    assert dict(head.headers)[b"etag"] == f'"{key.digest()}"'.encode()


def test_a_hit_stops_when_another_worker_replaces_the_image() -> None:
    """SPEC 7: once a PUT through another worker has answered, the generation it moved makes
    this worker's remembered request and ETag worthless, though its memory still holds the
    old image: the full route asks Swift."""
    generations = InMemoryNameGenerations()
    reader, writer = worker(generations=generations), worker(generations=generations)
    reader.holds(OLD, b"old image")
    assert reader.hits.answer(PATH, QUERY) is not None
    writer.etags.changed(CAT, NEW)  # the writer's PUT has answered
    assert reader.hits.answer(PATH, QUERY) is None
    reader.holds(NEW, b"new image")  # the full route learnt the new ETag and derived
    answer = reader.hits.answer(PATH, QUERY)
    assert answer is not None and answer[1] == b"new image"


def test_a_hit_stops_when_another_worker_deletes_the_image() -> None:
    generations = InMemoryNameGenerations()
    reader, writer = worker(generations=generations), worker(generations=generations)
    reader.holds(OLD, b"old image")
    assert reader.hits.answer(PATH, QUERY) is not None
    writer.etags.changed(CAT, None)
    assert reader.hits.answer(PATH, QUERY) is None


def test_a_hit_stops_when_the_etag_is_older_than_the_ttl() -> None:
    clock = ManualClock()
    one = worker(clock=clock)
    one.holds(OLD, b"image")
    clock.time += 59
    assert one.hits.answer(PATH, QUERY) is not None
    clock.time += 1
    assert one.hits.answer(PATH, QUERY) is None


def test_a_miss_of_the_memory_tier_goes_to_the_full_route() -> None:
    one = worker()
    one.etags.learn(CAT, OLD, one.etags.generation(CAT))
    assert one.hits.answer(PATH, QUERY) is None


def test_with_signing_on_only_a_signed_url_is_answered() -> None:
    signatures = UrlSignatures(("k1", "k2"))
    one = worker(attrs.evolve(SETTINGS, signatures=signatures))
    one.holds(OLD, b"image")
    signed = signatures.sign(f"{PATH.decode()}?{QUERY.decode()}").partition("?")[2].encode()
    assert one.hits.answer(PATH, signed) is not None
    assert one.hits.answer(PATH, QUERY) is None  # the full route gives the 403
    assert one.hits.answer(PATH, signed[:-2] + b"AA") is None
    assert one.hits.answer(b"/images/dog", signed) is None  # signed for another path


def test_what_the_full_route_must_answer_is_declined() -> None:
    one = worker()
    one.holds(OLD, b"image")
    for query in (b"meta=true", b"url=true", b"regex=c.*", b"xsize=-1", b"xsize=1&xsize=2"):
        assert one.hits.answer(PATH, query) is None, query


def test_accept_selects_the_format_with_auto_formats() -> None:
    defaults = attrs.evolve(SETTINGS.defaults, auto_formats=(ImageFormat.WEBP,))
    one = worker(attrs.evolve(SETTINGS, defaults=defaults))
    one.etags.learn(CAT, OLD, one.etags.generation(CAT))
    for image_format in (ImageFormat.WEBP, ImageFormat.JPEG):
        query = parse_query(QUERY)
        spec = spec_for(SETTINGS.image_request(query), None, defaults, image_format)
        one.memory.put(CAT, DerivedImageKey(CAT, OLD, spec).digest(), image_format.value.encode())
    webp = one.hits.answer(PATH, QUERY, accept=b"image/webp,*/*")
    jpeg = one.hits.answer(PATH, QUERY, accept=b"*/*")
    assert webp is not None and jpeg is not None
    assert (webp[1], jpeg[1]) == (b"webp", b"jpeg")
    assert dict(webp[0].headers)[b"vary"] == b"Accept"


def test_long_junk_queries_are_parsed_but_not_remembered() -> None:
    hits = worker().hits
    for number in range(200):
        junk = f"xsize=10&{'j' * 5000}{number}=1".encode()
        assert hits.answer(PATH, junk) is None
    assert hits.remembered == 0


def test_ordinary_requests_are_remembered_up_to_the_bound() -> None:
    hits = worker().hits
    for width in range(1, TARGETS_REMEMBERED + 100):
        hits.answer(PATH, f"xsize={width}".encode())
    assert hits.remembered == TARGETS_REMEMBERED
