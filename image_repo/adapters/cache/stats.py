"""Counters every cache tier keeps, for /metrics and for tests."""

from __future__ import annotations

import attrs


@attrs.define
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0
    damaged: int = 0
    bytes: int = 0
    entries: int = 0
