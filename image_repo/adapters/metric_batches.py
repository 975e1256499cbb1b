"""Prometheus samples of the request path, added up in this process and written in batches.

Under gunicorn (multiprocess mode) every increment of a sample takes a lock, a getpid system
call and a write to a memory-mapped file, three to four of them per memory hit: a large share
of a worker's time answering hits (py-spy, bench/RESULTS.md). Added up here, an increment
costs a dict update under a lock. A thread of this process writes the totals at
most FLUSH_SECONDS after the first increment of a batch. /metrics flushes its own process
first, so it is exact for a single process and at most FLUSH_SECONDS behind for the other
workers; a worker that exits gracefully flushes on its way out (atexit), one killed loses at
most FLUSH_SECONDS of samples."""

from __future__ import annotations

import atexit
import bisect
import os
import threading
import time
from typing import Any, Protocol

FLUSH_SECONDS = 1.0


class _Incrementable(Protocol):
    def inc(self, amount: float = 1) -> None: ...


class MetricBatches:
    def __init__(self, flush_seconds: float = FLUSH_SECONDS) -> None:
        self._flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._pending: dict[_Incrementable, float] = {}
        self._due = threading.Event()  # set: a batch is waiting for the writer
        self._is_due = False  # the same, read without a call on the hot path
        self._writer: threading.Thread | None = None
        os.register_at_fork(after_in_child=self._forget_writer)

    def inc(self, sample: _Incrementable, amount: float = 1.0) -> None:
        """`sample`: a Counter's labelled child, or any value with `inc(amount)`."""
        with self._lock:
            self._pending[sample] = self._pending.get(sample, 0.0) + amount
            if not self._is_due:
                self._start_batch()

    def observe(self, histogram: Any, amount: float, counted: _Incrementable | None = None) -> None:
        """Histogram.observe(amount) for a labelled child, batched: its bucket's count and its
        sum, the two values observe() increments (prometheus_client keeps per-bucket counts
        and adds them up when collected; tests/unit/test_metric_batches.py holds it to that).
        `counted`, when given, is incremented by one with them (a request and its duration)."""
        bucket = histogram._buckets[bisect.bisect_left(histogram._upper_bounds, amount)]
        total = histogram._sum
        with self._lock:
            pending = self._pending
            pending[bucket] = pending.get(bucket, 0.0) + 1.0
            pending[total] = pending.get(total, 0.0) + amount
            if counted is not None:
                pending[counted] = pending.get(counted, 0.0) + 1.0
            if not self._is_due:
                self._start_batch()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
            self._is_due = False
            self._due.clear()
        for sample, amount in pending.items():
            sample.inc(amount)

    def _start_batch(self) -> None:
        """Holding the lock. The writer is started once: starting a thread waits until it
        runs, which on a busy machine stalled the event loop for milliseconds."""
        self._is_due = True
        self._due.set()
        if self._writer is None:
            self._writer = threading.Thread(target=self._write, name="metrics", daemon=True)
            self._writer.start()

    def _write(self) -> None:
        while True:
            self._due.wait()
            time.sleep(self._flush_seconds)  # the batch fills meanwhile
            self.flush()

    def _forget_writer(self) -> None:
        """A forked child has no writer thread, and counts nothing of its parent's."""
        self._lock = threading.Lock()
        self._pending, self._due, self._writer = {}, threading.Event(), None
        self._is_due = False


BATCHES = MetricBatches()
atexit.register(BATCHES.flush)
