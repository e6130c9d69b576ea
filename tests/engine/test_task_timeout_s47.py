"""A sync task past its timeout is stopped by an exception ``except Exception`` cannot
catch, and a drop-in task's ``TaskTimeout`` reads as Prefect's.

``TaskTimeout`` (a ``TimeoutError``) used to be raised in the task's code: a polling
loop with a broad ``except Exception`` swallowed it, and the timed-out attempt ran on
beside its retry (side effects twice, after the flow had read ``TimedOut``). Prefect
3.9.1 raises a ``CancelledError`` there, a ``BaseException``: the attempt stops (checked
side by side: ``c50_timeout_swallowed``). Its message, ``Scope timed out after 0.3
second(s).``, is what Prefect code reads of the timeout (``c15_timeout``), where a drop-in
task's said ``attempt 2 of 'slow_query' ran past its timeout of 0.3s (TaskTimeout was
raised …)``.
"""

from __future__ import annotations

import asyncio
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from flowtop import Flow, StateType, TaskTimeout, flow, task
from flowtop.compat.prefect_tasks import task as drop_in_task
from flowtop.engine import Runner
from flowtop.engine.errors import PrefectTimeout
from flowtop.engine.flow_hooks import FlowInterrupted
from flowtop.engine.task_interrupted import TaskInterrupted
from flowtop.engine.timer import ManualClock
from flowtop.engine.user_call import in_code

from .kit import wait_until


class Poller:
    """A task body that polls until released, its one ``except Exception`` around each
    check (a flaky status call): notes each attempt's start, what it swallowed, and
    whether its loop ran to its end."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started: list[threading.Thread] = []
        self.swallowed: list[str] = []
        self.finished: list[int] = []

    def __call__(self) -> str:
        self.started.append(threading.current_thread())
        attempt = len(self.started)
        while not self.release.is_set():
            try:
                time.sleep(0.002)
            except Exception as exc:  # noqa: BLE001 - the careless broad except, under test
                self.swallowed.append(type(exc).__name__)
        self.finished.append(attempt)
        return "ready"

    def stopped(self) -> bool:
        return all(not thread.is_alive() for thread in self.started)


def run_past_timeouts(
    body: Callable[[], Any], started: list[threading.Thread], attempts: int, timeout: float = 0.2
) -> Any:
    """Run ``body`` as a task with ``timeout`` and one retry fewer than ``attempts`` on a
    ManualClock, moving the clock past the timeout once each attempt has started (the
    threads it notes in ``started``)."""
    graph = Flow("polls")
    graph.add_task(task(body, name="poll", timeout=timeout, max_retries=attempts - 1))
    clock = ManualClock()
    runner = Runner(2, clock=clock)
    try:
        run = runner.start(graph)
        for attempt in range(1, attempts + 1):
            wait_until(lambda attempt=attempt: len(started) >= attempt)
            clock.advance(timeout)
        return run.result(timeout=10)
    finally:
        runner.shutdown(wait=False)


def test_a_broad_except_in_the_task_does_not_keep_a_timed_out_attempt_running() -> None:
    poller = Poller()
    try:
        result = run_past_timeouts(poller, poller.started, attempts=2)
        state = result["poll"]
        assert state.type is StateType.FAILED and state.attempt == 2
        assert isinstance(state.exception, TaskTimeout)  # the attempt's error, as before
        wait_until(poller.stopped)  # each attempt stopped at its timeout, none ran on
        assert poller.swallowed == [] and poller.finished == []
        errors = [attempt.error for attempt in result.attempts["poll"]]
        assert [error.type if error else None for error in errors] == ["TaskTimeout"] * 2
    finally:
        poller.release.set()


def test_a_task_that_catches_base_exception_is_still_timed_out_and_replaced() -> None:
    """What stops it can be caught (``except BaseException``, as Prefect's CancelledError
    can): the attempt has failed already, its retry runs on a new worker, the run ends."""
    release, started, caught = threading.Event(), list[threading.Thread](), list[str]()

    def stubborn() -> None:
        started.append(threading.current_thread())
        while not release.is_set():
            try:
                time.sleep(0.002)
            except BaseException as exc:  # noqa: BLE001 - what a stubborn task does
                caught.append(type(exc).__name__)

    try:
        result = run_past_timeouts(stubborn, started, attempts=2)
        state = result["poll"]
        assert state.type is StateType.FAILED and isinstance(state.exception, TaskTimeout)
        first, second = started
        assert first is not second and first.is_alive()  # given up and replaced, still looping
        message = result.attempts["poll"][0].error.message
        assert "a new worker took its place" in message, message
        wait_until(lambda: caught == ["TaskInterrupted"] * 2)
    finally:
        release.set()
    wait_until(lambda: not any(thread.is_alive() for thread in started))


def test_a_task_called_outside_any_flow_stops_despite_its_broad_except() -> None:
    poller = Poller()
    polling = task(poller, name="poll", timeout=0.05)
    try:
        with pytest.raises(TaskTimeout, match=r"timed out after 0\.05 seconds"):
            polling()
        wait_until(poller.stopped)
        assert poller.swallowed == [] and poller.finished == []
    finally:
        poller.release.set()


def test_what_is_raised_in_the_code_is_never_an_exception() -> None:
    assert in_code(TaskTimeout) is TaskInterrupted and in_code(TimeoutError) is TaskInterrupted
    assert in_code(FlowInterrupted) is FlowInterrupted  # a flow's stop was one already
    assert issubclass(TaskInterrupted, asyncio.CancelledError)  # as Prefect's, and async tasks'
    assert "ran past its timeout" in str(TaskInterrupted())


# -- the message ------------------------------------------------------------------------
def test_a_flowtop_task_s_timeout_keeps_flowtop_s_words() -> None:
    error = TaskTimeout("attempt 2 of 'x' ran past its timeout of 0.3s (how)", 0.3)
    assert str(error) == error.explanation == "attempt 2 of 'x' ran past its timeout of 0.3s (how)"
    assert getattr(error, "__notes__", None) is None and error.timeout == 0.3


def test_a_prefect_timeout_reads_as_prefect_s_and_keeps_the_explanation_as_a_note() -> None:
    error = TaskTimeout("attempt 2 of 'x' ran past its timeout of 2s (how)", PrefectTimeout(2))
    assert str(error) == "Scope timed out after 2.0 second(s)."  # Prefect's float(2)
    assert repr(error) == "TaskTimeout('Scope timed out after 2.0 second(s).')"
    assert error.__notes__ == [error.explanation] and type(error.timeout) is float
    copy = pickle.loads(pickle.dumps(error))  # the process executor ships it back
    assert str(copy) == str(error) and copy.explanation == error.explanation
    assert copy.__notes__ == error.__notes__ and copy.timeout == 2.0


def _hangs() -> None:
    while True:
        time.sleep(0.002)


def test_a_drop_in_task_s_timeout_reads_as_prefect_s_where_its_flow_reads_it() -> None:
    heard: list[str] = []

    def on_failure(task: Any, task_run: Any, state: Any) -> None:
        heard.append(str(state.result(raise_on_failure=False)))

    slow = drop_in_task(_hangs, name="slow_query", timeout_seconds=0.05, on_failure=[on_failure])

    @flow
    def reads() -> tuple[str, str]:
        state = slow(return_state=True)
        try:
            state.result()
        except TimeoutError as exc:
            return state.message or "", str(exc)
        return "", "not raised"

    message, raised = reads()
    assert raised == "Scope timed out after 0.05 second(s)."
    assert message == "Task run exceeded timeout of 0.05 second(s)"  # the state's, as before
    assert heard == [raised]
    with pytest.raises(TaskTimeout) as outside:
        slow()  # outside any flow too
    assert str(outside.value) == raised


def test_a_drop_in_task_s_record_keeps_flowtop_s_explanation_in_its_traceback() -> None:
    graph = Flow("drop-in")
    graph.add_task(drop_in_task(_hangs, name="slow_query", timeout_seconds=0.2))
    clock = ManualClock()
    with Runner(2, clock=clock) as runner:
        run = runner.start(graph)
        wait_until(lambda: run.tasks["slow_query"].state is StateType.RUNNING)
        clock.advance(0.2)
        result = run.result(timeout=10)
    error = result.attempts["slow_query"][0].error
    assert error is not None and error.message == "Scope timed out after 0.2 second(s)."
    assert "attempt 1 of 'slow_query' ran past its timeout of 0.2s" in error.traceback


def test_the_interrupt_stops_a_task_whose_nested_call_is_deciding_its_retry() -> None:
    """A task past its timeout while a task it called was asking its retry condition: the
    condition's ``except BaseException`` took the interrupt as the condition's own failure,
    the inner task failed with its own error, and the outer task's ``except Exception``
    ran on beside its retry."""
    import time

    from flowtop import flow, task

    went_on: list[str] = []

    def slow_condition(tsk: object, task_run: object, state: object) -> bool:
        end = time.monotonic() + 0.6
        while time.monotonic() < end:
            pass
        return False

    @task(retries=1, retry_delay_seconds=0, retry_condition_fn=slow_condition)
    def inner() -> None:
        raise ValueError("flaky")

    calls: list[int] = []

    @task(retries=1, retry_delay_seconds=0, timeout_seconds=0.2)
    def outer() -> str:
        calls.append(1)
        if len(calls) == 1:
            try:
                inner()
            except Exception:  # noqa: BLE001 - the broad handler a timeout must get through
                went_on.append("swallowed")
            went_on.append("ran on past its timeout")
            return "late"
        return "ok"

    @flow
    def parent() -> str:
        return outer()

    assert parent() == "ok"
    time.sleep(0.8)  # (the first attempt's thread, given up, would have gone on meanwhile)
    assert went_on == []
