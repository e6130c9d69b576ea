"""How the store's log rows become events again, whichever flowtop version wrote them.

``run_log`` writes rows and tails them; reading one back is a question of its own, with
a history: a body is a JSON array tagged by its kind, and each kind has had shapes
that older stores still hold (a compact step ``p`` without its floats, an ``s`` step
from before schema version 5 with them inside, runs' starts and ends that later
versions gave more fields). One decoder per kind (``_DECODERS``) fills in what its
older shapes leave out and builds the event by field name, so a field moved in an
event's class cannot shift the others. It runs for every stored event a reader loads
(a monitor opening a 100,000-task run decodes them all), so the common steps also have
a fast path (``_event``) that builds them without a call per field.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from ..engine.events import (
    ErrorInfo,
    Event,
    RunFinished,
    RunStarted,
    TaskOutput,
    TaskStateChanged,
    replayed_step,
    task_step,
)
from ..engine.states import StateType
from .end_marks import RUN_ENDS


class RunInterrupted(NamedTuple):
    """Not an engine event: a reader found the run's owner gone and ended the run for it.

    ``flow`` and ``run`` (its number) let a reader show a run whose process died before
    its start was logged (a run process that ended while importing its flow file); a
    log written before they were added leaves them empty. ``ended``: the state the run
    ended in (one of ``end_marks.RUN_ENDS``) when its process ended it but the store
    missed that end (a full disk, ``end_marks``): the run reads so, its unfinished tasks
    interrupted; "" for a run whose process died (INTERRUPTED).
    """

    run_id: str
    reason: str
    ts: float
    event: str = "run_interrupted"
    flow: str = ""
    run: int = 0
    ended: str = ""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "event": self.event,
            "run_id": self.run_id,
            "reason": self.reason,
            "ts": self.ts,
        }
        if self.flow:
            data["flow"], data["run"] = self.flow, self.run
        if self.ended:
            data["ended"] = self.ended
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

#: A log row as readers select it: run id, body, and a step's ``ts`` and ``duration``
#: (``run_log.LOG_COLUMNS``), which a step keeps in columns of their own rather than in
#: its body; a row of several steps (``q``) keeps theirs packed there, as bytes.
LogRow = tuple[str, str, float | bytes | None, float | bytes | None]

_STATES = {state.value: state for state in StateType}


def error_info(fields: list[Any]) -> ErrorInfo:
    """The error a log body's ``[type, message, traceback]`` holds: a message stored as
    its length (``run_log.stored_message``) is the traceback's end, before its last
    newline."""
    message = fields[1]
    if type(message) is int:
        traceback = fields[2]
        end = len(traceback) - 1
        return ErrorInfo(fields[0], traceback[end - message : end], traceback)
    return ErrorInfo(*fields)


def run_started_name(body: str | None) -> str:
    """The ``flow_run_name`` in a ``run_started`` body (see ``run_log.encode``); "" for
    any other body, or one logged before names were (``flowtop history`` reads it for
    each run)."""
    if not body or not body.startswith('["run_started"'):
        return ""
    fields = json.loads(body)
    name = fields[11] if len(fields) > 11 else ""
    return name if isinstance(name, str) else ""


def decode(
    body: str, run_id: str, ts: float | None = None, duration: float | None = None
) -> LogEvent:
    """The event a log row of ``run_id``'s holds (raises one of ``UNREADABLE`` on a body
    no flowtop wrote); ``ts`` and ``duration`` are the row's own columns."""
    return _event(json.loads(body), run_id, ts, duration)


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


#: Bodies are parsed together (one ``json.loads`` for many rows) up to this many characters
#: at a time; a longer body is parsed alone (``_parsed``).
JOINED_UP_TO = 256 * 1024


def _parsed(bodies: list[str]) -> list[Any]:
    """Each body's JSON value, in order: short bodies joined into one array per
    ``JOINED_UP_TO`` characters, so a log of small rows costs one call per batch, not per
    row. A big body (a task's printed output) is parsed alone: joined, one non-ASCII
    character anywhere widened the whole text to 2 or 4 bytes a character, and its copies
    cost a monitor opening a run with 38 MB of output 0.5-0.8 s more than its parse.
    Raises ``ValueError`` when a body holds more than one value."""
    parsed: list[Any] = []
    group: list[str] = []
    size = 0
    for body in bodies:
        if group and size + len(body) > JOINED_UP_TO:
            parsed += _parsed_together(group)
            group, size = [], 0
        group.append(body)
        size += len(body)
    return parsed + _parsed_together(group) if group else parsed


def _parsed_together(bodies: list[str]) -> list[Any]:
    """The values of ``bodies``, by one ``json.loads`` (a lone body without a copy)."""
    if len(bodies) == 1:
        return [json.loads(bodies[0])]  # (a body of several values fails to parse)
    values: list[Any] = json.loads(f"[{','.join(bodies)}]")
    if len(values) != len(bodies):  # a body of several values: decoded a row at a time
        raise ValueError("a log row holds more than one value")
    return values


def _decoded(rows: list[LogRow]) -> list[LogEvent]:
    """``decode_rows`` of a sound log: raises on the first row that is not."""
    parsed = _parsed([row[1] for row in rows])
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


# The fast path (``_event``) builds the commonest steps as plain tuples in
# ``TaskStateChanged``'s field order (``task_step``, as the engine does): a keyword call
# per step would cost a reader of a big run a noticeable share of its load.
# tests/store/test_log_decode_s46.py reads every field of such steps by name, so a field
# moved in the class fails there. Every other step is made by ``replayed_step``.
#: A step's fields after ``duration`` while they hold their defaults, and its tag.
_QUIET_END = ("", False, "", "", (), "task_state")


#: Decodes one kind of body: its fields (the kind first), the row's run id, and the
#: row's own ``ts`` and ``duration`` columns (a step's floats, since schema version 5).
Decoder = Callable[[list[Any], str, Any, Any], LogEvent]


def _event(fields: list[Any], run_id: str, ts: Any, took: Any) -> LogEvent:
    """The event of one body's fields, by the decoder of its kind (``_DECODERS``); the
    commonest steps without a call per field."""
    size = len(fields)
    if took != took:  # NaN: a packed step without a duration
        took = None
    kind = fields[0]
    if kind == "p" and fields[3] in _STATES and (size == 6 or size == 10):
        if size == 6:  # every field at its default: a RUNNING step
            _, flow, task, state, attempt, limit = fields
            step = (run_id, flow, task, _STATES[state], attempt, limit, ts, None, "", None)
            return task_step((*step, None, took, *_QUIET_END))
        _, flow, task, state, attempt, limit, retry_in, explained, error, result = fields
        if error is None:  # an attempt's end without output or message
            ended = (run_id, flow, task, _STATES[state], attempt, limit, ts, retry_in)
            return task_step((*ended, explained or "", None, result, took, *_QUIET_END))
    decoder = _DECODERS.get(kind) if type(kind) is str else None
    if decoder is None:
        raise ValueError(f"unknown event kind {kind!r}")
    return decoder(fields, run_id, ts, took)


#: A ``p`` step's fields after ``max_attempts``, as a short body leaves them out.
_P_DEFAULTS = (None, "", None, None, "", 0, "", "", ())


def _compact_step(fields: list[Any], run_id: str, ts: Any, duration: Any) -> TaskStateChanged:
    """A step as ``history_fold.step_body`` writes it: tagged ``p``, without the run id
    and its floats (the row's), its trailing fields left out while at their defaults.
    The values a body may leave null or write as numbers made what the engine emits."""
    _, flow, task, state, attempt, max_attempts = fields[:6]
    tail = (*fields[6:], *_P_DEFAULTS[len(fields) - 6 :])
    retry_in, explained, error, result, output, reused, message, policy, upstream = tail
    return replayed_step(
        run_id=run_id,
        flow=flow,
        task=task,
        state=_STATES.get(state) or StateType(state),
        attempt=attempt,
        max_attempts=max_attempts,
        ts=ts,
        retry_in=retry_in,
        delay_explained=explained or "",
        error=error_info(error) if error else None,
        result=result,
        duration=duration,
        output=output or "",
        reused=bool(reused),
        message=message or "",
        policy=policy or "",
        upstream=tuple(upstream),
    )


def _task_state(fields: list[Any], run_id: str, ts: Any, duration: Any) -> TaskStateChanged:
    """A step in full, as logged before compact steps: its run id and floats inside
    (the row's columns unused). Read as the compact step it would be now."""
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
    announced = fields[16:18]  # policy and upstream: a @flow call's first step only
    compact = [
        "p",
        flow,
        task,
        state,
        attempt,
        max_attempts,
        retry_in,
        explained,
        error,
        result,
        output,
        reused,
        message,
        *announced,
    ]
    return _compact_step(compact, run_id, ts, duration)


#: An ``s`` step's fields after ``ts``, as a short body leaves them out.
_S_DEFAULTS = (None, "", None, None, None, "", 0, "")


def _old_step(fields: list[Any], run_id: str, ts: Any, duration: Any) -> TaskStateChanged:
    """A compact step written before schema version 5: its floats inside, its trailing
    fields left out while at their defaults; read as the ``task_state`` it stands for."""
    full = ["task_state", run_id, *fields[1:], *_S_DEFAULTS[len(fields) - 7 :]]
    return _task_state(full, run_id, ts, duration)


def _run_started(fields: list[Any], run_id: str, ts: Any, duration: Any) -> RunStarted:
    """A run's start; what later versions added is absent from older logs."""
    run_id, flow, number, tasks, limits, policies, rerun_of, ts = fields[1:9]
    return RunStarted(
        run_id=run_id,
        flow=flow,
        run=number,
        tasks=tuple(tasks),
        max_attempts=tuple(limits),
        policies=tuple(policies),
        rerun_of=rerun_of,
        ts=ts,
        parent_run=fields[9] if len(fields) > 9 else None,  # logged before version 4: none
        parameters=fields[10] if len(fields) > 10 else None,  # before version 6: none
        name=(fields[11] if len(fields) > 11 else "") or "",  # a @flow's flow_run_name
        starts_in=fields[12] if len(fields) > 12 else None,  # a @flow retry's wait, if any
        workers=fields[13] if len(fields) > 13 else 0,  # logged before it was: unknown
    )


def _run_finished(fields: list[Any], run_id: str, ts: Any, duration: Any) -> RunFinished:
    """A run's end; what later versions added is absent from older logs."""
    run_id, flow, number, state, counts, duration, ts = fields[1:8]
    error = fields[8] if len(fields) > 8 else None  # logged before version 3: none
    return RunFinished(
        run_id=run_id,
        flow=flow,
        run=number,
        state=StateType(state),
        counts=dict(counts),
        duration=duration,
        ts=ts,
        error=error_info(error) if error else None,
        output=fields[9] if len(fields) > 9 else "",  # logged before version 7: none
        retry_in=fields[10] if len(fields) > 10 else None,  # logged before: none
        note=fields[11] if len(fields) > 11 else "",  # logged before: none
        result=fields[12] if len(fields) > 12 else None,  # a @flow's return, logged since
    )


def _task_output(fields: list[Any], run_id: str, ts: Any, duration: Any) -> TaskOutput:
    """What a running attempt printed so far (``live_output``)."""
    run_id, flow, task, attempt, text, ts = fields[1:7]
    return TaskOutput(run_id=run_id, flow=flow, task=task, attempt=attempt, text=text, ts=ts)


def _run_interrupted(fields: list[Any], run_id: str, ts: Any, duration: Any) -> RunInterrupted:
    """A run a reader ended for its gone owner; its flow and number: not in older logs;
    the state it ended in, after them, only for a run whose end the store missed (a file
    holding such a row is marked ``store_schema.ENDED_ROWS_VERSION``: a flowtop that took
    it for damage refuses the file instead)."""
    run_id, reason, ts, *named = fields[1:]
    if len(named) > 3:
        raise ValueError(f"run_interrupted with {len(fields)} fields, at most 7")
    ended = named[2] if len(named) > 2 else ""
    if ended and ended not in RUN_ENDS:
        raise ValueError(
            f"run_interrupted ending in {str(ended)[:40]!r}, not a state a run ends in"
        )
    return RunInterrupted(
        run_id=run_id,
        reason=reason,
        ts=ts,
        flow=named[0] if named else "",
        run=named[1] if len(named) > 1 else 0,
        ended=ended,
    )


_DECODERS: dict[str, Decoder] = {
    "p": _compact_step,
    "s": _old_step,
    "task_state": _task_state,
    "run_started": _run_started,
    "run_finished": _run_finished,
    "task_output": _task_output,
    "run_interrupted": _run_interrupted,
}
