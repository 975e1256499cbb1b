"""Prometheus counters of what the service met in Swift."""

from __future__ import annotations

from prometheus_client import Counter

SWIFT_ERRORS = Counter(
    "image_repo_swift_errors", "Swift requests that failed (unreachable or 5xx)", ["reason"]
)

REJECTED_ENTRIES = Counter(
    "image_repo_cache_container_rejected",
    "Objects found in the cache container without a valid integrity tag (treated as misses)",
)
