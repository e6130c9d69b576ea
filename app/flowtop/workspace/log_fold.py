"""A run's tasks and attempts, folded from its event log when someone asks.

The run process writes each event once, to the log (``history_fold``); nothing keeps
per-task rows up to date while the run goes on. Whoever wants a run's tasks and
attempts (``flowtop history --run``, the history screen, a rerun's plan, the reaper
counting an interrupted run's tasks) folds that run's log here, the way the engine
emitted it: one event after another, so what it reads back never depends on how the
writer batched its commits.

Runs recorded before schema version 5 had their tasks and attempts written as rows
(``task_runs``, ``attempts``); those are read as they are (``stored_tasks``).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any

from ..engine.capture import MAX_CAPTURE
from ..engine.events import (
    FLOW_BODY,
    RETRIED_NOW,
    ErrorInfo,
    RunFinished,
    RunStarted,
    TaskOutput,
    TaskStateChanged,
)
from ..engine.states import StateType
from ..looks import INTERRUPTED
from .history_records import AttemptRecord, TaskRecord
from .log_decode import UNREADABLE, LogDamage, LogEvent, RunInterrupted, decode_rows
from .run_log import log_columns

_RUNNING = StateType.RUNNING
_COMPLETED = StateType.COMPLETED
_CANCELLED = StateType.CANCELLED
# Where an attempt ends: the task takes its result, error and run time.
_ENDS = frozenset({StateType.AWAITING_RETRY, StateType.COMPLETED, StateType.FAILED})
_FINAL = frozenset(s.value for s in StateType if s.is_final)
_CANCELLABLE = frozenset({"RUNNING", "AWAITING_RETRY"})

#: A plan entry as the runs table keeps it: task key, attempt limit, policy summary.
PlanEntry = tuple[str, int, str]


class _Attempt:
    """One attempt while its task's events are folded (an ``AttemptRecord`` at the end):
    a RUNNING step opens it, the step that ends it fills in what it left. Its fields
    are the record's, by name (``_attempt_fields``)."""

    __slots__ = (
        "number",
        "state",
        "started",
        "duration",
        "result",
        "error_type",
        "error_message",
        "traceback",
        "output",
        "retry_in",
        "delay_explained",
        "retried_now",
        "message",
    )

    def __init__(self, number: int, started: float, retried_now: bool) -> None:
        self.number = number
        self.state = "RUNNING"
        self.started = started
        self.duration: float | None = None
        self.result: str | None = None
        self.error_type: str | None = None
        self.error_message: str | None = None
        self.traceback: str | None = None
        self.output = ""
        self.retry_in: float | None = None
        self.delay_explained = ""
        self.retried_now = retried_now
        self.message = ""


class _Task:
    """One task's row while its events are folded (a ``TaskRecord`` at the end). Its
    fields are the record's, by name (``_task_fields``)."""

    __slots__ = (
        "task",
        "attempts",
        "duration",
        "error_message",
        "error_type",
        "max_attempts",
        "message",
        "policy",
        "result",
        "reused",
        "started",
        "state",
        "tries",
        "updated",
    )

    def __init__(self, task: str, policy: str, max_attempts: int, state: str = "PENDING") -> None:
        self.task = task
        self.policy = policy
        self.state = state
        self.attempts = 0  # the attempt number of the task's last event
        self.max_attempts = max_attempts
        self.result: str | None = None
        self.reused = False
        self.message = ""
        self.error_type: str | None = None
        self.error_message: str | None = None
        self.started: float | None = None
        self.duration: float | None = None
        self.updated: float | None = None
        self.tries: dict[int, _Attempt] = {}  # by attempt number

    @property
    def attempt_records(self) -> tuple[AttemptRecord, ...]:
        tries = sorted(self.tries.items())  # by number: no two the same
        return tuple([AttemptRecord(*_attempt_fields(attempt)) for _, attempt in tries])

    def record(self) -> TaskRecord:
        return TaskRecord(*_task_fields(self))


# The records' fields read off a fold's ``_Attempt`` or ``_Task`` by name, in the records'
# own order: a field moved in a record cannot shift the others, one added that the fold
# lacks fails every fold (AttributeError), and the records are built by a positional
# call: by keyword, a 100,000-task run took a tenth of a second longer to fold.
_attempt_fields = attrgetter(*(f.name for f in dataclasses.fields(AttemptRecord)))
_task_fields = attrgetter(*(f.name for f in dataclasses.fields(TaskRecord)))


def fold(plan: Iterable[PlanEntry], events: Iterable[LogEvent]) -> list[TaskRecord]:
    """The run's tasks in flow order (the plan, then tasks reached later in the order
    they first appeared), each with its attempts, after ``events`` in log order.

    ``plan`` is the runs table's (runs recorded before schema version 5); a run that
    has none there takes it from its ``run_started`` event.

    Planned tasks that never had an event are PENDING. A ``run_interrupted`` event ends
    every unfinished task INTERRUPTED (its message saying why) and marks its running
    attempt, or its wait for a retry, INTERRUPTED (``_interrupt``).
    """
    planned = [(key, limit, policy) for key, limit, policy in plan]
    limits = {key: (limit, policy) for key, limit, policy in planned}
    tasks: dict[str, _Task] = {}
    for event in events:
        if type(event) is RunStarted and not planned:  # the plan, as the run logged it
            planned = list(zip(event.tasks, event.max_attempts, event.policies, strict=False))
            limits = {key: (limit, policy) for key, limit, policy in planned}
        elif type(event) is TaskStateChanged:
            task = tasks.get(event.task)
            if task is None:
                limit_policy = limits.get(event.task)
                # a @flow call is not in the plan: its first step names its policy
                policy = limit_policy[1] if limit_policy is not None else event.policy
                task = tasks[event.task] = _Task(event.task, policy, event.max_attempts)
            _step(task, event)
        elif type(event) is TaskOutput:  # the attempt's end carries it all, unless it
            _printed(tasks.get(event.task), event)  # never ends: killed, it keeps this
        elif type(event) is RunInterrupted:
            _interrupt(tasks, planned, event.reason, event.ts)
    order = [key for key, _, _ in planned]
    known = set(order)
    order += [key for key in tasks if key not in known]  # dicts keep first-seen order
    out = []
    for key in order:
        task = tasks.get(key)
        if task is None:
            limit, policy = limits[key]
            task = _Task(key, policy, limit)
        out.append(task.record())
    return out


def _step(task: _Task, e: TaskStateChanged) -> None:
    """Apply one step to its task and attempt: what the store used to do per row."""
    state = e.state
    ends = state in _ENDS
    task.state = state.value
    task.attempts = e.attempt
    task.max_attempts = e.max_attempts
    task.message = e.message
    task.updated = e.ts
    if state is _RUNNING:
        if task.started is None:
            task.started = e.ts
        # A RUNNING step opens its attempt (afresh, should the number come again).
        task.tries[e.attempt] = _Attempt(e.attempt, e.ts, e.message == RETRIED_NOW)
        return
    if e.reused:
        task.reused = True
    if state is _COMPLETED or (ends and e.result is not None):
        task.result = e.result
    fresh = ends and not e.reused
    if fresh:
        error = e.error
        task.error_type = error.type if error else None
        task.error_message = error.message if error else None
        if e.duration is not None:
            task.duration = (task.duration or 0.0) + e.duration
    elif state is _CANCELLED and e.duration is not None:  # an attempt cut short: its time
        task.duration = (task.duration or 0.0) + e.duration
    if not (fresh or state is _CANCELLED):
        return
    attempt = task.tries.get(e.attempt)
    if attempt is None:  # nothing to end (a task cancelled before it ran)
        return
    if state is not _CANCELLED:
        attempt.state = state.value
    elif attempt.state in _CANCELLABLE:  # a wait cut by a cancel is not "failed, retried"
        attempt.state = "CANCELLED"
    if e.duration is not None:
        attempt.duration = e.duration
    if e.result is not None:
        attempt.result = e.result
    if e.error is not None:
        error = e.error
        attempt.error_type = error.type
        attempt.error_message = error.message
        attempt.traceback = error.traceback
    if e.output:
        attempt.output = e.output
    if e.retry_in is not None:
        attempt.retry_in = e.retry_in
        attempt.delay_explained = e.delay_explained
        attempt.message = e.message  # why the run retried it (a cancel's end keeps it)
    # else: the attempt keeps what it had


def _printed(task: _Task | None, e: TaskOutput) -> None:
    """What a running attempt printed so far: an attempt whose process was killed ends
    with no event of its own, and read as if it had printed nothing."""
    attempt = task.tries.get(e.attempt) if task is not None else None
    if attempt is not None and attempt.state == "RUNNING":
        attempt.output = kept(attempt.output + e.text)


#: Where a killed attempt's output, pieced together, lost its middle.
CUT = "\n… the middle of this output was not kept …\n"


def kept(output: str) -> str:
    """``output`` as a capture keeps it: past ``MAX_CAPTURE`` its head and tail only. The
    pieces go on past that cap (``live_output``), for as long as the attempt prints."""
    if len(output) <= MAX_CAPTURE:
        return output
    half = MAX_CAPTURE // 2
    return output[:half] + CUT + output[-half:]


def _interrupt(tasks: dict[str, _Task], planned: list[PlanEntry], why: str, ts: float) -> None:
    """End what the run's dead process left unfinished, as of ``ts`` (its last sign of
    life; 0: not known yet, the reaper's own fold): each task INTERRUPTED, its running
    attempt too, with the time it ran until then, as a cancel's cut-short attempt has it
    (it read ``-``, as if it never ran); a wait for a retry, INTERRUPTED too, its wait
    kept to say which (it read ``waiting to retry`` in a run that was over)."""
    for key, limit, policy in planned:
        if key not in tasks:
            tasks[key] = _Task(key, policy, limit, INTERRUPTED)
            tasks[key].message = why
    for task in tasks.values():
        for attempt in task.tries.values():
            if attempt.state == "RUNNING":
                if attempt.duration is None and ts >= attempt.started > 0:
                    attempt.duration = ts - attempt.started
                    task.duration = (task.duration or 0.0) + attempt.duration
                attempt.state = INTERRUPTED
        if task.state in _FINAL:
            continue
        task.state = INTERRUPTED
        task.message = why
        last = task.tries[max(task.tries)] if task.tries else None
        if last is not None and last.state == "AWAITING_RETRY":  # the wait it was in
            last.state = INTERRUPTED


def logged_tasks(
    conn: sqlite3.Connection,
    run_id: str,
    plan: list[PlanEntry],
    damage: list[LogDamage] | None = None,
    *,
    checked: bool = False,
    body: list[str] | None = None,
) -> list[TaskRecord]:
    """``fold`` of ``run_id``'s log, read on ``conn``; what of it cannot be read is added
    to ``damage``, and what its ``@flow`` body printed so far to ``body`` (``body_so_far``).
    ``checked``: every event's fields looked at (``folded_rows``), for a reader that shows
    every field."""
    events, tasks = folded_rows(conn, run_id, plan, checked=checked)
    if damage is not None:
        damage += [event for event in events if type(event) is LogDamage]
    if body is not None:
        body.append(body_so_far(events))
    return tasks


def body_so_far(events: Iterable[LogEvent]) -> str:
    """What a ``@flow`` body printed, from its output's pieces (``live_output``), kept as
    a capture keeps it: all that a run whose process was killed keeps of it (the run's end
    carries it whole)."""
    pieces = [e.text for e in events if type(e) is TaskOutput and e.task == FLOW_BODY]
    return kept("".join(pieces))


def folded_rows(
    conn: sqlite3.Connection,
    run_id: str,
    plan: list[PlanEntry],
    *,
    checked: bool = False,
    then: Sequence[LogEvent] = (),
) -> tuple[list[LogEvent], list[TaskRecord]]:
    """``run_id``'s log read on ``conn`` (``LogDamage`` for what cannot be read), and the
    ``fold`` of it followed by ``then``. A log whose events have fields of the wrong type
    (the fold fails on one, or ``checked``) is read again with each event's fields looked
    at (``unsound``): only then, as that costs a sound log time. The reaper marking a dead
    run folds so too: a crafted step made its marking raise, the run left RUNNING."""
    rows = conn.execute(
        f"SELECT id, {log_columns(conn)} FROM events WHERE run_id = ? ORDER BY id", (run_id,)
    ).fetchall()
    logged, ids = [row[1:] for row in rows], [row[0] for row in rows]
    if not checked:
        events = decode_rows(logged, ids)
        try:
            return events, fold(plan, [*events, *then])
        except UNREADABLE:
            pass
    events = decode_rows(logged, ids, unsound)
    return events, fold(plan, [*events, *then])


#: The columns of a run's rows recorded before schema version 5 (``stored_tasks``):
#: each is named as the field of the record it is read into.
_ATTEMPT_COLUMNS = (
    "number",
    "state",
    "started",
    "duration",
    "result",
    "error_type",
    "error_message",
    "traceback",
    "output",
    "retry_in",
    "delay_explained",
)
_TASK_COLUMNS = (
    "state",
    "attempts",
    "max_attempts",
    "policy",
    "result",
    "reused",
    "message",
    "error_type",
    "error_message",
    "started",
    "duration",
    "updated",
)


def stored_tasks(
    conn: sqlite3.Connection, run_id: str, plan: list[PlanEntry]
) -> list[TaskRecord] | None:
    """A run recorded before schema version 5, from its rows; None when it has none."""
    attempts: dict[str, list[AttemptRecord]] = {}
    for task, *values in conn.execute(
        f"SELECT task, {', '.join(_ATTEMPT_COLUMNS)} FROM attempts WHERE run_id = ? "
        "ORDER BY task, number",
        (run_id,),
    ):
        attempt = dict(zip(_ATTEMPT_COLUMNS, values, strict=True))
        attempts.setdefault(task, []).append(AttemptRecord(**attempt))
    stored: dict[str, TaskRecord] = {}
    for task, *values in conn.execute(
        f"SELECT task, {', '.join(_TASK_COLUMNS)} FROM task_runs WHERE run_id = ? "
        "ORDER BY position",
        (run_id,),
    ):
        row = dict(zip(_TASK_COLUMNS, values, strict=True))
        row["reused"] = bool(row["reused"])
        stored[task] = TaskRecord(task=task, **row, attempt_records=tuple(attempts.get(task, ())))
    if not stored:
        return None
    tasks = [
        stored.pop(key) if key in stored else _Task(key, policy, limit).record()
        for key, limit, policy in plan
    ]
    return [*tasks, *stored.values()]


def run_tasks(
    conn: sqlite3.Connection,
    run_id: str,
    plan: list[PlanEntry],
    damage: list[LogDamage] | None = None,
    *,
    checked: bool = False,
    body: list[str] | None = None,
) -> list[TaskRecord]:
    """A run's tasks and attempts, however the run was recorded (``logged_tasks``)."""
    stored = stored_tasks(conn, run_id, plan)
    if stored is not None:
        return stored
    return logged_tasks(conn, run_id, plan, damage, checked=checked, body=body)


def run_end(
    conn: sqlite3.Connection, run_id: str, damage: list[LogDamage] | None = None
) -> RunFinished | None:
    """A run's ``run_finished`` event as its log keeps it: what a ``@flow`` body printed
    itself (none logged before version 7) and what it returned. None when it has none
    (a run not finished), or when that event cannot be read (added to ``damage``, unless
    there already)."""
    rows = conn.execute(
        "SELECT id, run_id, body, NULL, NULL FROM events WHERE run_id = ? "
        "AND body LIKE '[\"run_finished\"%' ORDER BY id DESC LIMIT 1",
        (run_id,),
    ).fetchall()
    events = decode_rows([row[1:] for row in rows], [row[0] for row in rows], unsound)
    first = events[0] if events else None
    if type(first) is LogDamage and damage is not None and first not in damage:
        damage.append(first)
    return events[0] if events and isinstance(events[0], RunFinished) else None


#: What each field of an event read back must be (``unsound``), by the event's type:
#: ``str``/``int`` exactly that, ``num`` a number, ``?`` or None, ``strs``/``ints`` a
#: tuple of them, ``error`` an ``ErrorInfo`` of three texts, ``counts`` states' numbers.
_SHAPES: dict[type, str] = {
    TaskStateChanged: "str str str state int int num? num? str error? str? num? str flag str"
    " str strs",
    RunStarted: "str str int strs ints strs str? num? str str? str? str num? int",
    RunFinished: "str str int state counts num? num? str error? str num? str str?",
    TaskOutput: "str str str int str num? str",
    RunInterrupted: "str str num? str str int str",
}
_FITS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: type(v) is str,
    "int": lambda v: type(v) is int,
    "num": lambda v: type(v) in (int, float),
    "flag": lambda v: type(v) in (bool, int),
    "state": lambda v: type(v) is StateType,
    "strs": lambda v: type(v) is tuple and all(type(x) is str for x in v),
    "ints": lambda v: type(v) is tuple and all(type(x) is int for x in v),
    "error": lambda v: type(v) is ErrorInfo and all(type(x) is str for x in v),
    "counts": lambda v: type(v) is dict and all(type(n) is int for n in v.values()),
}

#: What a user reads of each kind of ``_FITS``.
_WORDS = {
    "str": "text",
    "int": "a whole number",
    "num": "a number",
    "flag": "true or false",
    "state": "a task state",
    "strs": "a list of texts",
    "ints": "a list of whole numbers",
    "error": "[type, message, traceback]",
    "counts": "a number per state",
}


def unsound(event: LogEvent) -> str | None:
    """Which field of ``event`` has a type no flowtop writes there (a crafted or damaged
    row that decoded: a number where its output should be), and what it holds; None
    when every field fits. For the readers that show every field (``decode_rows``'s
    ``check``): the fold and the screens would fail on it further on, without a word
    of which row."""
    shape = _SHAPES.get(type(event))
    if shape is None:
        return None if type(event) is LogDamage else f"not an event: {type(event).__name__}"
    for name, kind, value in zip(event._fields, shape.split(), event, strict=False):
        fits = _FITS[kind.rstrip("?")]
        if not (fits(value) or (kind.endswith("?") and value is None)):
            wanted = _WORDS[kind.rstrip("?")] + (" or null" if kind.endswith("?") else "")
            return f"{type(event).__name__}.{name} is {value!r:.40}, not {wanted}"
    return None
