"""Shared helpers for the benchmark scripts: medians, percentiles, a plain table."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence

#: Idle time before a timed run, so no run inherits the previous one's load: on the
#: shared 2-core machines here, a run started right after another one measured up to
#: 20% slower, whatever it ran.
SETTLE = 0.3


def settle() -> None:
    """Start a timed run like every other: the last run's garbage collected, the machine idle."""
    gc.collect()
    time.sleep(SETTLE)


def median_of(fn: Callable[[], float], repeat: int) -> tuple[float, float, float]:
    """(median, min, max) of ``repeat`` calls of ``fn`` (each returns seconds)."""
    samples = [fn() for _ in range(repeat)]
    return statistics.median(samples), min(samples), max(samples)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
    )


def verdict(ok: bool) -> str:
    return "meets goal" if ok else "MISSES goal"
