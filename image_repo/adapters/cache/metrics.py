"""Prometheus metrics of the cache tiers; correct across gunicorn workers (multiprocess mode)."""

from __future__ import annotations

import functools
from typing import Any

from prometheus_client import Counter, Gauge

from image_repo.adapters.metric_batches import BATCHES

LOOKUPS = Counter(
    "image_repo_cache_lookups", "Cache lookups by tier and result", ["tier", "result"]
)
DERIVATIONS = Counter("image_repo_derivations", "Derived images made from an original")
EVICTIONS = Counter("image_repo_cache_evictions", "Entries evicted to stay within bounds", ["tier"])
DAMAGED = Counter("image_repo_cache_damaged", "Damaged disk entries dropped", ["tier"])
# Memory is per worker: the sum over live workers is the machine's use. The disk folder is
# shared: the most recent count any worker made is the best figure.
BYTES = Gauge(
    "image_repo_cache_bytes", "Bytes held by a cache tier", ["tier"], multiprocess_mode="livesum"
)
DISK_BYTES = Gauge(
    "image_repo_disk_cache_bytes",
    "Bytes in the shared disk cache folder, as last counted",
    multiprocess_mode="mostrecent",
)

WRITE_BEHIND_BYTES = Gauge(
    "image_repo_write_behind_bytes",
    "Bytes of disk and Swift cache writes waiting to run after their answers",
    multiprocess_mode="livesum",
)
WRITES_INLINE = Counter(
    "image_repo_write_behind_inline",
    "Cache writes run before answering because the write-behind queue was full",
)


EAGER = Counter(
    "image_repo_eager_derivations",
    "Eager preset derivations after uploads, by outcome (done, failed, dropped, superseded)",
    ["outcome"],
)


class PrometheusFetchMetrics:
    """The FetchMetrics port on the counters above."""

    def lookup(self, tier: str, *, hit: bool) -> None:
        """Counted in batches (metric_batches.py): one per memory hit answered."""
        BATCHES.inc(_lookups(tier, hit))

    def derivation(self) -> None:
        DERIVATIONS.inc()

    def eager(self, outcome: str) -> None:
        EAGER.labels(outcome).inc()


@functools.cache
def _lookups(tier: str, hit: bool) -> Any:
    """Tiers and results are fixed sets; labels() costs more than the increment."""
    return LOOKUPS.labels(tier, "hit" if hit else "miss")
