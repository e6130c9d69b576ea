"""Event times a run process stamped before its machine's wall clock was stepped, put on
the wall clock a reader on the same machine and boot reads now.

A run process stamps its events with ``time.time()`` and waits on a monotonic clock, so a
wall clock stepped (an NTP correction, ``date -s``) during a retry wait does not move the
retry. A monitor opened after the step counted the wait from the event's wall time on
the new clock: a retry due in a minute read ``Overdue 59m`` after a step of an hour
forward. The machine's boot clock (``CLOCK_BOOTTIME``: never stepped, counts suspend too)
says when the event happened to any process of the same boot. So the store keeps, per
run, how far its writer's wall clock stood ahead of the boot clock (``runs.clock``, schema
version 12): ``[[since, offset], …]``, ``offset`` holding from the log row ``since`` on
(0: from the run's start). It is written as the run starts, and again only when a write
finds the offset moved by ``JUMP`` or more (``WriterClock``): two clock reads per write,
nothing per event. A reader on the same host and boot moves the times of the rows
written at another offset by the difference (``decode_on_this_clock``); a reader
elsewhere (another host, container or boot) shares no boot clock with the writer and
reads the times as they were written, as does a reader of a store from before.

The offset is taken when a write begins, not when each event was stamped: events
stamped in the moment before a step and written just after it (a live run process writes
every 20 ms) are read as stamped after it.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from bisect import bisect_right
from collections.abc import Collection, Sequence
from typing import Any

from .log_decode import Check, LogDamage, LogEvent, RunInterrupted, decode_rows
from .ownership import Owner

#: A difference between two offsets smaller than this is drift (NTP slews a clock by
#: at most half a millisecond a second), not a step: nothing is written or moved for it.
JUMP = 0.5
#: Most offsets a run keeps: the oldest go first, their rows then read as written.
MOST_MARKS = 64
#: Runs looked up in one query (SQLite's floor allows 999 parameters).
RUNS_PER_QUERY = 500
#: Runs a reader keeps the offsets of (all forgotten past it, looked up again as read).
MOST_RUNS_KNOWN = 10_000


def wall_ahead_of_boot() -> float | None:
    """How far this machine's wall clock is ahead of its boot clock now (seconds); None
    where there is no boot clock to compare with (not Linux)."""
    if sys.platform != "linux":
        return None
    return time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)


def first_mark(offset: float | None) -> str | None:
    """A new run's ``runs.clock``: ``offset`` from its first row on."""
    return None if offset is None else json.dumps([[0, offset]])


class WriterClock:
    """A store writer's side: the offset its runs have on record, and a new mark for its
    live runs when a write finds the wall clock stepped since the last one."""

    def __init__(self) -> None:
        #: The offset this writer's live runs have on record (as of the last commit).
        self.offset = wall_ahead_of_boot()
        self._stepped: float | None = None  # recorded by a write not yet committed

    def mark(self, conn: sqlite3.Connection, live: Collection[str]) -> float | None:
        """At the start of a write transaction: the offset now, for the runs starting in
        it. Stepped ``JUMP`` or more since the last write, it goes on record for the
        runs ``live`` before it too, from the next log row on (taken as on record once
        ``committed``: a write rolled back marks them again next time)."""
        now = wall_ahead_of_boot()
        if now is None or self.offset is None or abs(now - self.offset) < JUMP:
            return now
        self._stepped = now
        if live:
            (since,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM events").fetchone()
            for run_id in live:
                row = conn.execute("SELECT clock FROM runs WHERE run_id = ?", (run_id,)).fetchone()
                marks = _marks(row[0] if row else None)[-(MOST_MARKS - 1) :]
                conn.execute(
                    "UPDATE runs SET clock = ? WHERE run_id = ?",
                    (json.dumps([*marks, [since, now]]), run_id),
                )
        return now

    def committed(self) -> None:
        """The write transaction went through: its marks are on record."""
        if self._stepped is not None:
            self.offset, self._stepped = self._stepped, None


def _marks(clock: Any) -> list[tuple[int, float]]:
    """``runs.clock`` as ``(since, offset)`` pairs in row order; [] for none, or for a
    value no flowtop wrote (its rows then read as written)."""
    if not isinstance(clock, str):
        return []
    try:
        marks = [(int(since), float(offset)) for since, offset in json.loads(clock)]
    except (ValueError, TypeError, RecursionError):
        return []
    return sorted(marks)


class ReaderClock:
    """A log reader's side: by how much to move the times of the rows it reads.

    A run's offsets are looked up once, when its first row is read, and again only for
    rows newer than that when its newest offset is not this machine's now (a step since:
    the writer records it with its next write). On a machine whose clock was not stepped
    a tail costs a query per run it sees, not one per read.
    """

    def __init__(self) -> None:
        me = Owner.current()
        self._host, self._boot = me.host, me.boot
        self._kept = False  # the store has ``runs.clock`` (looked up until it has)
        #: Each run's offsets on record, and the newest row they hold for (``events.id``).
        self._known: dict[str, tuple[list[tuple[int, float]], int]] = {}

    def shifts(self, conn: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> list[float]:
        """For each row ``(id, run_id, …)``, the seconds to add to its events' times; []
        when none is to move (most reads: no work per row)."""
        here = wall_ahead_of_boot()
        if here is None or not self._boot or not rows or not self._has_clock(conn):
            return []
        if len(self._known) > MOST_RUNS_KNOWN:
            self._known.clear()
        run_ids = {row[1] for row in rows}
        unseen = run_ids - self._known.keys()
        if unseen:
            self._look_up(conn, unseen)
        off = {run_id for run_id in run_ids if not _on(self._known[run_id][0], here)}
        if not off:
            return []
        newest = max(row[0] for row in rows)
        behind = {
            r for r in off if _stepped(self._known[r][0], here) and self._known[r][1] < newest
        }
        if behind:  # rows written after a step its writer has put on record since
            self._look_up(conn, behind)
        shifts = []
        for row in rows:
            marks = self._known[row[1]][0] if row[1] in off else None
            at = bisect_right(marks, row[0], key=_since) if marks else 0
            moved = here - marks[at - 1][1] if marks and at else 0.0
            shifts.append(moved if abs(moved) >= JUMP else 0.0)
        return shifts

    def _has_clock(self, conn: sqlite3.Connection) -> bool:
        if not self._kept:
            self._kept = any(row[1] == "clock" for row in conn.execute("PRAGMA table_info(runs)"))
        return self._kept

    def _look_up(self, conn: sqlite3.Connection, run_ids: set[str]) -> None:
        """Read the offsets on record of ``run_ids`` (none for a run written on another
        host or boot: its times read as written), with the newest row they hold for."""
        wanted = sorted(run_ids)
        for start in range(0, len(wanted), RUNS_PER_QUERY):
            chunk = wanted[start : start + RUNS_PER_QUERY]
            # read with the newest row id in one statement: a step put on record after it
            # is for later rows only
            rows = conn.execute(
                "SELECT run_id, clock, (SELECT coalesce(max(id), 0) FROM events) FROM runs "
                f"WHERE run_id IN ({', '.join('?' * len(chunk))}) AND clock IS NOT NULL "
                "AND host = ? AND boot_id = ?",
                (*chunk, self._host, self._boot),
            ).fetchall()
            found = {run_id: (_marks(clock), int(upto)) for run_id, clock, upto in rows}
            for run_id in chunk:
                self._known[run_id] = found.get(run_id, ([], 1 << 62))


def _on(marks: list[tuple[int, float]], here: float) -> bool:
    """Whether every offset of ``marks`` is this machine's now (``here``)."""
    return all(abs(here - offset) < JUMP for _, offset in marks)


def _stepped(marks: list[tuple[int, float]], here: float) -> bool:
    """Whether the newest offset of ``marks`` is not this machine's now: stepped since."""
    return bool(marks) and abs(here - marks[-1][1]) >= JUMP


def _since(mark: tuple[int, float]) -> int:
    return mark[0]


def decode_on_this_clock(
    conn: sqlite3.Connection,
    rows: list[tuple[Any, ...]],
    check: Check | None,
    clock: ReaderClock,
) -> list[LogEvent]:
    """The events of log rows ``(id, run_id, body, ts, duration)``, in order
    (``decode_rows``), their times on this process's wall clock (``ReaderClock``)."""
    shifts = clock.shifts(conn, rows)
    if not shifts:
        return decode_rows([row[1:] for row in rows], [row[0] for row in rows], check)
    events: list[LogEvent] = []
    start = 0
    for end in range(1, len(rows) + 1):
        if end < len(rows) and shifts[end] == shifts[start]:
            continue
        group = rows[start:end]
        decoded = decode_rows([row[1:] for row in group], [row[0] for row in group], check)
        by = shifts[start]
        events += [_moved(event, by) for event in decoded] if by else decoded
        start = end
    return events


def _moved(event: LogEvent, by: float) -> LogEvent:
    """``event`` with its time ``by`` seconds later. One without a time stays as it is,
    and so does a run's interruption: another process logs it (``reaper.interrupt``), its
    time the run's last sign of life, mostly a heartbeat on the owner's clock of then."""
    if isinstance(event, LogDamage | RunInterrupted) or not event.ts:
        return event
    return event._replace(ts=event.ts + by)
