"""The store's event log: how events are written as rows, and how readers tail them.

Every flowtop process that shows runs (the TUI, ``flowtop watch``, a browser tab) is a
client of the store: it reads the log from an id onwards and folds the events into its
own view, exactly as it would fold the events of a run in its own process. So the log
keeps each event whole, as a compact JSON array of its fields, in the order the owner
emitted it (the steps of a run that one write took share a row); the id (``INTEGER
PRIMARY KEY AUTOINCREMENT``) only ever grows.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any, NamedTuple

from ..engine.events import ErrorInfo, Event, RunFinished, RunStarted, TaskOutput, TaskStateChanged
from ..engine.states import StateType
from .access import blocked
from .json_text import has_surrogate
from .load_error import display_path
from .store_links import refuse_linked_reader

#: An ``s`` step's fields after ``ts``, as a short body leaves them out.
_STEP_DEFAULTS = (None, "", None, None, None, "", 0, "")


class RunInterrupted(NamedTuple):
    """Not an engine event: a reader found the run's owner gone and ended the run for it.

    ``flow`` and ``run`` (its number) let a reader show a run whose process died before
    its start was logged (a run process that ended while importing its flow file); a
    log written before they were added leaves them empty.
    """

    run_id: str
    reason: str
    ts: float
    event: str = "run_interrupted"
    flow: str = ""
    run: int = 0

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "event": self.event,
            "run_id": self.run_id,
            "reason": self.reason,
            "ts": self.ts,
        }
        if self.flow:
            data["flow"], data["run"] = self.flow, self.run
        return data


class LogDamage(NamedTuple):
    """Not an event: a log row (or one step of a row of several) that no flowtop wrote as
    it reads, in its place (``decode_rows``): readers show the rest of the run and say
    what was left out, where one crafted or damaged row stopped them. ``row`` is its
    ``events.id`` (0: not selected), ``step`` its place among the row's steps (0: none)."""

    run_id: str
    row: int
    step: int
    why: str
    event: str = "log_damage"

    def said(self, run: str = "") -> str:
        """One line: which run (``run``: ``etl #3``; its id), where in the log, what is wrong."""
        where = f"event {self.row}" if self.row else "an event"
        if self.step:
            where += f" (step {self.step} of that row)"
        named = f"{run} ({self.run_id})" if run else self.run_id
        return f"run {named}: {where} of the run store's log cannot be read, skipped: {self.why}"


LogEvent = Event | RunInterrupted | LogDamage
#: What a reader can make of a log row it decodes: ``why`` it is not as flowtop writes it,
#: None when it is (``log_fold.unsound``).
Check = Callable[[LogEvent], str | None]
#: What a body no flowtop wrote raises on the way to its event.
UNREADABLE = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)


def encode(event: RunStarted | RunFinished | TaskOutput) -> str:
    """A run start or end, or a running attempt's output, as its log body."""
    if type(event) is TaskOutput:
        fields = ["task_output", event.run_id, event.flow, event.task, event.attempt, event.text]
        return json.dumps([*fields, event.ts], separators=(",", ":"))
    if type(event) is RunStarted:
        return json.dumps(
            [
                "run_started",
                event.run_id,
                event.flow,
                event.run,
                event.tasks,
                event.max_attempts,
                event.policies,
                event.rerun_of,
                event.ts,
                event.parent_run,
                event.parameters,
                event.name,
                event.starts_in,
                event.workers,
            ],
            separators=(",", ":"),
        )
    assert type(event) is RunFinished
    return json.dumps(
        [
            "run_finished",
            event.run_id,
            event.flow,
            event.run,
            event.state.value,
            event.counts,
            event.duration,
            event.ts,
            None if event.error is None else stored_error(event.error),
            event.output,
            event.retry_in,
            event.note,
        ],
        separators=(",", ":"),
    )


def stored_message(error: ErrorInfo) -> str | int:
    """An error's message as a log body keeps it: its length when the traceback ends with
    it (a Python traceback's last line is ``Type: message``), else the message itself.

    A failed attempt's message was stored twice, on its own and as the end of its
    traceback: a 2 KB message made each failed step 2 KB bigger (schema version 11).
    ``error_info`` takes the message back from the traceback's end, exactly.
    """
    message, traceback = error[1], error[2]
    end = len(traceback) - 1
    if message and end >= 0 and traceback[end] == "\n" and traceback.endswith(message, 0, end):
        # a length counted in code points a surrogate pair, escaped, does not keep
        return message if has_surrogate(message) else len(message)
    return message


def stored_error(error: ErrorInfo) -> list[Any]:
    """``[type, message, traceback]`` as a log body keeps it (``stored_message``)."""
    return [error[0], stored_message(error), error[2]]


def error_info(fields: list[Any]) -> ErrorInfo:
    """The error a log body's ``[type, message, traceback]`` holds: a message stored as
    its length (``stored_message``) is the traceback's end, before its last newline."""
    message = fields[1]
    if type(message) is int:
        traceback = fields[2]
        end = len(traceback) - 1
        return ErrorInfo(fields[0], traceback[end - message : end], traceback)
    return ErrorInfo(*fields)


def run_started_name(body: str | None) -> str:
    """The ``flow_run_name`` in a ``run_started`` body (see ``encode``); "" for any other
    body, or one logged before names were (``flowtop history`` reads it for each run)."""
    if not body or not body.startswith('["run_started"'):
        return ""
    fields = json.loads(body)
    name = fields[11] if len(fields) > 11 else ""
    return name if isinstance(name, str) else ""


def encode_interrupted(run_id: str, reason: str, ts: float, flow: str, number: int) -> str:
    return json.dumps(["run_interrupted", run_id, reason, ts, flow, number], separators=(",", ":"))


_STATES = {state.value: state for state in StateType}
_make_step = TaskStateChanged._make

#: A log row as readers select it: run id, body, and a step's ``ts`` and ``duration``
#: (``LOG_COLUMNS``), which a step keeps in columns of their own rather than in its body;
#: a row of several steps (``q``) keeps theirs packed there, as bytes.
LogRow = tuple[str, str, float | bytes | None, float | bytes | None]
LOG_COLUMNS = "run_id, body, ts, duration"


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """The columns ``table`` has in this file (none for a table it lacks): a store an
    older flowtop wrote and nobody could migrate (read-only) is read as it is."""
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def log_columns(conn: sqlite3.Connection) -> str:
    """``LOG_COLUMNS``, or what stands for them in a store older than schema version 5
    that nobody could migrate (a read-only one): its steps have their floats inside.
    "" for a store older than the log (version 1): there is nothing to read."""
    names = columns(conn, "events")
    if not names:
        return ""
    return LOG_COLUMNS if "duration" in names else "run_id, body, NULL, NULL"


def decode(
    body: str, run_id: str, ts: float | None = None, duration: float | None = None
) -> LogEvent:
    """The event a log row of ``run_id``'s holds (raises one of ``UNREADABLE`` on a body
    no flowtop wrote); ``ts`` and ``duration`` are the row's own columns."""
    return _from_fields(json.loads(body), run_id, ts, duration)


def decode_rows(
    rows: list[LogRow], ids: Sequence[int] = (), check: Check | None = None
) -> list[LogEvent]:
    """The events of log rows (``LogRow``), in order: what a tail reads many of.

    The bodies are parsed by one ``json.loads`` of them all, and a compact step becomes
    its event without a call per field: a TUI tailing 20,000 events a second spends its
    GIL on the keys, not on parsing.

    A row no flowtop wrote (not JSON, an unknown kind, a step missing fields) becomes a
    ``LogDamage`` naming its id (``ids``: the rows' ``events.id``). Rows are decoded one
    at a time only once the batch fails: a sound log costs no more. ``check``
    (``log_fold.unsound``) also looks at every field, for ``flowtop watch``: slower."""
    if not rows:
        return []
    if check is None:
        try:
            return _decoded(rows)
        except UNREADABLE:
            pass
    out: list[LogEvent] = []
    for n, row in enumerate(rows):
        out += _decoded_row(row, ids[n] if n < len(ids) else 0, check)
    return out


def _decoded(rows: list[LogRow]) -> list[LogEvent]:
    """``decode_rows`` of a sound log: raises on the first row that is not."""
    parsed = json.loads("[" + ",".join([row[1] for row in rows]) + "]")
    if len(parsed) != len(rows):  # a body of several values: decoded a row at a time
        raise ValueError("a log row holds more than one value")
    out: list[LogEvent] = []
    for (run_id, _, ts, took), fields in zip(rows, parsed, strict=True):
        if fields[0] != "q":
            out.append(_event(fields, run_id, ts, took))
            continue
        # consecutive steps of the run (schema version 8), their floats packed
        times, durations = _packed(ts, took)
        steps = zip(fields[1:], times, durations, strict=True)
        out += [_event(step, run_id, at, spent) for step, at, spent in steps]
    return out


def _packed(ts: Any, took: Any) -> tuple[array[float], array[float]]:
    """A ``q`` row's times and durations, packed in its ``ts`` and ``duration``."""
    if not (isinstance(ts, bytes) and isinstance(took, bytes)):
        raise ValueError("steps without their times")
    return array("d", ts), array("d", took)


def _decoded_row(row: LogRow, row_id: int, check: Check | None) -> list[LogEvent]:
    """One row's events, each part that cannot be read a ``LogDamage`` in its place."""
    run_id, body, ts, took = row
    try:
        fields = json.loads(body)
        if type(fields) is not list or not fields:
            raise ValueError(f"a {type(fields).__name__}, not a list of an event's fields")
        if fields[0] != "q":
            return [_checked(_event(fields, run_id, ts, took), run_id, row_id, 0, check)]
        times, durations = _packed(ts, took)
        if not len(times) == len(durations) == len(fields) - 1:
            raise ValueError(f"{len(fields) - 1} steps but {len(times)} times")
    except UNREADABLE as exc:
        return [LogDamage(run_id, row_id, 0, _why(exc, body))]
    out: list[LogEvent] = []
    for n, (step, at, spent) in enumerate(zip(fields[1:], times, durations, strict=True), 1):
        try:
            out.append(_checked(_event(step, run_id, at, spent), run_id, row_id, n, check))
        except UNREADABLE as exc:
            out.append(LogDamage(run_id, row_id, n, _why(exc, json.dumps(step))))
    return out


def _checked(event: LogEvent, run_id: str, row: int, step: int, check: Check | None) -> LogEvent:
    """``event``, or the ``LogDamage`` ``check`` finds in it: a field of the wrong type,
    or another run's event in this run's row."""
    if check is None:
        return event
    why = check(event)
    if why is None and event.run_id != run_id:
        why = f"an event of run {event.run_id!r} in a row of run {run_id!r}"
    return event if why is None else LogDamage(run_id, row, step, why)


def _why(exc: Exception, body: Any) -> str:
    """What was wrong with a log row, and its start (a body that is not text: its repr)."""
    body = body if isinstance(body, str) else repr(body)
    said = "not JSON" if isinstance(exc, json.JSONDecodeError) else str(exc) or type(exc).__name__
    if isinstance(exc, KeyError | IndexError):  # "0", "list index out of range"
        said = f"fields missing ({type(exc).__name__}: {exc})"
    return f"{said}: {body[:40] + ('…' if len(body) > 40 else '')!r}"


def _event(fields: list[Any], run_id: str, ts: Any, took: Any) -> LogEvent:
    """The event of one body's fields; a compact step without a call per field."""
    size = len(fields)
    if took != took:  # NaN: a packed step without a duration
        took = None
    if fields[0] == "p" and fields[3] in _STATES and (size == 6 or size == 10):
        if size == 6:  # every field at its default: a RUNNING step
            _, flow, task, state, attempt, limit = fields
            step = (run_id, flow, task, _STATES[state], attempt, limit, ts, None, "", None)
            return _make_step((*step, None, took, *_QUIET_END))
        _, flow, task, state, attempt, limit, retry_in, explained, error, result = fields
        if error is None:  # an attempt's end without output or message
            ended = (run_id, flow, task, _STATES[state], attempt, limit, ts, retry_in)
            return _make_step((*ended, explained or "", None, result, took, *_QUIET_END))
    return _from_fields(fields, run_id, ts, took)


#: A step's fields after ``duration`` while they hold their defaults, and its tag.
_QUIET_END = ("", False, "", "", (), "task_state")
#: A ``p`` step's fields after ``max_attempts``, as a short body leaves them out.
_P_DEFAULTS = (None, "", None, None, "", 0, "", "", ())


def _from_fields(
    fields: list[Any], run_id: str, ts: float | None, duration: float | None
) -> LogEvent:
    kind = fields[0]
    if kind == "p":  # a step without its floats (``history_fold.step_body``)
        head, tail = fields[1:6], [*fields[6:], *_P_DEFAULTS[len(fields) - 6 :]]
        retry_in, explained, error, result, output, reused, message, policy, upstream = tail
        fields = [
            "task_state",
            run_id,
            *head,
            ts,
            retry_in,
            explained,
            error,
            result,
            duration,
            output,
            reused,
            message,
            policy,
            upstream,
        ]
        kind = "task_state"
    if kind == "s":  # a compact step written before schema version 5, its floats inside
        fields = ["task_state", run_id, *fields[1:], *_STEP_DEFAULTS[len(fields) - 7 :]]
        kind = "task_state"
    if kind == "task_state":
        (
            run_id,
            flow,
            task,
            state,
            attempt,
            max_attempts,
            ts,
            retry_in,
            explained,
            error,
            result,
            duration,
            output,
            reused,
            message,
        ) = fields[1:16]
        # a @flow call's first step only
        policy = fields[16] if len(fields) > 16 else ""
        upstream = tuple(fields[17]) if len(fields) > 17 else ()
        return TaskStateChanged(
            run_id,
            flow,
            task,
            _STATES.get(state) or StateType(state),
            attempt,
            max_attempts,
            ts,
            retry_in,
            explained or "",
            error_info(error) if error else None,
            result,
            duration,
            output or "",
            bool(reused),
            message or "",
            policy or "",
            upstream,
        )
    if kind == "run_started":
        run_id, flow, number, tasks, limits, policies, rerun_of, ts = fields[1:9]
        parent_run = fields[9] if len(fields) > 9 else None  # logged before version 4: none
        parameters = fields[10] if len(fields) > 10 else None  # logged before version 6: none
        name = fields[11] if len(fields) > 11 else ""  # a @flow's flow_run_name; else none
        starts_in = fields[12] if len(fields) > 12 else None  # a @flow retry's wait, if any
        workers = fields[13] if len(fields) > 13 else 0  # logged before it was: unknown
        return RunStarted(
            run_id,
            flow,
            number,
            tuple(tasks),
            tuple(limits),
            tuple(policies),
            rerun_of,
            ts,
            parent_run=parent_run,
            parameters=parameters,
            name=name or "",
            starts_in=starts_in,
            workers=workers,
        )
    if kind == "run_finished":
        run_id, flow, number, state, counts, duration, ts = fields[1:8]
        error = fields[8] if len(fields) > 8 else None  # logged before version 3: none
        output = fields[9] if len(fields) > 9 else ""  # logged before version 7: none
        retry_in = fields[10] if len(fields) > 10 else None  # logged before: none
        note = fields[11] if len(fields) > 11 else ""  # logged before: none
        return RunFinished(
            run_id,
            flow,
            number,
            StateType(state),
            dict(counts),
            duration,
            ts,
            error=error_info(error) if error else None,
            output=output,
            retry_in=retry_in,
            note=note,
        )
    if kind == "task_output":
        return TaskOutput(*fields[1:7])
    if kind == "run_interrupted":
        run_id, reason, ts, *named = fields[1:]  # flow and number: not in older logs
        return RunInterrupted(run_id, reason, ts, "run_interrupted", *named)
    raise ValueError(f"unknown event kind {kind!r}")


def connect_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection: works on a read-only folder and never waits on writers.

    WAL readers share a memory file (``-shm``) that they create when it is missing; in a
    folder this process cannot write (a store shared read-only, a backup), that fails,
    so the file is then read as immutable: nobody can be writing what nobody may write.
    Never through a symbolic link (``store_links.LinkedStore``, an ``OperationalError``):
    one made the ``-wal`` and ``-shm`` beside the file it points at, as you."""
    refuse_linked_reader(path)  # here, not in each caller: one forgot is one read through
    conn = _reader(path, "mode=ro")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()
        conn = _reader(path, "immutable=1")
        _WITHOUT_WAL.setdefault(path, _why_immutable(path, exc))
    return conn


#: The stores this process read as immutable (``connect_reader``), and why: what their
#: live runs wrote since the last checkpoint is not seen, and ``flowtop history`` and
#: ``watch`` say so, rather than show it stale without a word.
_WITHOUT_WAL: dict[Path, str] = {}


def read_without_wal(path: Path) -> str | None:
    """One line, when this process read the store ``path`` without its write-ahead log
    and that log holds something (a store whose writers all closed is read whole)."""
    why = _WITHOUT_WAL.get(path)
    if why is None or not _wal_holds_events(path):
        return None
    return (
        f"warning: {display_path(path)} is read without its write-ahead log, so live runs "
        f"and the newest events may not show: {why}"
    )


def _wal_holds_events(path: Path) -> bool:
    try:
        return path.with_name(f"{path.name}-wal").stat().st_size > 0
    except FileNotFoundError:
        return False
    except OSError:  # cannot tell: say it
        return True


def _why_immutable(path: Path, exc: sqlite3.Error) -> str:
    shm = path.with_name(f"{path.name}-shm")
    return blocked(shm) or blocked(shm, write=True) or str(exc)


def _reader(path: Path, options: str) -> sqlite3.Connection:
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?{options}",
        uri=True,
        isolation_level=None,
        check_same_thread=False,  # a tail may be set up on one thread and read on another
    )
    conn.execute("PRAGMA busy_timeout = 1000")
    conn.execute("PRAGMA query_only = 1")
    return conn


class LogTail:
    """Reads the log from where it last stopped: a client's view of every run's events.

    ``start_at`` is the id to read after (0: from the very first event). Rows come in id
    order, at most ``limit`` per call (a row holds one event, or up to
    ``history_fold.STEPS_PER_ROW`` steps of a run), so a reader that falls behind catches
    up in bounded steps instead of one huge read.
    """

    def __init__(self, path: Path, start_at: int = 0, check: Check | None = None) -> None:
        self.path = path
        self.last = start_at
        #: Looks at each event's fields (``decode_rows``): for a reader that prints them all.
        self.check = check
        self._conn: sqlite3.Connection | None = None
        self._columns = LOG_COLUMNS

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = connect_reader(self.path)
            self._columns = log_columns(self._conn)
        return self._conn

    def read(
        self, limit: int = 64, run_id: str | None = None, upto: int | None = None
    ) -> list[LogEvent]:
        """The events logged since the last read (of ``run_id`` only, and up to the id
        ``upto``, when given)."""
        conn = self._connection()
        if self._columns != LOG_COLUMNS:  # an older store: migrated by a writer since?
            self._columns = log_columns(conn)
            if not self._columns:
                return []
        bound = (1 << 62) if upto is None else upto
        if run_id is None:
            rows = conn.execute(
                f"SELECT id, {self._columns} FROM events WHERE id > ? AND id <= ? "
                "ORDER BY id LIMIT ?",
                (self.last, bound, limit),
            ).fetchall()
        else:
            rows = conn.execute(
                f"SELECT id, {self._columns} FROM events WHERE run_id = ? AND id > ? AND id <= ? "
                "ORDER BY id LIMIT ?",
                (run_id, self.last, bound, limit),
            ).fetchall()
        if rows:
            self.last = rows[-1][0]
        return decode_rows([row[1:] for row in rows], [row[0] for row in rows], self.check)

    def outline(self, run_id: str, upto: int) -> list[LogEvent] | None:
        """A finished run's first and last events (its start and its end), up to the id
        ``upto``; None when it has not finished there (its every event matters then)."""
        conn = self._connection()
        if not self._columns:
            return None
        query = f"SELECT {self._columns} FROM events WHERE run_id = ? AND id <= ? ORDER BY id"
        ends = [
            conn.execute(f"{query}{order} LIMIT 1", (run_id, upto)).fetchone()
            for order in ("", " DESC")
        ]
        events = decode_rows([row for row in ends if row is not None], check=self.check)
        finished = events and isinstance(events[-1], RunFinished | RunInterrupted)
        return events if finished else None

    def end(self) -> int:
        """The id of the newest event now (to start tailing from "now")."""
        conn = self._connection()
        if not self._columns:
            return 0
        (last,) = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()
        return int(last)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def first_event_id(path: Path, run_id: str) -> int:
    """The id just before ``run_id``'s first event, to replay that run from its start."""
    with closing(connect_reader(path)) as conn:
        if not log_columns(conn):
            return 0
        (first,) = conn.execute(
            "SELECT coalesce(min(id), 0) FROM events WHERE run_id = ?", (run_id,)
        ).fetchone()
    return max(0, int(first) - 1)
