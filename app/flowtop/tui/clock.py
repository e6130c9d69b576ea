"""The clock the TUI reads for countdowns and elapsed times.

Engine events carry wall-clock timestamps, but a countdown read off the wall clock jumps
with it: set back an hour during a 20 s wait, it said ``Retry in 1h00m``. The TUI reads
a steady clock instead: the wall clock as long as it keeps pace with the monotonic clock,
the monotonic clock (from where the wall clock was) once the wall clock is set. An event's
wall time is put on it once, when the event arrives (``RunModel.local``): for an event
that is not in the past by the wall clock (live ones) that is when it arrived; for one
read back from the store, its age by the wall clock is all there is. The store's reader
puts a run's event times on today's wall clock first, should the clock have been set
between the event and the TUI's start (``workspace.boot_clock``: a run of this machine
and boot; another's times are as its process stamped them).
Reading the time through one injectable callable lets tests and snapshots freeze it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

Clock = Callable[[], float]


class LocalClock(Protocol):
    """A steady clock and the wall clock it started from, read together."""

    def __call__(self) -> float: ...
    def readings(self) -> tuple[float, float]: ...


#: How far the wall clock may drift from the monotonic one before it counts as set.
SLACK = 1.0


class SteadyClock:
    """Reads as the wall clock until the wall clock is set (or drifts past ``SLACK``),
    then as the monotonic clock from where it was: a countdown never jumps with it."""

    def __init__(self, wall: Clock = time.time, monotonic: Clock = time.monotonic) -> None:
        self.wall = wall
        self._monotonic = monotonic
        self._offset = wall() - monotonic()
        self._set = False  # the wall clock was set: the monotonic clock is read from then on

    def __call__(self) -> float:
        return self.readings()[0]

    def readings(self) -> tuple[float, float]:
        """This clock and the wall clock, read together (equal until the wall clock is set)."""
        wall = self.wall()
        steady = self._monotonic() + self._offset
        if not self._set and abs(wall - steady) < SLACK:
            return wall, wall
        self._set = True
        return steady, wall


system_clock = SteadyClock()
