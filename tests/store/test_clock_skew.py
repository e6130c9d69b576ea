"""Hosts sharing a workspace do not share a clock: whether a remote run's owner is gone
is judged by whether its heartbeat changes while this process watches (by its own
monotonic clock), never by comparing the owner's clock with this one."""

from __future__ import annotations

from unittest import mock

from flowtop.workspace import ownership
from flowtop.workspace.ownership import STALE_AFTER, WALL_STALE_AFTER, Owner, owner_gone


class ReaderClock:
    """This process's clocks: a wall clock ``skew`` seconds off the owner's, and a
    monotonic one, both moved by hand."""

    def __init__(self, skew: float) -> None:
        self.skew = skew
        self.elapsed = 0.0

    def time(self) -> float:
        return 1_700_000_000.0 + self.skew + self.elapsed

    def monotonic(self) -> float:
        return 500.0 + self.elapsed


def test_a_reader_whose_clock_is_ahead_does_not_interrupt_a_healthy_run() -> None:
    """A reader minutes ahead of the owner marked its run INTERRUPTED at first sight."""
    owner = Owner("skew-ahead-host", 4242, "its-boot", "1")
    clock = ReaderClock(skew=WALL_STALE_AFTER - 3 * STALE_AFTER - 1)
    with mock.patch.object(ownership, "time", clock):
        for second in range(3 * int(STALE_AFTER)):  # it beats every second, by its clock
            clock.elapsed = second
            assert owner_gone(owner, 1_700_000_000.0 + second) is None


def test_a_dead_owner_whose_clock_is_ahead_is_found_gone() -> None:
    """An owner an hour ahead stayed RUNNING after it died, until this clock caught up."""
    owner = Owner("skew-behind-host", 4243, "its-boot", "1")
    clock = ReaderClock(skew=-3600)
    last = 1_700_000_000.0  # its last beat, by its own clock
    with mock.patch.object(ownership, "time", clock):
        assert owner_gone(owner, last) is None  # first seen: it may be beating
        clock.elapsed = STALE_AFTER - 0.5
        assert owner_gone(owner, last) is None
        clock.elapsed = STALE_AFTER + 0.5
        why = owner_gone(owner, last)
    assert why is not None and "pid 4243 on skew-behind-host" in why


def test_a_one_off_reader_finds_an_owner_silent_for_long_by_its_clock_gone() -> None:
    """``history`` or ``run --rerun-of`` never watch a heartbeat: one older than
    ``WALL_STALE_AFTER`` by this machine's clock tells them its host died."""
    owner = Owner("died-host", 4244, "its-boot", "1")
    clock = ReaderClock(skew=WALL_STALE_AFTER + 1)
    with mock.patch.object(ownership, "time", clock):
        why = owner_gone(owner, 1_700_000_000.0)
    assert why is not None and "10m01s ago by this machine's clock" in why
    clock = ReaderClock(skew=WALL_STALE_AFTER - 60)
    with mock.patch.object(ownership, "time", clock):
        assert owner_gone(Owner("late-host", 4245, "its-boot", "1"), 1_700_000_000.0) is None


def test_an_owner_s_runs_with_different_heartbeats_are_judged_by_its_newest() -> None:
    """A run just started or reserved holds an older heartbeat than the owner's others:
    read in turn, the two looked like a change every time, and a dead host's runs were
    left RUNNING for ten minutes instead of five seconds."""
    import sqlite3

    from flowtop.workspace import reaper

    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE runs (run_id TEXT, owner TEXT, host TEXT, pid INTEGER, boot_id TEXT, "
        "proc_start TEXT, heartbeat REAL, started REAL, state TEXT)"
    )
    beat = 1_700_000_000.0
    for run_id, heartbeat in (("beaten", beat), ("reserved", beat - 3)):
        conn.execute(
            "INSERT INTO runs VALUES (?, 'dead-host:77:b:1', 'dead-host', 77, 'b', '1', ?, ?, "
            "'RUNNING')",
            (run_id, heartbeat, heartbeat),
        )
    clock = ReaderClock(skew=0)
    with mock.patch.object(ownership, "time", clock):
        assert reaper._orphans(conn) == {}  # first seen: it may be beating
        clock.elapsed = STALE_AFTER + 0.5
        gone = reaper._orphans(conn)
    assert sorted(gone) == ["beaten", "reserved"]
