"""A run recorded before the store had a log: its events, made from its rows.

flowtop before schema version 2 kept a run as rows only (``runs``, ``task_runs``,
``attempts``), with no event log. A reader that follows runs by their events
(``flowtop watch``, the TUI) found nothing for such a run: a watch waited for good on a
run finished long ago, and the TUI read its flow as never run. A finished run without
events is handed to them as the events its rows tell: its start, each attempt's end,
and its end.
"""

from __future__ import annotations

import json
import sqlite3

from ..engine.events import ErrorInfo, RunFinished, RunStarted, TaskStateChanged, replayed_step
from ..engine.states import StateType
from ..looks import INTERRUPTED
from .history_records import TaskRecord
from .log_fold import fold, stored_tasks
from .run_log import LogEvent, RunInterrupted, columns, decode_rows, log_columns

_RUNNING = StateType.RUNNING
#: An attempt's states that do not end it.
_UNENDED = (StateType.PENDING, _RUNNING)
_ENDED = {s.value for s in StateType if s.is_final} | {INTERRUPTED}


def row_events(conn: sqlite3.Connection, run_id: str) -> list[LogEvent]:
    """The events of a finished run whose start is not in the log, from its rows; [] for a
    run that logged its start, is not finished, or is unknown. (Such a run may have one
    event: the interruption a newer flowtop logged when it found the run's owner gone.)"""
    # ``note`` (why a run was interrupted) came with version 2: a file nobody could
    # migrate (read-only) has none
    note = "note" if "note" in columns(conn, "runs") else "''"
    row = conn.execute(
        "SELECT flow, number, state, started, finished, duration, rerun_of, counts, plan, "
        f"{note} FROM runs WHERE run_id = ?",
        (run_id,),
    ).fetchone()
    if row is None or row[2] not in _ENDED:
        return []
    logged = (
        log_columns(conn)
        and conn.execute(
            "SELECT 1 FROM events WHERE run_id = ? AND body LIKE '[\"run_started\"%' LIMIT 1",
            (run_id,),
        ).fetchone()
    )
    if logged:
        return []
    flow, number, state, started, finished, duration, rerun_of, counts, plan_text, note = row
    plan = [tuple(entry) for entry in json.loads(plan_text)]
    tasks = stored_tasks(conn, run_id, plan) or fold(plan, [])
    ended = finished if finished is not None else started
    events: list[LogEvent] = [
        RunStarted(
            run_id,
            flow,
            number,
            tuple(str(key) for key, _, _ in plan),
            tuple(int(limit) for _, limit, _ in plan),
            tuple(str(policy) for _, _, policy in plan),
            rerun_of,
            started,
        )
    ]
    for task in tasks:
        events += _task_events(run_id, flow, task)
    missed = _end_missed(conn, run_id)
    if missed is not None:  # its process ended it, a full disk kept it out (``end_marks``)
        events.append(missed)
    elif state == INTERRUPTED:
        # The note is what readers show, ``interrupted: WHY``; the event holds the WHY.
        why = (note or "").removeprefix(
            "interrupted: "
        ) or "its process stopped before the run ended"
        events.append(RunInterrupted(run_id, why, ended, flow=flow, run=number))
    else:
        took = duration if duration is not None else ended - started
        done = dict(json.loads(counts)) if counts else {}
        events.append(RunFinished(run_id, flow, number, StateType(state), done, took, ended))
    return events


def start_left_out(backlog: list[LogEvent]) -> list[LogEvent]:
    """``backlog`` without the start its rows make (``row_events``) for a run whose
    process died as it imported its flow file: the log holds its interruption alone, and
    the start made for it, planning no task, read as a ``@flow``'s (``hang #9 started:
    tasks appear as the flow reaches them``). Its end says it started none."""
    if [type(event) for event in backlog] == [RunStarted, RunInterrupted]:
        start = backlog[0]
        if isinstance(start, RunStarted) and not start.tasks:
            return backlog[1:]
    return backlog


def _end_missed(conn: sqlite3.Connection, run_id: str) -> RunInterrupted | None:
    """The end a reaper logged for ``run_id`` as its end mark said (``RunInterrupted``
    with ``ended``: its process ended it, the store missed it), None for any other: a
    run whose start never reached the log (the disk was full from its start) has its
    state in its row, and what the store missed only in that event."""
    names = log_columns(conn)
    if not names:
        return None
    row = conn.execute(
        f"SELECT {names} FROM events WHERE run_id = ? AND body LIKE '[\"run_interrupted\"%' "
        "ORDER BY id DESC LIMIT 1",
        (run_id,),
    ).fetchone()
    events = decode_rows([row]) if row is not None else []
    end = events[0] if events else None
    return end if type(end) is RunInterrupted and end.ended else None


def _task_events(run_id: str, flow: str, task: TaskRecord) -> list[TaskStateChanged]:
    """Each of ``task``'s attempts as the steps that started and ended it (a task never
    run: none)."""
    steps = []
    for attempt in task.attempt_records:
        state = _state(attempt.state)
        if state is None or state in _UNENDED:  # cut short (INTERRUPTED): the run's end says so
            continue
        error = (
            ErrorInfo(attempt.error_type, attempt.error_message or "", attempt.traceback or "")
            if attempt.error_type
            else None
        )
        began = attempt.started or task.updated or 0.0
        ts = began + (attempt.duration or 0.0)
        number, limit = attempt.number, task.max_attempts
        steps.append(
            replayed_step(
                run_id=run_id,
                flow=flow,
                task=task.task,
                state=_RUNNING,
                attempt=number,
                max_attempts=limit,
                ts=began,
            )
        )
        steps.append(
            replayed_step(
                run_id=run_id,
                flow=flow,
                task=task.task,
                attempt=number,
                max_attempts=limit,
                state=state,
                ts=ts,
                retry_in=attempt.retry_in,
                delay_explained=attempt.delay_explained,
                error=error,
                result=attempt.result,
                duration=attempt.duration,
                output=attempt.output,
                reused=task.reused,
            )
        )
    final = _state(task.state)
    if final is not None and final.is_final and (not steps or steps[-1].state is not final):
        error = ErrorInfo(task.error_type, task.error_message or "") if task.error_type else None
        ts = task.updated or task.started or 0.0
        steps.append(
            replayed_step(
                run_id=run_id,
                flow=flow,
                task=task.task,
                state=final,
                attempt=task.attempts,
                max_attempts=task.max_attempts,
                ts=ts,
                error=error,
                result=task.result,
                duration=task.duration,
                reused=task.reused,
                message=task.message,
            )
        )
    return steps


def _state(text: str) -> StateType | None:
    try:
        return StateType(text)
    except ValueError:
        return None
