"""A ``retry_condition_fn(task, task_run, state)`` is asked inside the attempt it judges,
about the state that attempt ended in, and leaves that attempt's error as it was raised
(Prefect 3.9.1's ``task_engine.can_retry``, checked side by side).

It ran with no task run context: ``get_run_logger()`` raised ``MissingContextError`` (so
the task failed unretried, where Prefect logs, retries and completes), ``TaskRunContext``
was None and ``prefect.runtime.task_run`` said run 0 with no parameters. A returned
``Failed(message='quota exceeded')`` reached it as ``"Task run encountered unexpected
exception: FailedRun('quota exceeded')"``. A condition calling ``state.result()`` put its
own frames and flowtop's in front of the task's traceback (the history's and ``flowtop
run``'s error location pointed into the condition), and the flow's state message became
the condition's state's.
"""

from __future__ import annotations

import asyncio
import traceback
from typing import Any

import pytest

from flowtop import flow, get_run_logger, task
from flowtop.context import TaskRunContext
from flowtop.engine import Runner
from flowtop.engine.executors import ProcessBackend
from flowtop.exceptions import FailedRun
from flowtop.runtime import task_run as runtime_task_run
from flowtop.states import Failed

#: What each condition saw, in the order asked.
seen: list[dict[str, Any]] = []


def looks_around(tsk: Any, task_run: Any, state: Any) -> bool:
    """Records the run context it is asked in, logs, and asks for one retry."""
    context = TaskRunContext.get()
    seen.append(
        {
            "context": context is not None and context.task_run.id == task_run.id,
            "run_count": task_run.run_count,
            "runtime_run_count": runtime_task_run.run_count,
            "parameters": runtime_task_run.parameters,
            "state_name": task_run.state_name,
        }
    )
    get_run_logger().warning("deciding on retry %s", task_run.run_count)
    return task_run.run_count < 2


async def looks_around_async(tsk: Any, task_run: Any, state: Any) -> bool:
    await asyncio.sleep(0)
    return looks_around(tsk, task_run, state)


def _context_seen() -> list[dict[str, Any]]:
    return [
        {
            "context": True,
            "run_count": n,
            "runtime_run_count": n,
            "parameters": {"day": "mon"},
            "state_name": "Running" if n == 1 else "Retrying",
        }
        for n in (1, 2)
    ]


@task(retries=3, retry_delay_seconds=0, retry_condition_fn=looks_around)
def sync_orders(day: str) -> str:
    raise ConnectionError(f"api 502 on {day}")


@flow
def orders() -> Any:
    return sync_orders("mon", return_state=True)


def _attempt_outputs(result: Any, key: str) -> list[str]:
    return [attempt.output for attempt in result.attempts[key]]


def test_a_condition_runs_in_its_attempts_task_run_context() -> None:
    seen.clear()
    with Runner() as runner:
        result = runner.run(orders)
    assert seen == _context_seen()
    first, second = _attempt_outputs(result, "sync_orders")
    # its run logger's lines are the attempt's output, as the task's own lines are
    assert "WARNING" in first and "deciding on retry 1" in first
    assert "deciding on retry 2" in second and "deciding on retry 1" not in second


def test_a_condition_using_the_run_logger_lets_the_task_retry_and_complete() -> None:
    """c33: the logger's MissingContextError was "the condition raised": no retry."""
    calls: list[int] = []

    def logs(tsk: Any, task_run: Any, state: Any) -> bool:
        get_run_logger().warning("retrying %s", task_run.run_count)
        return True

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=logs)
    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("api 502")
        return "synced"

    @flow
    def pipeline() -> str:
        return flaky()

    assert pipeline() == "synced" and len(calls) == 3


@pytest.mark.parametrize(
    ("async_task", "condition"),
    [(False, looks_around_async), (True, looks_around), (True, looks_around_async)],
    ids=["sync-task-async-condition", "async-task-sync-condition", "async-both"],
)
def test_async_tasks_and_conditions_run_in_the_context_too(
    async_task: bool, condition: Any
) -> None:
    seen.clear()
    if async_task:

        @task(retries=3, retry_delay_seconds=0, retry_condition_fn=condition)
        async def sync_orders(day: str) -> str:
            raise ConnectionError(day)

        @flow
        async def pipeline() -> Any:
            return await sync_orders("mon", return_state=True)

    else:

        @task(retries=3, retry_delay_seconds=0, retry_condition_fn=condition)
        def sync_orders(day: str) -> str:
            raise ConnectionError(day)

        @flow
        def pipeline() -> Any:
            return sync_orders("mon", return_state=True)

    with Runner() as runner:
        result = runner.run(pipeline)
    assert seen == _context_seen()
    assert "deciding on retry 1" in _attempt_outputs(result, "sync_orders")[0]


def test_with_the_process_executor_the_condition_runs_in_the_context_too() -> None:
    """The attempt runs in a worker process; its condition, in the run's."""
    seen.clear()
    with Runner(backend=ProcessBackend(1)) as runner:
        result = runner.run(orders)
    assert seen == _context_seen()
    assert "deciding on retry 1" in _attempt_outputs(result, "sync_orders")[0]


def test_a_retry_predicate_runs_in_the_attempts_context_as_well() -> None:
    """flowtop's own ``retry_predicate(state)`` is decided the same way."""

    def predicate(state: Any) -> bool:
        context = TaskRunContext.get()
        assert context is not None and context.task_run.run_count == state.attempt
        get_run_logger().warning("weighing attempt %s", state.attempt)
        return state.attempt < 2

    @task(max_retries=2, retry_predicate=predicate)
    def flaky() -> None:
        raise ConnectionError("down")

    @flow
    def pipeline() -> Any:
        return flaky(return_state=True)

    with Runner() as runner:
        result = runner.run(pipeline)
    first, second = _attempt_outputs(result, "flaky")
    assert "weighing attempt 1" in first and "weighing attempt 2" in second


# -- the state it is given ------------------------------------------------------------------
def _state_of_each_attempt(returned: Any) -> list[tuple[Any, ...]]:
    states: list[tuple[Any, ...]] = []

    def condition(tsk: Any, task_run: Any, state: Any) -> bool:
        try:
            state.result()
            raised: Any = None
        except Exception as exc:  # noqa: BLE001 - what it raised is what is checked
            raised = exc
        kept = state.result(raise_on_failure=False)
        states.append((state.name, state.type.value, state.message, raised, kept))
        return task_run.run_count < 2

    @task(retries=3, retry_delay_seconds=0, retry_condition_fn=condition)
    def check() -> Any:
        return returned

    @flow
    def pipeline() -> tuple[bool, str | None]:
        final = check(return_state=True)
        return final.is_failed(), final.message

    assert pipeline() == (True, returned.message)
    assert len(states) == 2 and states[0][:3] == states[1][:3]
    return states


def test_a_returned_failed_state_is_what_the_condition_gets() -> None:
    """c29: its message was ``Task run encountered unexpected exception: FailedRun(...)``."""
    (name, kind, message, raised, kept), _ = _state_of_each_attempt(
        Failed(message="quota exceeded")
    )
    assert (name, kind, message) == ("Failed", "FAILED", "quota exceeded")
    assert isinstance(raised, FailedRun) and str(raised) == "quota exceeded"
    assert isinstance(kept, FailedRun) and str(kept) == "quota exceeded"  # not yet recorded


def test_a_returned_failed_state_keeps_its_name_and_data() -> None:
    """c31: ``data=PermissionError('quota')`` gave that error's repr as the message."""
    quota = PermissionError("quota")
    (name, kind, message, raised, kept), _ = _state_of_each_attempt(
        Failed(message="quota exceeded", data=quota, name="Quota")
    )
    assert (name, kind, message) == ("Quota", "FAILED", "quota exceeded")
    assert raised is quota and kept is quota


def test_a_returned_failed_state_with_data_that_is_no_exception() -> None:
    (_, _, message, raised, kept), _ = _state_of_each_attempt(Failed(message="weird", data=42))
    assert message == "weird" and kept == 42
    assert isinstance(raised, TypeError) and "int cannot be resolved" in str(raised)


def test_a_raised_error_is_prefects_unexpected_exception_state() -> None:
    name, kind, message, raised, kept = _failed_with_condition_reading_the_result()
    assert (name, kind) == ("Failed", "FAILED")
    assert message == "Task run encountered unexpected exception: ValueError('boom')"
    assert raised is kept and isinstance(raised, ValueError)


# -- the error's traceback ------------------------------------------------------------------
def _frames(error: BaseException) -> list[str]:
    return [frame.name for frame in traceback.extract_tb(error.__traceback__)]


def _failed_with_condition_reading_the_result() -> tuple[Any, ...]:
    states: list[tuple[Any, ...]] = []

    def reads_result(tsk: Any, task_run: Any, state: Any) -> bool:
        try:
            state.result()
        except ValueError as exc:
            states.append((state.name, state.type.value, state.message, exc))
        states[-1] = (*states[-1], state.result(raise_on_failure=False))
        return False

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=reads_result)
    def boom() -> None:
        raise ValueError("boom")

    @flow
    def pipeline() -> None:
        boom()

    with pytest.raises(ValueError, match="boom") as raised:
        pipeline()
    assert "boom" in _frames(raised.value)
    assert not {"reads_result", "result", "_result"} & set(_frames(raised.value))
    (state,) = states
    return state


def test_a_condition_reading_the_result_leaves_the_tasks_traceback() -> None:
    """c04, c31: the history's error location was the condition's ``state.result()``."""

    def reads_result(tsk: Any, task_run: Any, state: Any) -> bool:
        with pytest.raises(ValueError, match="boom"):
            state.result()
        return task_run.run_count < 2

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=reads_result)
    def boom() -> None:
        raise ValueError("boom")

    @flow
    def pipeline() -> Any:
        return boom(return_state=True)

    with Runner() as runner:
        result = runner.run(pipeline)
    for attempt in result.attempts["boom"]:
        assert attempt.error is not None
        assert "in boom" in attempt.error.traceback
        assert "reads_result" not in attempt.error.traceback
        assert "prefect_api" not in attempt.error.traceback
    assert _failed_with_condition_reading_the_result()  # raised in the flow: the same


def test_a_returned_failed_states_error_gets_no_location_in_the_condition() -> None:
    """c31: a ``data=`` error never raised was located at the condition's line."""

    def reads_result(tsk: Any, task_run: Any, state: Any) -> bool:
        with pytest.raises(PermissionError):
            state.result()
        return task_run.run_count < 2

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=reads_result)
    def returns_failed() -> Any:
        return Failed(message="quota exceeded", data=PermissionError("quota"))

    @flow
    def pipeline() -> Any:
        return returns_failed(return_state=True)

    with Runner() as runner:
        result = runner.run(pipeline)
    for attempt in result.attempts["returns_failed"]:
        assert attempt.error is not None and "reads_result" not in attempt.error.traceback


def test_the_flows_state_is_its_own_after_a_condition_read_the_result() -> None:
    """The condition's ``state.result()`` marked the error as raised for that state, so
    the flow's message was ``Task run encountered unexpected exception: ValueError(...)``
    where Prefect's is ``Flow run encountered an exception: ValueError: boom``."""

    def reads_result(tsk: Any, task_run: Any, state: Any) -> bool:
        with pytest.raises(ValueError, match="boom"):
            state.result()
        return False

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=reads_result)
    def boom() -> None:
        raise ValueError("boom")

    @flow
    def pipeline() -> None:
        boom()

    state = pipeline(return_state=True)
    assert state.message == "Flow run encountered an exception: ValueError: boom"


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_a_task_called_outside_any_flow_asks_its_condition_in_context_too(
    is_async: bool,
) -> None:
    """Called as a plain function (no flow), the condition still had no context."""
    asked: list[tuple[bool, int]] = []
    calls: list[int] = []

    def logs(tsk: Any, task_run: Any, state: Any) -> bool:
        context = TaskRunContext.get()
        asked.append(
            (context is not None and context.task_run.id == task_run.id, task_run.run_count)
        )
        get_run_logger().warning("retrying %s", task_run.run_count)
        with pytest.raises(ConnectionError):
            state.result()
        return True

    def body() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("api 502")
        return "synced"

    async def abody() -> str:
        return body()

    made = task(retries=2, retry_delay_seconds=0, retry_condition_fn=logs)(
        abody if is_async else body
    )
    got = asyncio.run(made()) if is_async else made()
    assert (got, asked) == ("synced", [(True, 1), (True, 2)])


def test_a_late_attempt_does_not_take_what_the_live_ones_condition_said(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a condition said was kept by task key alone: the timed-out attempt's thread,
    coming back while the timer's conclusion waited, took it, and neither attempt had it."""
    import threading
    import time

    from flowtop.engine import task_runs

    real = task_runs.concluding

    def timer_late(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name.startswith("flowtop-timer"):
            time.sleep(0.2)  # the scheduling that let the late thread in first
        return real(*args, **kwargs)

    monkeypatch.setattr(task_runs, "concluding", timer_late)

    def says(tsk: Any, task_run: Any, state: Any) -> bool:
        time.sleep(0.15)
        print(f"retry after {type(state.data).__name__}")
        return True

    calls: list[int] = []

    @task(retries=1, retry_delay_seconds=0, retry_condition_fn=says, timeout_seconds=0.2)
    def slow() -> str:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.5)  # blocked in C: the interrupt lands when it returns
        return "ok"

    @flow
    def pipeline() -> Any:
        return slow(return_state=True)

    with Runner() as runner:
        result = runner.run(pipeline)
    assert _attempt_outputs(result, "slow")[0] == "retry after TaskTimeout\n"
