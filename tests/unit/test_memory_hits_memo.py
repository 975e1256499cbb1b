"""The memory-hit path remembers parsed requests, within a bound that junk cannot stretch."""

from __future__ import annotations

from image_repo.adapters.http.image_endpoints import HttpSettings
from image_repo.adapters.http.memory_hits import TARGETS_REMEMBERED, MemoryHits
from image_repo.domain.derivation import DerivationDefaults
from image_repo.domain.spec import OUTPUT_FORMATS
from tests.unit.test_use_cases import etags_for, tiered


def hits() -> MemoryHits:
    settings = HttpSettings(
        max_upload_bytes=1000,
        max_dimension=10_000,
        output_formats=frozenset(OUTPUT_FORMATS),
        defaults=DerivationDefaults(),
        cache_max_age_seconds=60,
    )

    async def app(*_args: object) -> None: ...

    return MemoryHits(app, etags_for(), tiered(), settings)


def test_long_junk_queries_are_parsed_but_not_remembered() -> None:
    front = hits()
    for number in range(200):
        junk = f"xsize=10&{'j' * 5000}{number}=1".encode()
        assert front.answer(b"/images/cat", junk, None) is None
    assert front._target.cache_info().currsize == 0  # type: ignore[attr-defined]


def test_ordinary_requests_are_remembered_up_to_the_bound() -> None:
    front = hits()
    for width in range(1, TARGETS_REMEMBERED + 100):
        front.answer(b"/images/cat", f"xsize={width}".encode(), None)
    assert front._target.cache_info().currsize == TARGETS_REMEMBERED  # type: ignore[attr-defined]
