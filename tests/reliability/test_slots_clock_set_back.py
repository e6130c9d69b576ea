"""A rate limit's slots free themselves with time: a clock set back after they were taken
(or another host's clock ahead of this one) must not hold them for as long as the
clocks differ."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

from flowtop.concurrency import slots
from flowtop.concurrency.slots import Limit, Short, SlotStore, Taken

RATE = {"api": Limit(1, 1.0)}  # one slot, freed in a second


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def test_a_slot_taken_in_the_future_frees_itself_from_now(tmp_path: Path) -> None:
    """It stayed taken for the day the clock was set back by."""
    store = SlotStore(tmp_path / "limits.db")
    clock = Clock(1_700_086_400.0)
    try:
        with mock.patch.object(slots, "time", clock):
            assert isinstance(store.take(RATE, 1, hold=False), Taken)
            clock.now -= 86_400  # set back a day
            assert isinstance(store.take(RATE, 1, hold=False), Short)  # just taken
            clock.now += 2.0  # two seconds later, by the clock as it is now
            assert isinstance(store.take(RATE, 1, hold=False), Taken)
    finally:
        store._conn.close()
