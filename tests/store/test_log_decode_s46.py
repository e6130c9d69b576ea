"""Every stored shape of every event kind, and the records folded from them, read field by
field by name (issue 17).

The log's bodies are positional JSON arrays, and older flowtop versions wrote shorter
ones; the decoders (``log_decode``) and the fold (``log_fold``) turn them into events and
records. A field read into the wrong place (a decoder's slip, or a field moved in an
event or record class that something still fills by position) shows nowhere else but as
a wrong value in one column of ``flowtop history``: here each field is checked by name.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from contextlib import closing
from typing import Any

import pytest

from flowtop.engine.events import (
    RETRIED_NOW,
    ErrorInfo,
    RunFinished,
    RunStarted,
    TaskOutput,
    TaskStateChanged,
)
from flowtop.engine.states import StateType
from flowtop.workspace import store_schema
from flowtop.workspace.history_fold import batch_row
from flowtop.workspace.log_fold import fold, stored_tasks
from flowtop.workspace.run_log import (
    RunInterrupted,
    decode,
    decode_rows,
    encode,
    encode_interrupted,
    stored_error,
)

S = StateType
RUN = "r1"
TB = "Traceback (most recent call last):\n  File 'etl.py', line 3\nValueError: bad row\n"


def step(**named: Any) -> dict[str, Any]:
    """A decoded step's every field by name: ``named``, the others at their defaults."""
    return {**TaskStateChanged._field_defaults, "run_id": RUN, **named}


def started(**named: Any) -> dict[str, Any]:
    return {**RunStarted._field_defaults, "run_id": RUN, "flow": "etl", "run": 1, **named}


def finished(**named: Any) -> dict[str, Any]:
    fields = {"run_id": RUN, "flow": "etl", "run": 1, "state": S.FAILED, "duration": 0.5}
    return {**RunFinished._field_defaults, **fields, "ts": 10.5, **named}


PLAN = {"tasks": ("fetch", "load"), "max_attempts": (3, 1), "policies": ("3× 1s", "")}
RUN_STARTED = f'["run_started","{RUN}","etl",1,["fetch","load"],[3,1],["3× 1s",""],null,9.0'
RUN_FINISHED = f'["run_finished","{RUN}","etl",1,"FAILED",{{"COMPLETED":1,"FAILED":1}},0.5,10.5'
KEY = {"flow": "etl", "task": "fetch"}
FAILED = {"flow": "etl", "task": "load", "state": S.FAILED, "attempt": 1, "max_attempts": 1}

#: (what, body, the row's ts and duration columns, the event's fields by name)
SHAPES: list[tuple[str, str, float | None, float | None, dict[str, Any]]] = [
    (
        "p: a RUNNING step, every field after max_attempts left out (fast path)",
        '["p","etl","fetch","RUNNING",1,3]',
        10.0,
        None,
        step(**KEY, state=S.RUNNING, attempt=1, max_attempts=3, ts=10.0),
    ),
    (
        "p: a wait without error, output or message (fast path)",
        '["p","etl","fetch","AWAITING_RETRY",1,3,2.5,"2.5s fixed",null,null]',
        11.0,
        0.25,
        step(
            **KEY,
            state=S.AWAITING_RETRY,
            attempt=1,
            max_attempts=3,
            ts=11.0,
            retry_in=2.5,
            delay_explained="2.5s fixed",
            duration=0.25,
        ),
    ),
    (
        "p: a completed attempt's result (fast path)",
        '["p","etl","fetch","COMPLETED",2,3,null,"",null,"\'ok\'"]',
        12.0,
        0.5,
        step(
            **KEY,
            state=S.COMPLETED,
            attempt=2,
            max_attempts=3,
            ts=12.0,
            result="'ok'",
            duration=0.5,
        ),
    ),
    (
        "p: a failure, its message kept as its length at the traceback's end",
        '["p","etl","load","FAILED",1,1,null,"",["ValueError",7,' + json.dumps(TB) + "],null,"
        '"printed\\n",0,"gave up"]',
        13.0,
        0.75,
        step(
            **FAILED,
            ts=13.0,
            error=ErrorInfo("ValueError", "bad row", TB),
            duration=0.75,
            output="printed\n",
            message="gave up",
        ),
    ),
    (
        "p: a failure whose message is not the traceback's end, kept whole",
        '["p","etl","load","FAILED",1,1,null,"",["KeyError","k","tb"],null]',
        13.0,
        None,
        step(**FAILED, ts=13.0, error=ErrorInfo("KeyError", "k", "tb")),
    ),
    (
        "p: a step reused from the source run",
        '["p","etl","fetch","COMPLETED",1,3,null,"",null,"1","",1,"from run #1"]',
        14.0,
        None,
        step(
            **KEY,
            state=S.COMPLETED,
            attempt=1,
            max_attempts=3,
            ts=14.0,
            result="1",
            reused=True,
            message="from run #1",
        ),
    ),
    (
        "p: a @flow call's first step, its policy and upstream",
        '["p","main","child","PENDING",0,2,null,"",null,null,"",0,"","2× 1s",["a","b"]]',
        15.0,
        None,
        step(
            flow="main",
            task="child",
            state=S.PENDING,
            attempt=0,
            max_attempts=2,
            ts=15.0,
            policy="2× 1s",
            upstream=("a", "b"),
        ),
    ),
    (
        "s: a compact step before schema version 5, its ts inside",
        '["s","etl","fetch","RUNNING",1,3,10.0]',
        None,
        None,
        step(**KEY, state=S.RUNNING, attempt=1, max_attempts=3, ts=10.0),
    ),
    (
        "s: a failure before schema version 5, every field",
        '["s","etl","load","FAILED",1,1,13.0,null,"",["ValueError","bad row","tb"],null,0.75,'
        '"out",0,"gave up"]',
        None,
        None,
        step(
            **FAILED,
            ts=13.0,
            error=ErrorInfo("ValueError", "bad row", "tb"),
            duration=0.75,
            output="out",
            message="gave up",
        ),
    ),
    (
        "task_state: a step in full, before compact steps",
        f'["task_state","{RUN}","etl","fetch","AWAITING_RETRY",1,3,11.0,2.5,"2.5s fixed",'
        '["ValueError","bad row","tb"],null,0.25,"out",false,"retrying"]',
        None,
        None,
        step(
            **KEY,
            state=S.AWAITING_RETRY,
            attempt=1,
            max_attempts=3,
            ts=11.0,
            retry_in=2.5,
            delay_explained="2.5s fixed",
            error=ErrorInfo("ValueError", "bad row", "tb"),
            duration=0.25,
            output="out",
            message="retrying",
        ),
    ),
    (
        "task_state: a @flow call's first step in full",
        f'["task_state","{RUN}","main","child","PENDING",0,2,15.0,null,"",null,null,null,"",'
        'false,"","2× 1s",["a"]]',
        None,
        None,
        step(
            flow="main",
            task="child",
            state=S.PENDING,
            attempt=0,
            max_attempts=2,
            ts=15.0,
            policy="2× 1s",
            upstream=("a",),
        ),
    ),
    ("run_started: before version 4", RUN_STARTED + "]", None, None, started(**PLAN, ts=9.0)),
    (
        "run_started: version 4 (its parent) and 6 (its parameters)",
        RUN_STARTED + ',"p0",{"n":1}]',
        None,
        None,
        started(**PLAN, ts=9.0, parent_run="p0", parameters={"n": 1}),
    ),
    (
        "run_started: every field (name, starts_in, workers)",
        RUN_STARTED.replace("null,9.0", '"old",9.0') + ',"p0","{}","nightly",1.5,4]',
        None,
        None,
        started(
            **PLAN,
            rerun_of="old",
            ts=9.0,
            parent_run="p0",
            parameters="{}",
            name="nightly",
            starts_in=1.5,
            workers=4,
        ),
    ),
    (
        "run_finished: before version 3 (no error)",
        RUN_FINISHED + "]",
        None,
        None,
        finished(counts={"COMPLETED": 1, "FAILED": 1}),
    ),
    (
        "run_finished: version 3 (its flow's error)",
        RUN_FINISHED + ',["ValueError","bad row","tb"]]',
        None,
        None,
        finished(
            counts={"COMPLETED": 1, "FAILED": 1}, error=ErrorInfo("ValueError", "bad row", "tb")
        ),
    ),
    (
        "run_finished: every field (output, retry_in, note)",
        RUN_FINISHED + ',null,"said\\n",30.0,"retry cancelled"]',
        None,
        None,
        finished(
            counts={"COMPLETED": 1, "FAILED": 1},
            output="said\n",
            retry_in=30.0,
            note="retry cancelled",
        ),
    ),
    (
        "task_output",
        f'["task_output","{RUN}","etl","fetch",2,"partial\\n",12.5]',
        None,
        None,
        {**TaskOutput._field_defaults, "run_id": RUN, **KEY, "attempt": 2, "text": "partial\n"}
        | {"ts": 12.5},
    ),
    (
        "run_interrupted: before its flow and number were logged",
        f'["run_interrupted","{RUN}","owner gone",20.0]',
        None,
        None,
        {**RunInterrupted._field_defaults, "run_id": RUN, "reason": "owner gone", "ts": 20.0},
    ),
    (
        "run_interrupted: with its flow and number",
        encode_interrupted(RUN, "owner gone", 20.0, "etl", 3),
        None,
        None,
        {"run_id": RUN, "reason": "owner gone", "ts": 20.0, "event": "run_interrupted"}
        | {"flow": "etl", "run": 3, "ended": ""},
    ),
    (
        "run_interrupted: with the end its end mark said",
        encode_interrupted(RUN, "disk full", 20.0, "etl", 3, "COMPLETED"),
        None,
        None,
        {"run_id": RUN, "reason": "disk full", "ts": 20.0, "event": "run_interrupted"}
        | {"flow": "etl", "run": 3, "ended": "COMPLETED"},
    ),
]


@pytest.mark.parametrize(
    ("body", "ts", "duration", "named"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES]
)
def test_each_stored_shape_decodes_each_field_by_name(
    body: str, ts: float | None, duration: float | None, named: dict[str, Any]
) -> None:
    event = decode(body, RUN, ts, duration)
    assert event._asdict() == named
    # a batch of rows (one json.loads of them all) reads the same
    (batched,) = decode_rows([(RUN, body, ts, duration)])
    assert type(batched) is type(event) and batched._asdict() == named


def every_field_step(**named: Any) -> TaskStateChanged:
    fields = {"run_id": RUN, "flow": "etl", "task": "fetch", "attempt": 1, "max_attempts": 3}
    return TaskStateChanged(**{**fields, "ts": 10.0, **named})


def test_steps_written_as_now_read_back_field_by_field() -> None:
    """A row of packed steps as the writer makes it now (``batch_row``): each step, on the
    fast path or not, reads back as the very event written, every field by name."""
    error = ErrorInfo("ValueError", "bad row", TB)
    written = [
        every_field_step(state=S.RUNNING),
        every_field_step(
            state=S.AWAITING_RETRY, retry_in=2.5, delay_explained="fixed", duration=0.25
        ),
        every_field_step(state=S.COMPLETED, attempt=2, result="'ok'", duration=0.5),
        every_field_step(
            state=S.FAILED,
            ts=13.0,
            retry_in=1.5,
            delay_explained="d",
            error=error,
            result="r",
            duration=0.75,
            output="o\n",
            reused=True,
            message="m",
            policy="p",
            upstream=("a", "b"),
        ),
    ]
    events = decode_rows([batch_row(written)])
    assert [e._asdict() for e in events] == [e._asdict() for e in written]


def test_run_starts_ends_and_output_written_as_now_read_back_field_by_field() -> None:
    written = [
        RunStarted(
            run_id=RUN,
            flow="etl",
            run=2,
            tasks=("fetch",),
            max_attempts=(3,),
            policies=("3× 1s",),
            rerun_of="old",
            ts=9.0,
            parent_run="p0",
            parameters='{"n": 1}',
            name="nightly",
            starts_in=1.5,
            workers=4,
        ),
        RunFinished(
            run_id=RUN,
            flow="etl",
            run=2,
            state=S.FAILED,
            counts={"FAILED": 1},
            duration=0.5,
            ts=10.5,
            error=ErrorInfo("ValueError", "bad row", TB),
            output="said\n",
            retry_in=30.0,
            note="n",
        ),
        TaskOutput(run_id=RUN, flow="etl", task="fetch", attempt=2, text="partial\n", ts=12.5),
    ]
    for event in written:
        assert decode(encode(event), RUN)._asdict() == event._asdict()
    assert stored_error(ErrorInfo("ValueError", "bad row", TB))[1] == len("bad row")


def test_the_decoders_names_are_still_run_logs() -> None:
    """Other modules import the decoding from ``run_log``, where it was."""
    from flowtop.workspace import log_decode, run_log

    for name in ("UNREADABLE", "LogDamage", "LogEvent", "LogRow", "RunInterrupted", "Check"):
        assert getattr(run_log, name) is getattr(log_decode, name)
    for name in ("decode", "decode_rows", "error_info", "run_started_name"):
        assert getattr(run_log, name) is getattr(log_decode, name)


def attempt(number: int, state: str, started: float, **named: Any) -> dict[str, Any]:
    """A folded attempt's every field by name: ``named``, the others as a RUNNING step
    leaves them."""
    empty = {"duration": None, "result": None, "error_type": None, "error_message": None}
    opened = {**empty, "traceback": None, "output": "", "retry_in": None, "delay_explained": ""}
    opened["message"] = ""  # why its retry was planned (a retry_predicate's answer)
    return {"number": number, "state": state, "started": started, **opened, **named}


def test_a_fold_fills_each_task_and_attempt_field_by_name() -> None:
    """fetch: fails, waits, is retried now by the user, completes; load: interrupted while
    running, its output so far kept; a planned task never reached: interrupted too."""
    error = ErrorInfo("ValueError", "bad row", TB)
    go = every_field_step
    events = [
        RunStarted(RUN, "etl", 1, ("fetch", "load", "never"), (3, 1, 2), ("3× 1s", "", "2×")),
        go(state=S.RUNNING, ts=1.0),
        go(
            state=S.AWAITING_RETRY,
            ts=2.0,
            retry_in=5.0,
            delay_explained="5s fixed",
            error=error,
            duration=0.5,
            output="first\n",
            message="will retry",
        ),
        go(state=S.RUNNING, attempt=2, ts=3.0, message=RETRIED_NOW),
        go(state=S.COMPLETED, attempt=2, ts=4.0, result="'ok'", duration=0.25, output="second\n"),
        go(task="load", max_attempts=1, state=S.RUNNING, ts=5.0),
        TaskOutput(RUN, "etl", "load", 1, "so far\n", 5.5),
        RunInterrupted(RUN, "owner gone", 6.0),
    ]
    fetch, load, never = (dataclasses.asdict(task) for task in fold([], events))
    first = attempt(1, "AWAITING_RETRY", 1.0, duration=0.5, error_type="ValueError")
    first |= {"error_message": "bad row", "traceback": TB, "output": "first\n"}
    first |= {"retry_in": 5.0, "delay_explained": "5s fixed", "retried_now": False}
    first |= {"message": "will retry"}
    second = attempt(2, "COMPLETED", 3.0, duration=0.25, result="'ok'", output="second\n")
    assert fetch == {
        "task": "fetch",
        "state": "COMPLETED",
        "attempts": 2,
        "max_attempts": 3,
        "policy": "3× 1s",
        "result": "'ok'",
        "reused": False,
        "message": "",
        "error_type": None,  # its last attempt's: none
        "error_message": None,
        "started": 1.0,
        "duration": 0.75,
        "updated": 4.0,
        "attempt_records": (first, second | {"retried_now": True}),
    }
    interrupted = {"state": "INTERRUPTED", "message": "owner gone", "result": None}
    unknown = {"error_type": None, "error_message": None, "duration": None}
    assert load == {
        "task": "load",
        "attempts": 1,
        "max_attempts": 1,
        "policy": "",
        "reused": False,
        **interrupted,
        **unknown,
        "duration": 1.0,  # it ran until its process was found gone (6.0): its time so far
        "started": 5.0,
        "updated": 5.0,
        "attempt_records": (
            attempt(1, "INTERRUPTED", 5.0, duration=1.0, output="so far\n", retried_now=False),
        ),
    }
    assert never == {
        "task": "never",
        "attempts": 0,
        "max_attempts": 2,
        "policy": "2×",
        "reused": False,
        **interrupted,
        **unknown,
        "started": None,
        "updated": None,
        "attempt_records": (),
    }


def test_a_run_stored_as_rows_reads_each_column_into_its_named_field() -> None:
    """A run recorded before schema version 5 (``task_runs``, ``attempts``), and a planned
    task it has no row for (PENDING)."""
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.executescript(store_schema.MIGRATIONS[1])
        conn.execute(
            "INSERT INTO task_runs(run_id, task, position, state, attempts, max_attempts, "
            "policy, result, reused, message, error_type, error_message, started, duration, "
            "updated) VALUES (?, 'fetch', 0, 'FAILED', 2, 3, '3× 1s', 'r', 1, 'm', "
            "'ValueError', 'bad row', 1.0, 0.75, 4.0)",
            (RUN,),
        )
        conn.execute(
            "INSERT INTO attempts(run_id, task, number, state, started, duration, result, "
            "error_type, error_message, traceback, output, retry_in, delay_explained) "
            "VALUES (?, 'fetch', 1, 'AWAITING_RETRY', 1.0, 0.5, 'r1', 'KeyError', 'k', 'tb', "
            "'o', 5.0, '5s fixed')",
            (RUN,),
        )
        tasks = stored_tasks(conn, RUN, [("fetch", 3, "3× 1s"), ("load", 1, "")])
    assert tasks is not None
    fetch, load = (dataclasses.asdict(task) for task in tasks)
    assert fetch == {
        "task": "fetch",
        "state": "FAILED",
        "attempts": 2,
        "max_attempts": 3,
        "policy": "3× 1s",
        "result": "r",
        "reused": True,
        "message": "m",
        "error_type": "ValueError",
        "error_message": "bad row",
        "started": 1.0,
        "duration": 0.75,
        "updated": 4.0,
        "attempt_records": (
            attempt(1, "AWAITING_RETRY", 1.0, duration=0.5, result="r1", error_type="KeyError")
            | {"error_message": "k", "traceback": "tb", "output": "o", "retry_in": 5.0}
            | {"delay_explained": "5s fixed", "retried_now": False},
        ),
    }
    assert type(fetch["reused"]) is bool and type(load["reused"]) is bool
    assert load == {
        "task": "load",
        "state": "PENDING",
        "attempts": 0,
        "max_attempts": 1,
        "policy": "",
        "result": None,
        "reused": False,
        "message": "",
        "error_type": None,
        "error_message": None,
        "started": None,
        "duration": None,
        "updated": None,
        "attempt_records": (),
    }
