"""How long to wait before retry n: every form ``retry_delay`` accepts, and why.

A delay is computed as a :class:`DelayBreakdown` rather than a bare float so the TUI can
show the user how a countdown came about (base, backoff, cap, jitter, override).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

Seconds = int | float | timedelta
DelaySpec = Seconds | Sequence[Seconds] | Callable[[int], Seconds]


def to_seconds(value: Any, *, what: str) -> float:
    """Turn seconds or a timedelta into float seconds, or say what was wrong with it."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"{what} must be seconds (int/float) or a timedelta, got {type(value).__name__} {value!r}"
        )
    else:
        seconds = float(value)
    if seconds != seconds or seconds < 0:
        raise ValueError(f"{what} must not be negative, got {value!r}")
    return seconds


class ExponentialBackoff:
    """``base × factor^(n-1)`` seconds before retry n, capped at ``max_delay``."""

    __slots__ = ("base", "factor", "max_delay")

    def __init__(
        self, base: Seconds = 1.0, factor: float = 2.0, max_delay: Seconds | None = None
    ) -> None:
        self.base = to_seconds(base, what="exponential_backoff(base=)")
        if isinstance(factor, bool) or not isinstance(factor, int | float) or factor < 1:
            raise ValueError(f"exponential_backoff(factor=) must be a number >= 1, got {factor!r}")
        self.factor = float(factor)
        self.max_delay = (
            None
            if max_delay is None
            else to_seconds(max_delay, what="exponential_backoff(max_delay=)")
        )

    def uncapped(self, attempt: int) -> float:
        try:
            return self.base * self.factor ** (attempt - 1)
        except OverflowError:
            return float("inf")

    def __call__(self, attempt: int) -> float:
        delay = self.uncapped(attempt)
        return delay if self.max_delay is None else min(delay, self.max_delay)

    def describe(self) -> str:
        cap = "" if self.max_delay is None else f", max {fmt_seconds(self.max_delay)}"
        return f"backoff {fmt_seconds(self.base)}×{self.factor:g}^(n-1){cap}"

    def __repr__(self) -> str:
        return f"exponential_backoff(base={self.base:g}, factor={self.factor:g}, max_delay={self.max_delay!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExponentialBackoff) and (
            self.base,
            self.factor,
            self.max_delay,
        ) == (
            other.base,
            other.factor,
            other.max_delay,
        )

    def __hash__(self) -> int:
        return hash((self.base, self.factor, self.max_delay))


def exponential_backoff(
    base: Seconds = 1.0, factor: float = 2.0, max_delay: Seconds | None = None
) -> ExponentialBackoff:
    """A ``retry_delay`` that doubles (by default) on every retry, up to ``max_delay``."""
    return ExponentialBackoff(base, factor, max_delay)


def normalize_delay(
    spec: Any, *, what: str = "retry_delay"
) -> float | tuple[float, ...] | Callable[[int], Any]:
    """Check a ``retry_delay`` at definition time; return seconds, a tuple, or the callable."""
    if spec is None:
        return 0.0
    if callable(spec) and not isinstance(spec, timedelta):
        return spec
    if isinstance(spec, list | tuple):
        if not spec:
            raise ValueError(f"{what} list must not be empty")
        return tuple(to_seconds(v, what=f"{what}[{i}]") for i, v in enumerate(spec))
    return to_seconds(spec, what=what)


@dataclass(frozen=True, slots=True)
class DelayBreakdown:
    """One computed delay and the steps that produced it (for the detail pane)."""

    seconds: float
    base: float
    source: str  # "fixed", "list[i]", "backoff", "callable", "Retry(delay=)"
    capped_at: float | None = None
    jitter: float = 0.0  # the fraction actually added, j × U(0,1)

    def explain(self) -> str:
        text = f"{self.source} → {fmt_seconds(self.base)}"
        if self.capped_at is not None:
            text += f", capped at {fmt_seconds(self.capped_at)}"
        if self.jitter:
            text += f", jitter {self.jitter * 100:+.0f}% = {fmt_seconds(self.seconds)}"
        return text


def compute_delay(
    spec: float | tuple[float, ...] | Callable[[int], Any],
    attempt: int,
    *,
    jitter: float = 0.0,
    override: float | None = None,
    rng: Callable[[], float] = random.random,
) -> DelayBreakdown:
    """The wait after failed attempt ``attempt`` (1-based) before the next one.

    Jitter applies to policy delays only: a ``Retry(delay=)`` override is what the task
    asked for (often a server's Retry-After) and is honoured exactly.
    """
    if override is not None:
        return DelayBreakdown(override, override, "Retry(delay=)")
    capped = None
    if isinstance(spec, int | float):
        base, source = float(spec), "fixed"
    elif isinstance(spec, tuple):
        index = min(attempt - 1, len(spec) - 1)
        base, source = spec[index], f"list[{index}]"
    elif isinstance(spec, ExponentialBackoff):
        base, source = spec.uncapped(attempt), spec.describe()
        if spec.max_delay is not None and base > spec.max_delay:
            capped = spec.max_delay
    else:
        base = to_seconds(spec(attempt), what=f"retry_delay({attempt})")
        source = "callable"
    added = jitter * rng() if jitter else 0.0
    effective = base if capped is None else capped
    return DelayBreakdown(effective * (1 + added), base, source, capped, added)


def fmt_seconds(seconds: float) -> str:
    """Short human form: 0.5s, 12s, 3m05s, 1h02m."""
    if seconds == float("inf"):
        return "∞"
    if seconds < 10:
        return f"{seconds:.3g}s"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        m, s = divmod(int(round(seconds)), 60)
        return f"{m}m{s:02d}s"
    h, m = divmod(int(round(seconds)) // 60, 60)
    return f"{h}h{m:02d}m"
