"""FetchCounters: the FetchMetrics port as plain counters, and their Prometheus text form."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping

import attrs


@attrs.frozen
class Sample:
    name: str
    labels: Mapping[str, str]
    value: float


class FetchCounters:
    """Per-process counts of tier lookups and derivations, safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lookups: Counter[tuple[str, str]] = Counter()
        self._derivations = 0

    def lookup(self, tier: str, *, hit: bool) -> None:
        with self._lock:
            self._lookups[(tier, "hit" if hit else "miss")] += 1

    def derivation(self) -> None:
        with self._lock:
            self._derivations += 1

    def samples(self) -> list[Sample]:
        with self._lock:
            lookups = dict(self._lookups)
            derivations = self._derivations
        return [
            Sample("image_repo_cache_lookups_total", {"tier": tier, "result": result}, count)
            for (tier, result), count in sorted(lookups.items())
        ] + [Sample("image_repo_derivations_total", {}, derivations)]


def prometheus_text(samples: Iterable[Sample]) -> str:
    """The text exposition format: one `name{labels} value` line per sample."""
    lines = []
    for sample in samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
        value = int(sample.value) if float(sample.value).is_integer() else sample.value
        lines.append(f"{sample.name}{{{labels}}} {value}" if labels else f"{sample.name} {value}")
    return "\n".join(lines) + "\n"
