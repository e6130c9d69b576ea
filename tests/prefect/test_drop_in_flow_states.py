"""A drop-in flow's refused call, its returned groups of states and drop-in
``prefect.states``' constructors, as in Prefect 3.9.1 (checked side by side).

Prefect makes the flow run before it validates the parameters: a refused value is a
``Failed`` run (its ``on_failure`` hooks called, no retry, no ``on_running``), and an
``async def`` flow's call gives a coroutine that raises when awaited. Prefect's
``AwaitingRetry()`` is a ``SCHEDULED`` state by that name.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
from typing import Any

import pytest

from engine.kit import Recorder
from flowtop import states as flowtop_states
from flowtop.compat import flow_validation, prefect_states
from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine import RunFinished, Runner, RunStarted, StateType
from flowtop.exceptions import ParameterTypeError
from flowtop.looks import run_error_text

REFUSED = (
    "Flow run received invalid parameters:\n"
    " - n: Input should be a valid integer, unable to parse string as an integer"
)
#: Prefect 3.9.1's message of the state of a run whose parameters it refused.
VALIDATION_FAILED = (
    f"Validation of flow parameters failed with error: ParameterTypeError: {REFUSED}"
)


def _hooked(seen: list[str]) -> Any:
    """A drop-in flow with retries and hooks that say which were called."""

    def on_failure(flow: Any, flow_run: Any, state: Any) -> None:
        seen.append(f"on_failure {state.type.value} {flow_run.parameters}")

    def on_running(flow: Any, flow_run: Any, state: Any) -> None:
        seen.append("on_running")

    @flow(name="child", retries=2, on_failure=[on_failure], on_running=[on_running])
    def child(n: int) -> int:
        seen.append(f"body {n!r}")
        return n

    return child


def test_a_refused_subflow_call_is_a_failed_run_of_its_own() -> None:
    """It gave a Failed state and recorded no run; Prefect records one, Failed."""
    seen: list[str] = []
    child = _hooked(seen)

    @flow(name="parent")
    def parent() -> Any:
        state = child("abc", return_state=True)
        return state.type, state.name, state.message

    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        result = runner.run(parent)
    assert result.value == (StateType.FAILED, "Failed", VALIDATION_FAILED)
    started = [e for e in recorder.events if isinstance(e, RunStarted)]
    assert [(e.flow, e.parameters) for e in started] == [("parent", None), ("child", '{"n":"abc"}')]
    assert started[1].parent_run == started[0].run_id
    (ended,) = [e for e in recorder.events if isinstance(e, RunFinished) and e.flow == "child"]
    assert ended.state is StateType.FAILED and ended.retry_in is None  # not retried
    assert ended.error is not None and ended.error.type == "ParameterTypeError"
    assert seen == ["on_failure FAILED {'n': 'abc'}"]  # no body, no on_running


def test_a_refused_call_outside_any_flow_raises_after_its_failed_run() -> None:
    seen: list[str] = []
    child = _hooked(seen)
    with pytest.raises(ParameterTypeError) as raised:
        child("abc")
    assert str(raised.value) == REFUSED
    state = child(n="x", return_state=True)
    assert (state.is_failed(), state.message) == (True, VALIDATION_FAILED.replace("abc", "x"))
    assert isinstance(state.result(raise_on_failure=False), ParameterTypeError)
    with pytest.raises(ParameterTypeError):
        state.result()
    assert seen == ["on_failure FAILED {'n': 'abc'}", "on_failure FAILED {'n': 'x'}"]
    assert child(7) == 7  # a value it takes runs as ever


def test_an_async_flow_s_refused_call_raises_when_awaited() -> None:
    """It raised at the call (and with return_state=True gave a state, not awaitable)."""

    @flow
    async def child(n: int) -> int:
        return n

    async def caller() -> Any:
        call = child("abc")  # no error yet: a coroutine, as Prefect's
        assert inspect.iscoroutine(call)
        with pytest.raises(ParameterTypeError, match="n: Input should be a valid integer"):
            await call
        return await child("abc", return_state=True)

    state = asyncio.run(caller())
    assert (state.is_failed(), state.message) == (True, VALIDATION_FAILED)


def test_a_method_flow_s_refused_call_names_its_parameters() -> None:
    seen: list[dict[str, Any]] = []

    class Loader:
        @flow(on_failure=[lambda flow, flow_run, state: seen.append(flow_run.parameters)])
        def load(self, n: int) -> int:
            return n

    loader = Loader()
    assert loader.load("3") == 3
    assert loader.load("x", return_state=True).message == VALIDATION_FAILED.replace("abc", "x")
    assert seen == [{"n": "x"}]  # Prefect leaves a method flow's self out (checked: 3.9.1)


def test_validation_reads_a_function_s_signature_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A subflow called in a loop read its signature and annotations on every call."""
    reads: list[object] = []
    resolve = flow_validation.hints
    monkeypatch.setattr(flow_validation, "hints", lambda fn: reads.append(fn) or resolve(fn))

    def step(n: int, label: str = "x") -> None:
        pass

    for value in ("1", "2", "3"):
        assert flow_validation.validated(step, (value,), {}) == ((int(value),), {})
    assert reads == [step]


# -- returned groups of states --------------------------------------------------------
def test_a_returned_failed_group_reads_as_returned_not_raised() -> None:
    """`flowtop run` and history said ``flow raised FailedRun: 1/2 states failed.``."""

    @task
    def ok() -> int:
        return 1

    @task
    def bad() -> int:
        raise ValueError("x")

    @flow(name="group")
    def group() -> Any:
        return [ok(return_state=True), bad(return_state=True)]

    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        runner.run(group)
    (ended,) = [e for e in recorder.events if isinstance(e, RunFinished)]
    assert ended.error is not None
    said = run_error_text(ended.error.type, ended.error.message)
    assert said == "flow returned states: 1/2 states failed."
    assert run_error_text("FailedRun", "1/3 states cancelled.").startswith("flow returned states")
    assert run_error_text("FailedRun", "declined") == "flow raised FailedRun: declined"
    assert run_error_text("ValueError", "1/2 states failed.") == (
        "flow raised ValueError: 1/2 states failed."
    )


def test_a_returned_group_with_a_cancelled_state_is_cancelled_as_in_prefect() -> None:
    @task
    def ok() -> int:
        return 1

    @task
    def stop() -> Any:
        return flowtop_states.Cancelled(message="nope")

    @flow
    def group() -> Any:
        return [ok(return_state=True), stop(return_state=True)]

    state = group(return_state=True)
    assert (state.type, state.name, state.message) == (
        StateType.CANCELLED,
        "Cancelled",
        "1/2 states cancelled.",
    )


# -- drop-in prefect.states -------------------------------------------------------------
#: Each constructor's state, called with no arguments, in Prefect 3.9.1: type and name.
PREFECT_STATES = {
    "Scheduled": ("SCHEDULED", "Scheduled"),
    "Late": ("SCHEDULED", "Late"),
    "AwaitingRetry": ("SCHEDULED", "AwaitingRetry"),
    "AwaitingConcurrencySlot": ("SCHEDULED", "AwaitingConcurrencySlot"),
    "Completed": ("COMPLETED", "Completed"),
    "Running": ("RUNNING", "Running"),
    "Retrying": ("RUNNING", "Retrying"),
    "Failed": ("FAILED", "Failed"),
    "Crashed": ("CRASHED", "Crashed"),
    "Cancelling": ("CANCELLING", "Cancelling"),
    "Cancelled": ("CANCELLED", "Cancelled"),
    "Pending": ("PENDING", "Pending"),
    "Paused": ("PAUSED", "Paused"),
    "Suspended": ("PAUSED", "Suspended"),
    "Submitting": ("PENDING", "Submitting"),
    "InfrastructurePending": ("PENDING", "InfrastructurePending"),
}


def test_every_drop_in_constructor_makes_prefects_type_and_name() -> None:
    """``AwaitingRetry()`` was of type ``AWAITING_RETRY``, which Prefect has not."""
    names = prefect_states.names()
    made = {name: names[name]() for name in PREFECT_STATES}
    assert {name: (s.type.value, s.name) for name, s in made.items()} == PREFECT_STATES


def test_drop_in_awaiting_retry_is_scheduled_and_flowtops_own_is_unchanged() -> None:
    when = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    state = prefect_states.names()["AwaitingRetry"](scheduled_time=when, message="soon")
    assert state.type == flowtop_states.StateType.SCHEDULED and state.is_scheduled()
    assert (state.state_details.scheduled_time, state.message, state.is_final()) == (
        when,
        "soon",
        False,
    )
    assert prefect_states.names()["AwaitingRetry"]().state_details.scheduled_time is not None
    assert flowtop_states.AwaitingRetry().type is StateType.AWAITING_RETRY
