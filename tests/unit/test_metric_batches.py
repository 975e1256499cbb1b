"""MetricBatches: what /metrics shows after a flush is what direct increments would show."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from image_repo.adapters.metric_batches import MetricBatches

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.1, 1.0)
AMOUNTS = (0.0, 0.0004, 0.001, 0.0010001, 0.003, 0.05, 0.1, 2.5, 30.0)


def histogram_exposition(batched: bool) -> list[bytes]:
    """The exposition's lines, but for the time the histogram was created."""
    registry = CollectorRegistry()
    histogram = Histogram("latency", "", ["route"], buckets=BUCKETS, registry=registry)
    batches = MetricBatches(flush_seconds=60)
    for amount in AMOUNTS:
        child = histogram.labels("r")
        if batched:
            batches.observe(child, amount)
        else:
            child.observe(amount)
    batches.flush()
    return [line for line in generate_latest(registry).splitlines() if b"_created" not in line]


def test_a_batched_histogram_reads_as_one_observed_directly() -> None:
    assert histogram_exposition(batched=True) == histogram_exposition(batched=False)


def test_counts_wait_for_the_flush() -> None:
    registry = CollectorRegistry()
    counter = Counter("hits", "", ["tier"], registry=registry)
    batches = MetricBatches(flush_seconds=60)
    for _ in range(5):
        batches.inc(counter.labels("memory"))
    assert registry.get_sample_value("hits_total", {"tier": "memory"}) == 0
    batches.flush()
    assert registry.get_sample_value("hits_total", {"tier": "memory"}) == 5
    batches.flush()  # nothing pending: nothing added twice
    assert registry.get_sample_value("hits_total", {"tier": "memory"}) == 5


def test_counts_are_written_within_the_bound_without_a_flush() -> None:
    registry = CollectorRegistry()
    counter = Counter("hits", "", registry=registry)
    batches = MetricBatches(flush_seconds=0.05)
    batches.inc(counter, 3)
    deadline = time.monotonic() + 5
    while registry.get_sample_value("hits_total") != 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert registry.get_sample_value("hits_total") == 3
