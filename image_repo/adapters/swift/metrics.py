"""Prometheus counter of Swift failures seen by the service."""

from __future__ import annotations

from prometheus_client import Counter

SWIFT_ERRORS = Counter(
    "image_repo_swift_errors", "Swift requests that failed (unreachable or 5xx)", ["reason"]
)
