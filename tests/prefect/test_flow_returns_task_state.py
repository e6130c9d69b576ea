"""A ``@flow`` whose body returns one task's state, as in Prefect 3.9.1 (checked side by
side): the flow run's state is Prefect's aggregate of that state (``1/1 states failed.``,
``All states completed.``) whose data is the task's state, while the call itself raises
the task's exception."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.states import State


@task
def bad() -> int:
    raise ValueError("meh")


@task
def good() -> int:
    return 1


@flow
def returns_failed_state() -> Any:
    return bad(return_state=True)


@flow
def returns_waited_future() -> Any:
    future = bad.submit()
    return future.wait() or future.state


def test_a_returned_failed_task_state_is_prefects_aggregate() -> None:
    """It was ``Flow run encountered an exception: ValueError: meh`` with the ValueError as
    ``result(raise_on_failure=False)``; Prefect says ``1/1 states failed.`` and hands back
    the task's state."""
    for fl in (returns_failed_state, returns_waited_future):
        state = fl(return_state=True)
        assert (state.is_failed(), state.message) == (True, "1/1 states failed.")
        inner = state.result(raise_on_failure=False)
        assert isinstance(inner, State) and inner.is_failed()
        assert inner.message == "Task run encountered an exception ValueError: meh"
        with pytest.raises(ValueError, match="meh"):
            state.result()
        with pytest.raises(ValueError, match="meh"):  # the plain call raises, as Prefect's
            fl()

    @flow
    def two() -> Any:  # a list of them, as before
        return [bad(return_state=True), good(return_state=True)]

    state = two(return_state=True)
    assert (state.is_failed(), state.message) == (True, "1/2 states failed.")


def test_returned_completed_states_say_all_states_completed() -> None:
    @flow
    def one() -> Any:
        return good(return_state=True)

    @flow
    def both() -> Any:
        return [good(return_state=True), good.submit()]

    for fl in (one, both):
        state = fl(return_state=True)
        assert (state.is_completed(), state.message) == (True, "All states completed.")
    assert isinstance(one(), State)


def test_on_failure_hooks_get_the_aggregate_message() -> None:
    seen: list[str | None] = []

    @flow(on_failure=[lambda fl, run, state: seen.append(state.message)])
    def hooked() -> Any:
        return bad(return_state=True)

    with pytest.raises(ValueError, match="meh"):
        hooked()
    assert seen == ["1/1 states failed."]


def test_a_subflow_call_that_raises_it_is_the_caller_s_own_exception() -> None:
    """The parent's body raised the task's exception (calling the subflow without
    ``return_state``): the parent's state is an exception of its own, not the subflow's
    aggregate, as in Prefect."""

    @flow
    def parent() -> Any:
        return returns_failed_state()

    @flow
    def parent_reads_state() -> Any:
        state = returns_failed_state(return_state=True)
        return [state.message, type(state.result(raise_on_failure=False)).__name__]

    state = parent(return_state=True)
    assert state.message == "Flow run encountered an exception: ValueError: meh"
    assert isinstance(state.result(raise_on_failure=False), ValueError)
    assert parent_reads_state() == ["1/1 states failed.", "State"]


def test_async_flows_and_flow_retries_keep_the_aggregate() -> None:
    @flow
    async def achild() -> Any:
        return bad(return_state=True)

    @flow(retries=1, retry_delay_seconds=0)
    def retried() -> Any:
        return bad(return_state=True)

    for state in (asyncio.run(achild(return_state=True)), retried(return_state=True)):
        assert state.message == "1/1 states failed."
        assert isinstance(state.result(raise_on_failure=False), State)
