"""Runs a reader was told had started whose end it cannot read from the store.

A run's end is a log row (``run_finished``, or the ``run_interrupted`` a reaper writes),
written in the transaction that records the run's final state. A damaged or deleted end
row leaves a reader with the run's start and no end: ``LogDamage`` says the row was
skipped, and no reaper ends the run for it (its row is not RUNNING). A monitor showed
such a run, and its running task, as Running for good. ``unread_ends`` finds those runs
once their process is gone and the reader has read every row the log holds for them, so
a live process whose rows are merely late keeps its run live. A run whose row is gone
from the runs table altogether (deleted, or damaged past reading) holds no owner to look
at, and no reaper ends it: it is ended once every row of its log was read, whether one
of them could not be read (its end, perhaps) or all were and none is its end, as ``flowtop
watch`` ends it. Each is dated as the reaper dates a run it ends, by its last sign of life
(here the newest time its log holds), not by when a reader looked: its end never reads
before its own events, whatever the reader's clock says.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from pathlib import Path

from ..engine.states import StateType
from .dead_run_dates import last_sign_of_life, newest_logged
from .history_records import HistoryError
from .reaper import gone_reason, numeric
from .run_log import (
    LogDamage,
    RunInterrupted,
    columns,
    connect_reader,
)

#: Run ids per query: SQLite before 3.32 allows 999 variables in one statement.
_CHUNK = 500

_ENDED_ROWS = (
    "SELECT run_id, state, owner, host, pid, boot_id, proc_start, "
    f"{numeric('heartbeat')}, {numeric('started')}, {numeric('finished')} "
    "FROM runs WHERE state != 'RUNNING' AND run_id IN ({marks})"
)


def unread_ends(
    path: Path,
    live: Mapping[str, tuple[str, int]],
    read_upto: int,
    damage: Mapping[str, LogDamage],
    now: Callable[[], float] = time.time,
) -> list[RunInterrupted]:
    """The runs of ``live`` (run id -> flow and number: handed on started, no end yet)
    that the store ``path`` records as ended, whose process is gone, and whose every log
    row lies at or before the id ``read_upto`` (read already): each as the interruption a
    reader shows for it, saying that its end could not be read and why (``damage``: the
    last row of the run that could not be read, if one was). A store that cannot be read
    finds none: its readers say why. ``now``: the clock that dates a run nothing in the
    store dates (``_last_sign_of_life``)."""
    if not live:
        return []
    try:
        with closing(connect_reader(path)) as conn:
            if not {"pid", "heartbeat"} <= columns(conn, "runs") or not columns(conn, "events"):
                return []  # a store older than the log and owners: no run was handed live
            return [
                RunInterrupted(run_id, why, ended, flow=live[run_id][0], run=live[run_id][1])
                for run_id, why, ended in _unreadable(conn, live, read_upto, damage, now)
            ]
    except (sqlite3.Error, HistoryError):
        return []


def _unreadable(
    conn: sqlite3.Connection,
    live: Mapping[str, tuple[str, int]],
    read_upto: int,
    damage: Mapping[str, LogDamage],
    now: Callable[[], float],
) -> Iterator[tuple[str, str, float]]:
    """Run id, why it is ended here, and when (as recorded, else its last sign of life),
    for each run of ``live`` whose end is recorded but was never read."""
    ids = list(live)
    for at in range(0, len(ids), _CHUNK):
        chunk = ids[at : at + _CHUNK]
        query = _ENDED_ROWS.format(marks=",".join("?" * len(chunk)))
        for row in conn.execute(query, chunk).fetchall():
            run_id, state, owner, host, pid, boot, start, beat, started, finished = row
            if _unread_rows(conn, run_id, read_upto):
                continue  # its end may be among rows not read yet
            gone = gone_reason(owner, host, pid, boot, start, beat, started)
            if gone is None:
                continue  # its process may still write it: rows merely late
            said = _why(state, damage.get(run_id))
            if finished is None:  # dated as the reaper dates a dead run it ends
                logged = newest_logged(conn, run_id)
                finished = last_sign_of_life((), started or 0.0, beat, logged)
            yield run_id, f"{said}, and {gone}", finished
        yield from _rowless(conn, chunk, read_upto, damage, now)


def _rowless(
    conn: sqlite3.Connection,
    ids: list[str],
    read_upto: int,
    damage: Mapping[str, LogDamage],
    now: Callable[[], float],
) -> Iterator[tuple[str, str, float]]:
    """Run id, why it is ended here, and when (``_last_sign_of_life``), for each run of
    ``ids`` whose row is gone from the runs table and whose every log row was read:
    nothing names an owner that could still write its end, nor lets a reaper end it.
    Why says which row of its log could not be read (``damage``: its end, perhaps), or
    that its log, read whole, holds no end."""
    marks = ",".join("?" * len(ids))
    rowed = {
        run_id
        for (run_id,) in conn.execute(f"SELECT run_id FROM runs WHERE run_id IN ({marks})", ids)
    }
    for run_id in ids:
        if run_id in rowed or _unread_rows(conn, run_id, read_upto):
            continue
        start = "its end could not be read from the run store (its row is gone from its runs table)"
        damaged = damage.get(run_id)
        said = _where(damaged) if damaged is not None else "its log holds no end for it"
        yield run_id, f"{start}: {said}", _last_sign_of_life(conn, run_id, now)


def _last_sign_of_life(conn: sqlite3.Connection, run_id: str, now: Callable[[], float]) -> float:
    """When a run with no row of the runs table ended: its newest logged time
    (``newest_logged``), as written: the reaper's times are its writer's too, and a
    reader's shift for a stepped clock leaves a run's end alone (``boot_clock._moved``).
    ``now()`` only for a run whose rows are all gone: nothing of it says a time."""
    logged = newest_logged(conn, run_id)
    return now() if logged is None else logged


def _unread_rows(conn: sqlite3.Connection, run_id: str, read_upto: int) -> bool:
    """Whether the log holds rows of ``run_id`` after the id ``read_upto``."""
    found = conn.execute(
        "SELECT 1 FROM events WHERE run_id = ? AND id > ? LIMIT 1", (run_id, read_upto)
    ).fetchone()
    return found is not None


def _why(state: object, damage: LogDamage | None) -> str:
    """Why a run's end could not be read: the row that could not be, or none at all."""
    recorded = state if state in _STATES else f"{str(state)[:40]!r} (not a state)"
    start = f"its end could not be read from the run store (recorded {recorded} there)"
    if damage is None:
        return f"{start}: its log holds no end for it"
    return f"{start}: {_where(damage)}"


def _where(damage: LogDamage) -> str:
    """Which row of a run's log could not be read, and why."""
    where = f"event {damage.row}" if damage.row else "an event"
    if damage.step:
        where += f" (step {damage.step} of that row)"
    return f"{where} of its log cannot be read ({damage.why})"


_STATES = {state.value for state in StateType}
