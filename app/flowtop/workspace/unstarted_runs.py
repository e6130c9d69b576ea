"""What a run whose process is gone had done, when no task of it was recorded as started.

The reaper's note for such a run said "ended before any task was recorded as started":
true of a run that died importing its flow file, but a rerun whose tasks were all reused
starts none either (it has nothing left to run), and its process killed before its end
was recorded read the same, as if the run had done nothing. The note says what the log
holds: tasks completed from reused results, all of them or some, or nothing at all.
"""

from __future__ import annotations

import sqlite3

from ..engine.events import RunStarted, TaskStateChanged
from ..engine.states import StateType
from .run_log import decode_rows, log_columns

_RUNNING = StateType.RUNNING
#: The note's start for a run that did nothing: no task started, none reused.
NOTHING_STARTED = "ended before any task was recorded as started"


def before_any_start(conn: sqlite3.Connection, run_id: str) -> str | None:
    """What the store says ``run_id`` did, as the start of its note, when it holds no
    attempt of it that started (a RUNNING step); None when it holds one (its tasks show
    the rest). "Recorded": a run's events reach the store from a thread of their own, so
    a process killed in its first milliseconds may have started one its record never
    showed. Its log is read in order until a start is found: a run that ran tasks costs
    a row or two."""
    if conn.execute("SELECT 1 FROM attempts WHERE run_id = ? LIMIT 1", (run_id,)).fetchone():
        return None  # recorded before schema version 5, with its attempts as rows
    names = log_columns(conn)
    if not names:  # a store older than the log: nothing was recorded of it
        return reused_said(0, 0)
    planned = 0
    reused: set[str] = set()
    rows = conn.execute(f"SELECT {names} FROM events WHERE run_id = ? ORDER BY id", (run_id,))
    while batch := rows.fetchmany(64):
        for event in decode_rows(batch):
            if type(event) is TaskStateChanged:
                if event.state is _RUNNING:
                    return None
                if event.reused:
                    reused.add(event.task)
            elif type(event) is RunStarted:
                planned = len(event.tasks)
    return reused_said(len(reused), planned)


def reused_said(reused: int, planned: int) -> str:
    """What a run that started no task did: reused the results of ``reused`` tasks, of
    the ``planned`` its start named (0: a ``@flow`` run, whose tasks come as they are
    called, so more may have been to come), or nothing."""
    if not reused:
        return NOTHING_STARTED
    if planned and reused >= planned:
        tasks = "its task" if planned == 1 else f"all {planned} of its tasks"
        results = "a reused result" if planned == 1 else "reused results"
        return (
            f"{tasks} completed from {results} (none was left to run), "
            "but the run's end was not recorded"
        )
    results = "1 task's result" if reused == 1 else f"{reused:,} tasks' results"
    return f"ended after reusing {results}, before any other task was recorded as started"


def logged_start(conn: sqlite3.Connection, run_id: str) -> RunStarted | None:
    """The ``run_started`` event that opens ``run_id``'s log (a run logs it first), None
    when it logged none: its process died importing its flow file, or as its run began,
    before its first steps reached the store. Such a run's tasks are not known (TASKS
    ``-`` in ``history``, not ``0 tasks``) and its body never began (its duration 0)."""
    names = log_columns(conn)
    if not names:  # a store older than the log
        return None
    rows = conn.execute(
        f"SELECT {names} FROM events WHERE run_id = ? ORDER BY id LIMIT 1", (run_id,)
    ).fetchall()
    first = decode_rows(rows)
    return first[0] if first and type(first[0]) is RunStarted else None
