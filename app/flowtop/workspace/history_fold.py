"""How a batch of engine events is written to the store: once, to the event log.

The history's writer thread runs beside the engine's workers, and every Python step it
takes per event holds the GIL those workers need. So each event is written exactly once,
to the log: a step's body is built here with a few C-level string operations (no
``json.dumps`` call per event, no float turned into text), and the consecutive steps of
a run that one write takes go in as one row (``batch_row``), their floats packed.
Nothing folds the steps into per-task rows while the run goes on (the module's name is
from when it did): a reader that wants a run's tasks and attempts folds its log
(``log_fold``). A run's start and end also go to the ``runs`` row, which ``flowtop
history`` lists.

Every statement here runs inside the caller's transaction, so a failed write rolls back
completely and the same events can be applied again.
"""

from __future__ import annotations

import json
import math
import sqlite3
from array import array
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from ..engine.events import ErrorInfo, Event, RunFinished, RunStarted, TaskOutput, TaskStateChanged
from ..engine.states import StateType
from . import run_log
from .boot_clock import WriterClock, first_mark
from .history_records import stored_counts
from .json_text import storable_json


class ResultRows(NamedTuple):
    """Completed tasks' stored results (``results.ResultKeeper``), written in the same
    transaction as the steps: ``INSERT OR REPLACE INTO results`` rows."""

    rows: list[tuple[Any, ...]]


class ResultBatch(NamedTuple):
    """Completed tasks' results of one run in one row (``results.ResultKeeper``):
    an ``INSERT INTO result_batches`` row, in the same transaction as the steps."""

    run_id: str
    tasks: str  # the task keys inside, a JSON list
    data: bytearray


#: What the history's writer applies: engine events and stored results.
StoreItem = Event | ResultRows | ResultBatch


def events_in(items: list[StoreItem]) -> int:
    """Engine events among ``items`` (not the stored results that ride along)."""
    kinds = list(map(type, items))
    return len(items) - kinds.count(ResultRows) - kinds.count(ResultBatch)


def _error_json(error: ErrorInfo) -> str:
    return json.dumps(error)


# A @flow function's error is stored as one JSON column (``runs.error``).
sqlite3.register_adapter(ErrorInfo, _error_json)

#: Most steps in one log row, so a reader's read (``LogTail.read``, some rows at a time)
#: stays bounded, and a backlog (a database locked for minutes) goes in as many rows.
STEPS_PER_ROW = 4096

_NAMES = {state: f'"{state.value}"' for state in StateType}
#: A step's fields after ``max_attempts`` but its duration (retry_in, delay_explained,
#: error, result) and the last five (output, reused, message, policy, upstream), at their
#: defaults.
_QUIET_MID = (None, "", None, None)
_QUIET_END = ("", False, "", "", ())
#: A missing duration among a row's packed floats (``run_log`` reads it back as None).
_NO_DURATION = math.nan


def _number(value: float | None) -> str:
    """A float as JSON, exactly (repr reads back as the same float); null for None and
    for what JSON cannot hold."""
    if value is None or not math.isfinite(value):
        return "null"
    return repr(float(value))


def _error(error: ErrorInfo | None) -> str:
    """A step's error, its message kept once (``run_log.stored_message``)."""
    if error is None:
        return "null"
    message = run_log.stored_message(error)
    kept = encode_basestring(message) if isinstance(message, str) else str(message)
    return f"[{encode_basestring(error[0])},{kept},{encode_basestring(error[2])}]"


def step_body(e: TaskStateChanged) -> str:
    """A step's log body: ``["p", flow, task, state, attempt, max_attempts, …]``.

    Its ``ts`` and ``duration`` go in the row's own columns, packed (``batch_row``):
    exact, eight bytes each, where turning a float into text (``repr``) was the costliest
    part of encoding a step. The body is compact, since steps are
    most of the log: tagged ``p``, without the run id (the row has it), and its trailing
    fields left out while they hold their defaults (a RUNNING step stops at
    ``max_attempts``; only a ``@flow`` call's first step has a ``policy`` and
    ``upstream``, the last two). ``run_log.decode`` fills them back in.
    """
    head = f'["p",{encode_basestring(e[1])},{encode_basestring(e[2])},{_NAMES[e[3]]},{e[4]},{e[5]}'
    mid = e[7:11]
    end = e[12:17]
    if end == _QUIET_END:
        if mid == _QUIET_MID:
            return head + "]"
        tail = "]"
    else:
        output, reused, message, policy, upstream = end
        announced = ""
        if policy or upstream:
            announced = f",{encode_basestring(policy)}"
            if upstream:
                announced += f",[{','.join(map(encode_basestring, upstream))}]"
        tail = (
            f",{encode_basestring(output or '')},{1 if reused else 0},"
            f"{encode_basestring(message or '')}{announced}]"
        )
    retry_in, explained, error, result = mid
    return (
        f"{head},{_number(retry_in)},{encode_basestring(explained or '')},{_error(error)},"
        f"{'null' if result is None else encode_basestring(result)}{tail}"
    )


def batch_row(steps: list[TaskStateChanged]) -> tuple[str, str, bytes, bytes]:
    """The log row of ``steps``, consecutive steps of one run: run id, the body
    ``["q", step, step, …]`` (each a ``step_body``), and their times and durations packed
    as 8-byte floats (NaN for none) in the row's ``ts`` and ``duration`` columns.

    One row per run per write, not one per step: inserting a row, and its entry in the
    ``events_run`` index, cost a 50,000-task run process about a tenth of its time on the
    GIL its engine needs. The bodies are joined and the floats packed in C, with no
    float turned into text.
    """
    body = '["q",' + ",".join([step_body(e) for e in steps]) + "]"
    times = array("d", [e[6] for e in steps])
    durations = array("d", [_NO_DURATION if e[11] is None else e[11] for e in steps])
    return steps[0][0], body, times.tobytes(), durations.tobytes()


_LOG = "INSERT INTO events(run_id, body, ts, duration) VALUES (?, ?, ?, ?)"


def _log(conn: sqlite3.Connection, steps: list[TaskStateChanged]) -> None:
    """Log ``steps`` as one row (``batch_row``).

    A lone surrogate (what ``print("\\udcff")`` wrote, a traceback's ``File
    "caf\\udce9.py"`` of a flow file whose name is not UTF-8) stands raw in the body,
    and SQLite, UTF-8 only, refuses it. The body is JSON, where a surrogate can only stand
    inside a string, so it goes in with each one as its JSON escape
    (``json_text.storable_json``): a reader's ``json.loads`` gives back the very string
    the task wrote (the store kept ``?`` before; such older rows read as they were
    written). Escaped only when refused: the escaping scans the whole body.
    """
    run_id, body, times, durations = batch_row(steps)
    try:
        conn.execute(_LOG, (run_id, body, times, durations))
    except UnicodeEncodeError:
        conn.execute(_LOG, (run_id, storable_json(body), times, durations))


def apply(
    conn: sqlite3.Connection,
    events: Iterable[StoreItem],
    owner: tuple[str, str, int, str, str],
    live: dict[str, int],
    clock: WriterClock | None = None,
) -> dict[str, int]:
    """Write ``events`` (in emit order); return the runs they leave live.

    ``live`` is the runs live before them (started by this writer, not finished), each
    with how many of its tasks were reused so far, left unchanged: the caller keeps the
    result once the transaction commits. A finished run's counts hold that number as
    ``reused`` (read back as ``RunRecord.reused``): its tasks live in the log only. ``owner`` is
    the writing process as the runs table records it (owner token, host, pid, boot id,
    process start). Every event of a live run goes to the event log, in emit order, for
    readers to tail and fold; a step of a run this writer never started is dropped.
    ``clock``: where this writer's wall clock stands against the boot clock, put on
    record for the runs (``boot_clock``; the caller says when it is ``committed``).
    """
    offset = None if clock is None else clock.mark(conn, live)
    live = dict(live)
    steps: list[Any] = []  # consecutive steps of one run: one log row (``batch_row``)
    results: list[Any] = []
    batches: list[ResultBatch] = []
    finished: list[tuple[RunFinished, int]] = []  # and how many of its tasks were reused
    for item in events:
        kind = type(item)
        if kind is TaskStateChanged:
            if item[0] in live:
                if steps and (steps[0][0] != item[0] or len(steps) >= STEPS_PER_ROW):
                    _log(conn, steps)
                    steps = []
                steps.append(item)
                if item.reused:  # type: ignore[union-attr]  # a TaskStateChanged: mypy narrows no ``kind``
                    live[item[0]] += 1
        elif kind is ResultBatch:
            batches.append(item)  # type: ignore[arg-type]  # a ResultBatch, by ``kind`` (as above)
        elif isinstance(item, ResultRows):
            for row in item.rows:
                results += row
        else:
            # A run's start or end, or a running attempt's output (twice a second at
            # most): rare, so written on its own row, after the steps before it.
            if steps:
                _log(conn, steps)
                steps = []
            if isinstance(item, RunStarted):
                _start(conn, item, owner, first_mark(offset))
                live[item.run_id] = 0
            elif isinstance(item, TaskOutput):
                if item.run_id not in live:
                    continue  # as a step: of a run this writer never started
            else:
                assert isinstance(item, RunFinished)
                reused = live.pop(item.run_id, 0)
                if _ended(conn, item.run_id):
                    continue  # marked INTERRUPTED meanwhile: its first end stands (``reaper``)
                finished.append((item, reused))
            conn.execute(
                "INSERT INTO events(run_id, body) VALUES (?, ?)",
                (item.run_id, run_log.encode(item)),
            )
    if steps:
        _log(conn, steps)
    # Multi-row: executemany would hand the GIL back and forth per row.
    insert_values(conn, "INSERT OR REPLACE INTO results VALUES", results, 6)
    if batches:
        conn.executemany(
            "INSERT INTO result_batches(run_id, tasks, data) VALUES (?, ?, ?)", batches
        )
    if finished:
        conn.executemany(
            "UPDATE runs SET state = ?, finished = ?, duration = ?, counts = ?, error = ? "
            "WHERE run_id = ? AND state = 'RUNNING'",
            [
                (
                    e.state.value,
                    e.ts,
                    e.duration,
                    stored_counts(e.counts, reused),
                    e.error,  # an ErrorInfo is stored as JSON (the adapter above), None as NULL
                    e.run_id,
                )
                for e, reused in finished
            ],
        )
        noted = [(e.note, e.run_id) for e, _ in finished if e.note]
        if noted:  # after any note made while it ran ("; " between them)
            conn.executemany(
                "UPDATE runs SET note = COALESCE(NULLIF(note, '') || '; ', '') || ? "
                "WHERE run_id = ?",
                noted,
            )
    return live


def _ended(conn: sqlite3.Connection, run_id: str) -> bool:
    """Whether ``run_id``'s row has an end already: another process marked it INTERRUPTED
    while its owner sent no heartbeats (stopped, or cut off), and may have rerun it. The
    owner's own end, when it goes on, is neither logged nor written over that one."""
    row = conn.execute("SELECT state FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    return row is not None and row[0] != StateType.RUNNING.value


def _start(
    conn: sqlite3.Connection,
    event: RunStarted,
    owner: tuple[str, str, int, str, str],
    clock: str | None,
) -> None:
    """The run's row. Its plan (tasks, attempt limits, policies) is in its log event only:
    readers fold it from there, and a 50,000-task plan encoded twice cost the writer
    tens of milliseconds of GIL. ``clock``: its first ``runs.clock`` (``boot_clock``).

    The run may be recorded already, numbered with its id before it started: a launched
    run as it was launched, before its process imported the flow file. Its ``started``
    stays that time, when the user started it (``r``, ``--detach``): it read as when
    the import ended, seconds later. Its duration counts from this event, its body's
    start, as ever (``RunFinished.duration``; ``reaper.interrupt``)."""
    conn.execute(
        "INSERT INTO runs(run_id, flow, number, state, started, rerun_of, tasks, owner, "
        "host, pid, boot_id, proc_start, heartbeat, parent, parameters, clock) "
        "VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (run_id) DO UPDATE SET "
        "rerun_of = excluded.rerun_of, tasks = excluded.tasks, parent = excluded.parent, "
        "parameters = excluded.parameters, clock = excluded.clock",
        (
            event.run_id,
            event.flow,
            event.run,
            event.ts,
            event.rerun_of,
            len(event.tasks),
            *owner,
            event.ts,
            event.parent_run,
            None if event.parameters is None else storable_json(event.parameters),
            clock,
        ),
    )


def insert_values(
    conn: sqlite3.Connection, insert: str, values: Sequence[Any], width: int, row: str = ""
) -> None:
    """Run ``insert`` (``INSERT ... VALUES``) for rows of ``width`` values laid end to end.

    ``row`` is one row's ``VALUES`` term (``width`` parameters); by default the values as
    they are, ``(?, ?, …)``.

    One statement step per chunk, not per row: each step releases the GIL, and a
    release per row hands it back and forth with the engine's workers thousands of times.
    A remainder goes in power-of-two chunks, so only a few distinct statements exist:
    sqlite3 caches 128 prepared statements per connection, and one per remainder length
    (up to 500 rows each) held tens of MB that grew with every run.
    """
    rows = len(values) // width
    per = max(1, min(500, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    one = row or "(" + ", ".join("?" * width) + ")"
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
