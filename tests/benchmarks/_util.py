"""Shared helpers for the benchmark scripts: medians, percentiles, a plain table."""

from __future__ import annotations

import gc
import random
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


def williams_orders(kinds: int) -> list[list[int]]:
    """Orders of ``kinds`` (even) runs in which each kind follows every other exactly once.

    A run is not independent of the one before it: a run after a history run, whose
    memory the allocator kept, measured faster here than one after a bare run. With a
    plain rotation the baseline nearly always came right after the history run, which
    biased the ratio by several percent. Cycling through these orders (a Williams
    design) balances that carry-over.
    """
    first = [0]
    first.extend(step // 2 + 1 if step % 2 else kinds - step // 2 for step in range(1, kinds))
    return [[(kind + shift) % kinds for kind in first] for shift in range(kinds)]


def median_ci(values: Sequence[float], resamples: int = 4000) -> tuple[float, float, float]:
    """The median and a 95% bootstrap interval for it (seeded, so a rerun prints the same)."""
    rng = random.Random(0)
    medians = sorted(
        statistics.median(rng.choices(values, k=len(values))) for _ in range(resamples)
    )
    return statistics.median(values), medians[resamples // 40], medians[-resamples // 40 - 1]


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
