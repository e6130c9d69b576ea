"""The wall clock the TUI reads for countdowns and elapsed times.

Engine events carry wall-clock timestamps, so a retry is due at ``event.ts + retry_in``.
Reading the time through one injectable callable lets tests and snapshots freeze it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]

system_clock: Clock = time.time


class FrozenClock:
    """A clock that stands still unless a test sets ``now``: stable snapshots and countdowns."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
