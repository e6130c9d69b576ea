"""How a batch of engine events becomes history rows: staged as they are, folded by SQLite.

The history's writer thread runs beside the engine's workers, and every Python step it
takes per event holds the GIL those workers need: folding 80,000 events a second in
Python cost a run of trivial tasks about a third of its speed. Here the only per-event
work that holds the GIL is binding each event's fields into a multi-row ``INSERT``
(done in C: each step's fields are laid end to end in one list, bound by a few
statements).
Folding them into ``task_runs`` and ``attempts`` is SQL, which SQLite executes with the
GIL released, on another core.

Every statement here runs inside the caller's transaction, temporary tables included,
so a failed write rolls back completely and the same events can be applied again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from ..engine.events import ErrorInfo, Event, RunFinished, RunStarted, TaskStateChanged
from . import run_log

#: Fields per ``TaskStateChanged``: the stride of the staged steps.
STEP_WIDTH = len(TaskStateChanged._fields)


class ResultRows(NamedTuple):
    """Completed tasks' stored results (``results.ResultKeeper``), written in the same
    transaction as the steps: ``INSERT OR REPLACE INTO results`` rows."""

    rows: list[tuple[Any, ...]]


#: What the history's writer applies: engine events and result rows.
StoreItem = Event | ResultRows


def _error_json(error: ErrorInfo) -> str:
    return json.dumps(error)


# An attempt's error is staged as one JSON column; the fold splits it into three.
sqlite3.register_adapter(ErrorInfo, _error_json)

#: The staged columns are the event's own fields, so the two cannot drift apart.
_FIELDS = TaskStateChanged._fields
_STAGE = f"INSERT INTO temp.staged({', '.join(_FIELDS)}) VALUES"
#: Events staged and folded at a time. The in-memory staging table keeps the pages of
#: its largest fill, so a backlog (a database locked for minutes) goes through in slices.
STAGE_AT_MOST = 20_000

_TEMP_SCHEMA = f"""
CREATE TEMP TABLE IF NOT EXISTS staged (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    {", ".join(_FIELDS)}
);
CREATE TEMP TABLE IF NOT EXISTS live_runs (run_id TEXT PRIMARY KEY, size INTEGER NOT NULL);
CREATE TEMP TABLE IF NOT EXISTS plan (
    run_id TEXT NOT NULL,
    task TEXT NOT NULL,
    position INTEGER NOT NULL,
    policy TEXT NOT NULL,
    PRIMARY KEY (run_id, task)
) WITHOUT ROWID;
"""

# Where an attempt ends: the task row takes its result, error and run time.
_ENDS = "('AWAITING_RETRY', 'COMPLETED', 'FAILED')"

# One row per event, in emit order; ON CONFLICT applies each event to the row the
# earlier ones left. A task not in the plan (a ``@flow`` reaching it) is placed after
# the planned ones in the order it first appeared (``seq`` only ever grows).
_FOLD_TASKS = f"""
INSERT INTO task_runs(run_id, task, position, state, attempts, max_attempts, policy, result,
                      reused, message, error_type, error_message, started, duration, updated)
SELECT s.run_id, s.task, coalesce(p.position, l.size + s.seq), s.state, s.attempt,
       s.max_attempts, coalesce(p.policy, ''),
       CASE WHEN s.state = 'COMPLETED'
              OR (s.state IN {_ENDS} AND s.result IS NOT NULL) THEN s.result END,
       s.reused AND s.state <> 'RUNNING',
       s.message,
       CASE WHEN s.state IN {_ENDS} AND NOT s.reused THEN json_extract(s.error, '$[0]') END,
       CASE WHEN s.state IN {_ENDS} AND NOT s.reused THEN json_extract(s.error, '$[1]') END,
       CASE WHEN s.state = 'RUNNING' THEN s.ts END,
       CASE WHEN s.state IN {_ENDS} AND NOT s.reused THEN s.duration END,
       s.ts
FROM temp.staged s
JOIN temp.live_runs l ON l.run_id = s.run_id
LEFT JOIN temp.plan p ON p.run_id = s.run_id AND p.task = s.task
WHERE s.event = 'task_state'
ORDER BY s.seq
ON CONFLICT (run_id, task) DO UPDATE SET
    state = excluded.state,
    attempts = excluded.attempts,
    max_attempts = excluded.max_attempts,
    message = excluded.message,
    updated = excluded.updated,
    started = coalesce(started, excluded.started),
    reused = max(reused, excluded.reused),
    result = CASE WHEN excluded.state = 'COMPLETED' OR excluded.result IS NOT NULL
                  THEN excluded.result ELSE result END,
    error_type = CASE WHEN excluded.state IN {_ENDS} AND NOT excluded.reused
                      THEN excluded.error_type ELSE error_type END,
    error_message = CASE WHEN excluded.state IN {_ENDS} AND NOT excluded.reused
                         THEN excluded.error_message ELSE error_message END,
    duration = CASE WHEN excluded.duration IS NOT NULL
                    THEN coalesce(duration, 0.0) + excluded.duration ELSE duration END
"""

# A RUNNING event opens an attempt row (afresh, should the number come again).
_OPEN_ATTEMPTS = """
INSERT OR REPLACE INTO attempts(run_id, task, number, state, started)
SELECT s.run_id, s.task, s.attempt, s.state, s.ts
FROM temp.staged s JOIN temp.live_runs l ON l.run_id = s.run_id
WHERE s.event = 'task_state' AND s.state = 'RUNNING'
"""

# An attempt's end fills in its row; a cancel marks it while it was running or waiting
# for its retry (a wait cut by a cancel is not "failed, retried").
# Events for an attempt with no row (nothing to end) change nothing: the WHERE keeps
# them out, so the INSERT part never adds a row and only the UPDATE part acts.
_CLOSE_ATTEMPTS = f"""
INSERT INTO attempts(run_id, task, number, state, duration, result, error_type,
                     error_message, traceback, output, retry_in, delay_explained)
SELECT s.run_id, s.task, s.attempt, s.state, s.duration, s.result,
       json_extract(s.error, '$[0]'), json_extract(s.error, '$[1]'),
       json_extract(s.error, '$[2]'), coalesce(s.output, ''), s.retry_in,
       coalesce(s.delay_explained, '')
FROM temp.staged s JOIN temp.live_runs l ON l.run_id = s.run_id
WHERE s.event = 'task_state'
  AND ((s.state IN {_ENDS} AND NOT s.reused) OR s.state = 'CANCELLED')
  AND EXISTS (SELECT 1 FROM attempts a
              WHERE a.run_id = s.run_id AND a.task = s.task AND a.number = s.attempt)
ORDER BY s.seq
ON CONFLICT (run_id, task, number) DO UPDATE SET
    state = CASE WHEN excluded.state <> 'CANCELLED' THEN excluded.state
                 WHEN state IN ('RUNNING', 'AWAITING_RETRY') THEN 'CANCELLED' ELSE state END,
    duration = coalesce(excluded.duration, duration),
    result = coalesce(excluded.result, result),
    error_type = coalesce(excluded.error_type, error_type),
    error_message = CASE WHEN excluded.error_type IS NOT NULL
                         THEN excluded.error_message ELSE error_message END,
    traceback = CASE WHEN excluded.error_type IS NOT NULL
                     THEN excluded.traceback ELSE traceback END,
    output = CASE WHEN excluded.output <> '' THEN excluded.output ELSE output END,
    retry_in = coalesce(excluded.retry_in, retry_in),
    delay_explained = CASE WHEN excluded.retry_in IS NOT NULL
                           THEN excluded.delay_explained ELSE delay_explained END
"""


# Every step of a live run, whole, to the event log (the row is built by SQLite).
_LOG_STEPS = f"""
INSERT INTO events(run_id, body)
SELECT s.run_id, {run_log.STEP_ROW_SQL}
FROM temp.staged s JOIN temp.live_runs l ON l.run_id = s.run_id
WHERE s.event = 'task_state'
ORDER BY s.seq
"""


def prepare(conn: sqlite3.Connection) -> None:
    """Create the connection's staging tables (temporary: they live and die with it)."""
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.executescript(_TEMP_SCHEMA)


def apply(
    conn: sqlite3.Connection, events: Iterable[StoreItem], owner: tuple[str, str, int, str, str]
) -> set[str]:
    """Fold ``events`` (in emit order) into the tables; return the runs they left live.

    ``owner`` is the writing process as the runs table records it (owner token, host,
    pid, boot id, process start). Every event also goes to the event log, in the order
    it is folded, for readers in other processes to tail.

    Run starts go first and run ends last: a run's own events always come between its
    start and its end, so this order gives the same rows as applying them one by one.
    """
    starts: list[RunStarted] = []
    finished: list[RunFinished] = []
    steps: list[Any] = []  # every step's fields, end to end
    results: list[tuple[Any, ...]] = []
    for item in events:
        kind = type(item)
        if kind is TaskStateChanged:
            steps += item
        elif kind is ResultRows:
            results += item.rows  # type: ignore[union-attr]
        elif kind is RunStarted:
            starts.append(item)  # type: ignore[arg-type]
        else:
            finished.append(item)  # type: ignore[arg-type]
    for event in starts:
        _start(conn, event, owner)
    _log = "INSERT INTO events(run_id, body) VALUES (?, ?)"
    conn.executemany(_log, [(e.run_id, run_log.encode(e)) for e in starts])
    slice_size = STAGE_AT_MOST * STEP_WIDTH
    for start in range(0, len(steps), slice_size):
        insert_values(conn, _STAGE, steps[start : start + slice_size], STEP_WIDTH)
        conn.execute(_FOLD_TASKS)
        conn.execute(_OPEN_ATTEMPTS)
        conn.execute(_CLOSE_ATTEMPTS)
        conn.execute(_LOG_STEPS)
        conn.execute("DELETE FROM temp.staged")
    # Multi-row, like the steps: executemany would hand the GIL back and forth per row.
    insert_values(conn, "INSERT OR REPLACE INTO results VALUES", [v for r in results for v in r], 6)
    if finished:
        conn.executemany(_log, [(e.run_id, run_log.encode(e)) for e in finished])
        conn.executemany(
            "UPDATE runs SET state = ?, finished = ?, duration = ?, counts = ?, error = ? "
            "WHERE run_id = ?",
            [
                (
                    e.state.value,
                    e.ts,
                    e.duration,
                    json.dumps(e.counts, sort_keys=True),
                    e.error,  # an ErrorInfo is stored as JSON (the adapter above), None as NULL
                    e.run_id,
                )
                for e in finished
            ],
        )
        ids = [(e.run_id,) for e in finished]
        conn.executemany("DELETE FROM temp.plan WHERE run_id = ?", ids)
        conn.executemany("DELETE FROM temp.live_runs WHERE run_id = ?", ids)
    return {run_id for (run_id,) in conn.execute("SELECT run_id FROM temp.live_runs")}


def _start(
    conn: sqlite3.Connection, event: RunStarted, owner: tuple[str, str, int, str, str]
) -> None:
    plan = json.dumps(list(zip(event.tasks, event.max_attempts, event.policies, strict=False)))
    # The run may be recorded already (numbered with its id before it started).
    conn.execute(
        "INSERT INTO runs(run_id, flow, number, state, started, rerun_of, tasks, plan, owner, "
        "host, pid, boot_id, proc_start, heartbeat, parent) "
        "VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (run_id) DO UPDATE SET started = excluded.started, "
        "rerun_of = excluded.rerun_of, tasks = excluded.tasks, plan = excluded.plan, "
        "parent = excluded.parent",
        (
            event.run_id,
            event.flow,
            event.run,
            event.ts,
            event.rerun_of,
            len(event.tasks),
            plan,
            *owner,
            event.ts,
            event.parent_run,
        ),
    )
    conn.execute(
        "INSERT OR REPLACE INTO temp.live_runs VALUES (?, ?)", (event.run_id, len(event.tasks))
    )
    conn.execute(
        "INSERT OR REPLACE INTO temp.plan "
        "SELECT ?, json_extract(value, '$[0]'), key, coalesce(json_extract(value, '$[2]'), '') "
        "FROM json_each(?)",
        (event.run_id, plan),
    )


def insert_values(conn: sqlite3.Connection, insert: str, values: Sequence[Any], width: int) -> None:
    """Run ``insert`` (``INSERT ... VALUES``) for rows of ``width`` values laid end to end.

    One statement step per chunk, not per row: each step releases the GIL, and a
    release per row hands it back and forth with the engine's workers thousands of times.
    A remainder goes in power-of-two chunks, so only a few distinct statements exist:
    sqlite3 caches 128 prepared statements per connection, and one per remainder length
    (up to 500 rows each) held tens of MB that grew with every run.
    """
    rows = len(values) // width
    per = max(1, min(500, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    one = "(" + ", ".join("?" * width) + ")"
    full = f"{insert} " + ", ".join([one] * per)
    start = 0
    while start < rows:
        left = rows - start
        size = per if left >= per else 1 << (left.bit_length() - 1)
        params = values[start * width : (start + size) * width]
        start += size
        sql = full if size == per else f"{insert} " + ", ".join([one] * size)
        try:
            conn.execute(sql, params)
        except UnicodeEncodeError:
            # A lone surrogate in task output: store it replaced rather than lose the batch.
            conn.execute(sql, [_encodable(p) for p in params])


def _encodable(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, ErrorInfo):
        return _error_json(ErrorInfo(*(_encodable(part) for part in value)))
    return value
