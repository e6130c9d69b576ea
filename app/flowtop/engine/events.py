"""Immutable engine events and their JSON (SPEC §5). The bus that delivers them to sinks
is ``bus``.

Events are ``NamedTuple``s: immutable like a frozen dataclass but four times cheaper to
build, which matters on the per-task hot path (two events per attempt).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

from .states import StateType


class ErrorInfo(NamedTuple):
    type: str
    message: str
    traceback: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "message": self.message, "traceback": self.traceback}


class RunStarted(NamedTuple):
    """A run began. Every task listed starts PENDING (no per-task PENDING events)."""

    run_id: str
    flow: str
    run: int
    tasks: tuple[str, ...]
    max_attempts: tuple[int, ...]  # per task, same order as ``tasks``
    policies: tuple[str, ...]  # one-line policy summary per task
    rerun_of: str | None = None
    ts: float = 0.0
    event: str = "run_started"
    #: A subflow's run: the id of the run whose flow function called it (None otherwise).
    parent_run: str | None = None
    #: A ``@flow`` run's arguments by parameter name, a JSON object (``parameters.py``);
    #: None for a run given none.
    parameters: str | None = None
    #: A ``@flow``'s ``flow_run_name``, resolved for this run ("" for none).
    name: str = ""
    #: A ``@flow``'s own retry, live from now: its body starts in this many seconds (its
    #: ``retry_delay_seconds``, maybe 0); None for any other run.
    starts_in: float | None = None
    #: How many of its attempts it runs at once (its runner's workers, or its flow's
    #: smaller ``max_workers``), said by the run itself: a monitor beside it may have
    #: another ``[defaults] workers``. 0: unknown (a start an older flowtop recorded).
    workers: int = 0
    #: A rerun's source's number (``rerun of #3``), as a store client reads it once at the
    #: rerun's start (``PruneWatch.sourced``): never logged (``rerun_of`` names the run).
    #: None: not looked up (the engine's own start); 0: the store no longer holds it.
    rerun_number: int | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "event": self.event,
            "run_id": self.run_id,
            "flow": self.flow,
            "run": self.run,
            "tasks": len(self.tasks),
            "ts": self.ts,
        }
        if self.workers:
            data["workers"] = self.workers
        if self.rerun_of:
            data["rerun_of"] = self.rerun_of
        if self.parent_run:
            data["parent_run"] = self.parent_run
        if self.parameters:
            data["parameters"] = json.loads(self.parameters)
        if self.name:
            data["name"] = self.name
        if self.starts_in is not None:
            data["starts_in"] = self.starts_in
        return data


#: The message of a COMPLETED step carried over from a rerun's source run; a result from
#: the cache (``caching``) says where it was stored instead.
REUSED_FROM_SOURCE = "reused from the source run"
#: The message of a RUNNING step whose attempt the user started before its retry's wait
#: was over (`n`): what the history tells a retry cut short by.
RETRIED_NOW = "retried now by the user"


class TaskStateChanged(NamedTuple):
    """One task entering one state. Attempt-ending states carry what the attempt left."""

    run_id: str
    flow: str
    task: str
    state: StateType
    attempt: int
    max_attempts: int
    ts: float
    retry_in: float | None = None  # AWAITING_RETRY: seconds until the next attempt
    delay_explained: str = ""  # AWAITING_RETRY: how retry_in was computed
    error: ErrorInfo | None = None
    result: str | None = None  # COMPLETED: repr cut to 200 characters
    duration: float | None = None  # the attempt's run time
    output: str = ""  # captured stdout/stderr/logging of the attempt
    reused: bool = False  # COMPLETED carried over from the source run
    message: str = ""
    #: A ``@flow`` call's first step (PENDING): its retry policy's summary and the calls
    #: it waits for, which a static flow's plan gives for every task; empty on other steps.
    policy: str = ""
    upstream: tuple[str, ...] = ()
    event: str = "task_state"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "event": self.event,
            "run_id": self.run_id,
            "flow": self.flow,
            "task": self.task,
            "state": self.state.value,
            "attempt": self.attempt,
            "max_attempts": self.max_attempts,
            "ts": self.ts,
        }
        if self.retry_in is not None:
            data["retry_in"] = round(self.retry_in, 3)
        if self.delay_explained:
            data["delay_explained"] = self.delay_explained
        if self.error is not None:
            data["error"] = self.error.as_dict()
        if self.result is not None:
            data["result"] = self.result
        if self.duration is not None:
            data["duration"] = round(self.duration, 6)
        if self.reused:
            data["reused"] = True
        if self.message:
            data["message"] = self.message
        if self.output:
            data["output"] = self.output
        if self.policy:
            data["policy"] = self.policy
        if self.upstream:
            data["upstream"] = list(self.upstream)
        return data


#: A ``TaskStateChanged`` from a tuple of all its fields in their order, made as
#: ``tuple.__new__`` makes any named tuple: the engine's steps (``FlowRun._transition``,
#: twice per attempt under the lock every driver waits for) and a log reader's commonest
#: ones (``log_decode``). Not by keyword (issue 17 asked): matching 17 keywords took
#: 0.65 µs an event, +1.1 µs of CPU (+10%) per trivial task with a sink listening (9
#: interleaved rounds, one worker; 11.2 -> 12.2 µs). Unchecked: a field added to the
#: class must be added to every tuple given here, in its place
#: (tests/engine/test_events.py pins the order).
task_step: Callable[[tuple[Any, ...]], TaskStateChanged] = partial(tuple.__new__, TaskStateChanged)


def replayed_step(
    *,
    run_id: str,
    flow: str,
    task: str,
    state: StateType,
    attempt: int,
    max_attempts: int,
    ts: float,
    **fields: Any,
) -> TaskStateChanged:
    """A step read back from a run's store (``workspace.row_events``, ``log_decode``), by
    keyword, its other fields (``fields``) at their defaults unless given.

    Not checked against ``TRANSITIONS``, as the engine's are (``FlowRun._transition``):
    that check keeps a live record from a change its run could not make, while a replay
    makes no change. It shows what was stored, the engine's steps as they were checked
    then, or what is left of them: a store cut short or damaged drops steps (an attempt
    interrupted, a task's record with no attempts), and refusing what follows would hide
    the rest of the run instead of showing it as it is.
    """
    return TaskStateChanged(run_id, flow, task, state, attempt, max_attempts, ts, **fields)


class RunFinished(NamedTuple):
    """A run ended. ``error``: what a ``@flow`` function raised (None otherwise)."""

    run_id: str
    flow: str
    run: int
    state: StateType
    counts: dict[str, int]
    duration: float
    ts: float = 0.0
    event: str = "run_finished"
    error: ErrorInfo | None = None
    #: What a ``@flow`` function's body printed or logged itself (its tasks' output is
    #: their attempts'); "" otherwise.
    output: str = ""
    #: A ``@flow`` run that failed with ``retries`` left: its retry, a new run linked to
    #: this one (``rerun_of``), starts in this many seconds (None: no retry follows).
    retry_in: float | None = None
    #: Why it ended as it did, where its state and counts do not tell: a ``@flow``'s
    #: retry cancelled in its delay never ran its body (its duration is 0 then).
    note: str = ""
    #: What a COMPLETED ``@flow`` function returned: its repr cut to 200 characters, as a
    #: task's ``result``; None for any other run (a graph ``Flow`` returns nothing).
    result: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "event": self.event,
            "run_id": self.run_id,
            "flow": self.flow,
            "run": self.run,
            "state": self.state.value,
            "counts": dict(self.counts),
            "duration": round(self.duration, 6),
            "ts": self.ts,
        }
        if self.error is not None:
            data["error"] = self.error.as_dict()
        if self.output:
            data["output"] = self.output
        if self.retry_in is not None:
            data["retry_in"] = self.retry_in
        if self.note:
            data["note"] = self.note
        if self.result is not None:
            data["result"] = self.result
        return data


class RunEnd(NamedTuple):
    """What a run's kind adds to its ``RunFinished`` (``FlowRun._own_end``): a ``@flow``
    run's own error, output and retry, a note, what it returned; ``took`` its duration
    when that is not the time since it began (None)."""

    error: ErrorInfo | None = None
    output: str = ""
    retry_in: float | None = None
    note: str = ""
    took: float | None = None
    result: str | None = None

    def fields(self) -> dict[str, Any]:
        """The ``RunFinished`` fields it gives: all but ``took``, its duration's."""
        given = self._asdict()
        del given["took"]
        return given


#: The ``task`` of a ``TaskOutput`` that is a ``@flow`` body's own output (no task's name
#: is empty): its pieces reach the store while the body runs, so a killed run keeps them.
FLOW_BODY = ""


class TaskOutput(NamedTuple):
    """What a running attempt (or a ``@flow`` body: ``FLOW_BODY``) printed or logged since
    the last such event (``live_output``): a long task's prints show while it runs. Its
    attempt's end (the run's end) still carries all of it."""

    run_id: str
    flow: str
    task: str
    attempt: int
    text: str
    ts: float
    event: str = "task_output"

    def as_json(self) -> dict[str, Any]:
        if self.task == FLOW_BODY:  # a script tells it by its name, not by an empty task
            return {
                "event": "flow_output",
                "run_id": self.run_id,
                "flow": self.flow,
                "text": self.text,
                "ts": self.ts,
            }
        return {
            "event": self.event,
            "run_id": self.run_id,
            "flow": self.flow,
            "task": self.task,
            "attempt": self.attempt,
            "text": self.text,
            "ts": self.ts,
        }


Event = RunStarted | TaskStateChanged | RunFinished | TaskOutput


def dumps_strict(data: Any) -> str:
    """``data`` as strict JSON (RFC 8259), ASCII only, on one line.

    ``json.dumps`` writes a non-finite float as a bare ``NaN`` or ``Infinity``, which is not
    JSON: a strict parser rejects the whole line. The engine keeps every number it emits
    finite; should one slip through anyway, it is written as ``null`` rather than break
    the stream.
    """
    try:
        return json.dumps(data, ensure_ascii=True, default=str, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(data), ensure_ascii=True, default=str, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def json_line(event: Event) -> str:
    """One event as the line ``flowtop run --json`` prints (SPEC §5), newline included."""
    return dumps_strict(event.as_json()) + "\n"


#: In a JSON text written ASCII only: an escaped backslash, a surrogate pair, or a lone
#: high surrogate, in the order a scan must try them.
_SURROGATE_ESCAPES = re.compile(
    r"(\\\\)|(\\ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2})|\\ud[89ab][0-9a-f]{2}"
)


def strict_surrogates(json_text: str) -> str:
    """``json_text`` (ASCII-only JSON) with each lone high surrogate's escape (a task
    printing ``"\\ud800"``) written as U+FFFD: RFC 8259 allows it, but jq 1.6 rejects the
    whole line (``Invalid \\uXXXX\\uXXXX surrogate pair escape``). A lone low one
    (``\\udcff``: the stand-in of a byte that is not UTF-8, in a file name or a task's
    output) is kept, as jq reads it, so the text reads back exactly; so are a pair and an
    escaped backslash before ``u``."""
    if "\\ud" not in json_text:
        return json_text
    return _SURROGATE_ESCAPES.sub(lambda m: m.group(1) or m.group(2) or "\\ufffd", json_text)


def json_record(record: Any) -> str:
    """``record`` as one line of a command's ``--json`` output (no newline): strict JSON
    (``dumps_strict``) with a lone high surrogate as U+FFFD (``strict_surrogates``), as
    ``flowtop run --json`` writes its events. Escaped as it was, jq 1.6 refused the whole
    line (``flowtop history --json | jq`` stopped at the first task that printed one)."""
    return strict_surrogates(dumps_strict(record))


#: A consumer of events: called with a batch, in emit order, on the sink's own thread.
Sink = Callable[[list[Event]], None]
