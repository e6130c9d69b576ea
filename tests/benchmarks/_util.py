"""Shared helpers for the benchmark scripts: medians, percentiles, a plain table."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence


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
