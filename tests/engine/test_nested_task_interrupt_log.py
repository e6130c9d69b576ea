"""A task stopped inside a task it called logs its own failure, and nothing after it.

A sync task past its timeout (or its flow's) gets ``TaskInterrupted`` (``FlowInterrupted``)
raised at its next Python line; when that line is in a task it called inline, the nested
call took the interrupt for its own failure and logged ``Task run failed with state:
TaskInterrupted(…)`` on ``flowtop.task_engine`` once the outer task's attempt had
concluded: a stale line in the terminal, under the run's end. (Prefect 3.9.1 reports the
nested run as crashed before its caller's timeout; flowtop ends the outer attempt at once,
so the nested call's line could only come late.)

``inline.steps_of`` re-raises an ``errors.Interrupt`` (what stops the code around the call)
without deciding, logging or calling hooks, as ``policy.decide`` does for a retry
condition.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

from flowtop import Flow, StateType, flow, task
from flowtop.engine import Runner
from flowtop.engine.flow_hooks import FlowInterrupted


def _spins() -> None:
    while True:
        time.sleep(0.002)


def engine_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The engine's failure lines (``task_runs.ENGINE_LOG``) logged so far."""
    return [r.getMessage() for r in caplog.records if r.name == "flowtop.task_engine"]


def test_a_task_timed_out_inside_its_nested_call_logs_its_timeout_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    left = threading.Event()  # the outer task's code is left: a late line is logged by then
    inner = task(_spins, name="inner")

    @task(timeout=0.2, max_retries=0)
    def outer() -> None:
        try:
            inner()
        finally:
            left.set()

    with Flow("nested") as graph:
        outer()
    with caplog.at_level(logging.ERROR, logger="flowtop.task_engine"):
        with Runner(2) as runner:
            result = runner.run(graph)
        assert result["outer"].type is StateType.FAILED
        assert left.wait(5)
    (line,) = engine_lines(caplog)
    assert line.startswith("Task run failed with exception: TaskTimeout(\"attempt 1 of 'outer'")


def test_a_flow_timed_out_inside_a_task_s_nested_call_logs_no_line_for_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    left = threading.Event()
    inner = task(_spins, name="inner")

    @task
    def outer() -> None:
        try:
            inner()
        except FlowInterrupted:  # its own end logs nothing, so a line can only be the nested
            pass  # call's (its own could race the run's end: dynamic_run._time_out)
        finally:
            left.set()

    @flow(timeout_seconds=0.2)
    def limited() -> None:
        outer()

    with caplog.at_level(logging.ERROR, logger="flowtop.task_engine"):
        with pytest.raises(TimeoutError):
            limited()
        assert left.wait(5)
    assert not any("Interrupted" in line for line in engine_lines(caplog)), engine_lines(caplog)


def test_a_task_its_flow_s_timeout_stops_logs_no_failure_of_its_own(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flow's timeout interrupts the attempt, then ends it CANCELLED (``dynamic_run.
    _time_out``); the attempt's thread, reaching its conclusion between the two, logged
    ``Task run failed with state: FlowInterrupted()`` (1 run in 6). The moment is widened
    here: finding where the attempt stopped takes 0.1 s."""
    from flowtop.engine.user_call import UserCall

    where = UserCall.stopped_where

    def slowly(call: UserCall, why: str) -> str:
        time.sleep(0.1)
        return where(call, why)

    monkeypatch.setattr(UserCall, "stopped_where", slowly)
    left = threading.Event()

    @task
    def spin() -> None:
        try:
            _spins()
        finally:
            left.set()

    @flow(timeout_seconds=0.2)
    def limited() -> None:
        spin()

    with caplog.at_level(logging.ERROR, logger="flowtop.task_engine"):
        with pytest.raises(TimeoutError):
            limited()
        assert left.wait(5)
        time.sleep(0.15)  # past the widened moment: a late line is logged by then
    assert engine_lines(caplog) == []
