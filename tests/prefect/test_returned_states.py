"""A task that returns a state made by hand, as in Prefect 3: ``Failed(...)`` fails the
attempt (and is retried like a raise), ``Completed(...)`` is handed back as it is."""

from __future__ import annotations

import pytest

from flowtop import flow, task
from flowtop.engine import Runner
from flowtop.engine.prefect_api import FailedRun, returned_state
from flowtop.states import Completed, Failed


def test_a_failed_state_made_by_hand_is_the_attempt_s_error() -> None:
    value, error = returned_state(Failed(message="declined"))
    assert value is None and isinstance(error, FailedRun) and str(error) == "declined"
    own = ValueError("mine")
    assert returned_state(Failed(data=own)) == (None, own)
    done = Completed(data=5)
    assert returned_state(done) == (done, None)
    assert returned_state(7) == (7, None)


def test_outside_a_flow_a_returned_failed_state_is_retried_then_handed_back() -> None:
    """Prefect 3.9's engine returns what the task returned: the call raised FailedRun."""
    calls: list[int] = []

    @task(retries=2, retry_delay_seconds=0)
    def declines() -> object:
        calls.append(1)
        return Failed(message="declined")

    state = declines()
    assert (state.is_failed(), state.message, len(calls)) == (True, "declined", 3)
    state = declines(return_state=True)
    assert state.is_failed() and len(calls) == 6


def test_in_a_flow_a_returned_state_is_what_the_call_gives_and_its_data_the_result() -> None:
    """A Failed(...) called in the flow failed the whole flow with FailedRun; a
    Completed(data=5) gave downstream tasks and `.submit().result()` the state object."""

    @task
    def declines() -> object:
        return Failed(message="no rows today")

    @task
    def gives() -> object:
        return Completed(data=5)

    @task
    def double(x: int) -> int:
        return 2 * x

    @flow
    def pipeline() -> list[object]:
        soft = declines()
        handed = gives()
        return [
            soft.message,
            soft.is_failed(),
            handed.result(),
            gives.submit().result(),
            double(gives.submit()),
        ]

    with Runner() as runner:
        result = runner.run(pipeline)
    assert result.value == ["no rows today", True, 5, 5, 10]
    assert result.state.value == "COMPLETED"  # the failure was handled by the flow


def test_outside_a_flow_a_returned_completed_state_is_the_value() -> None:
    @task
    def gives() -> object:
        return Completed(data=5)

    result = gives()
    assert result.is_completed() and result.result() == 5


def test_an_async_task_in_a_flow_returning_failed_is_retried() -> None:
    calls: list[int] = []

    @task(retries=1, retry_delay_seconds=0)
    async def declines() -> object:
        calls.append(1)
        return Failed(message="declined")

    @flow
    async def pipeline() -> bool:
        return bool((await declines(return_state=True)).is_failed())

    with Runner() as runner:
        result = runner.run(pipeline)
    assert result.value is True and len(calls) == 2
    assert result.attempts["declines"][-1].state.value == "FAILED"


def test_a_task_returning_the_failed_state_of_a_task_it_called_fails_and_hands_it_back() -> None:
    """As recorded from Prefect 3.9 (task_in_task_returns_failed_state): inner is retried,
    outer fails with inner's state, and the flow's call gets that state back."""
    calls: list[str] = []

    @task(retries=1, retry_delay_seconds=0)
    def inner() -> object:
        calls.append("inner")
        return Failed(message="inner declined")

    @task
    def outer() -> object:
        calls.append("outer")
        return inner()

    @flow
    def pipeline() -> list[object]:
        state = outer()
        return [state.is_failed(), state.message]

    with Runner() as runner:
        result = runner.run(pipeline)
    assert result.value == [True, "inner declined"]
    assert calls == ["outer", "inner", "inner"]
    assert result.attempts["outer"][-1].state.value == "FAILED"


def test_a_timed_out_task_s_state_is_named_timed_out() -> None:
    import time

    @task(timeout_seconds=0.05)
    def slow() -> None:
        time.sleep(0.5)

    @flow
    def pipeline() -> list[object]:
        state = slow(return_state=True)
        return [state.name, state.is_failed(), state.is_crashed()]

    assert pipeline() == ["TimedOut", True, False]


async def test_state_result_is_awaited_in_async_code_and_futures_stay_sync() -> None:
    done = Completed(data=5)
    pending = done.result()  # a running event loop: Prefect 3 hands back an awaitable
    assert await pending == 5
    assert done.result(_sync=True) == 5
    assert await done.aresult() == 5

    @task
    def double(x: int) -> int:
        return 2 * x

    assert double.submit(4).result() == 8  # a future's result() is sync everywhere


def test_state_result_is_the_value_in_sync_code() -> None:
    assert Completed(data=5).result() == 5


def test_a_flow_failing_on_its_task_s_timeout_did_not_exceed_a_limit_of_its_own() -> None:
    """The task's TaskTimeout carries its limit: the flow's state said "Flow run exceeded
    timeout of 0.2 second(s)", a limit the flow does not have. It is a TimeoutError that
    failed the flow: Prefect 3 names that state TimedOut, "failed due to timeout"."""
    import time

    @task(timeout_seconds=0.2)
    def slow() -> None:
        time.sleep(1)

    @flow
    def pipeline() -> None:
        slow()

    state = pipeline(return_state=True)
    assert state.message.startswith("Flow run failed due to timeout: TaskTimeout(")
    assert state.name == "TimedOut"
    assert slow(return_state=True).message == "Task run exceeded timeout of 0.2 second(s)"


def _kind(value: object) -> object:
    return value if value is None or isinstance(value, int) else type(value).__name__


def test_a_returned_failed_state_s_result_without_raising_is_its_data() -> None:
    """As Prefect 3.9.1, which records the returned state's data: None for
    Failed(message=...), where flowtop gave FailedRun; the data itself otherwise."""

    @task
    def declines(data: object = None) -> object:
        return Failed(message="declined", data=data)

    @flow
    def pipeline() -> list[object]:
        seen: list[object] = []
        for data in (None, ValueError("bad"), 42):
            state = declines(data, return_state=True)
            handed = declines(data)  # the state the task returned, handed back
            seen.append(
                [
                    _kind(state.result(raise_on_failure=False)),
                    _kind(handed.result(raise_on_failure=False)),
                ]
            )
        future = declines.submit()
        future.wait()
        seen.append(_kind(future.state.result(raise_on_failure=False)))
        return seen

    assert pipeline() == [[None, None], ["ValueError", "ValueError"], [42, 42], None]
    assert declines(return_state=True).result(raise_on_failure=False) is None  # no flow
    with pytest.raises(FailedRun, match="declined"):  # raising is unchanged
        declines(return_state=True).result()
    # a state made by hand and never returned keeps Prefect's reading too
    assert isinstance(Failed(message="m").result(raise_on_failure=False), FailedRun)
    assert Failed(message="m", data=42).result(raise_on_failure=False) == 42


def test_a_flow_returning_failed_gives_that_state_s_data_and_message() -> None:
    @flow
    def declines() -> object:
        return Failed(message="flow declined")

    @flow
    def declines_with() -> object:
        return Failed(message="flow declined", data=ValueError("bad"))

    state = declines(return_state=True)
    assert state.is_failed() and state.message == "flow declined"
    assert state.result(raise_on_failure=False) is None
    state = declines_with(return_state=True)
    assert state.message == "flow declined"  # was "Flow run encountered an exception: …"
    assert isinstance(state.result(raise_on_failure=False), ValueError)


def test_a_task_failing_on_another_task_s_returned_failed_state_is_its_own_failure() -> None:
    """outer raises what inner's state raises: a FailedRun of outer's own, as in Prefect
    (outer's state took inner's name and message, and its result read None)."""

    @task
    def inner() -> object:
        return Failed(message="declined", name="Nope")

    @task
    def outer() -> object:
        return inner(return_state=True).result()

    @flow
    def pipeline() -> list[object]:
        state = outer(return_state=True)
        return [state.name, state.message, _kind(state.result(raise_on_failure=False))]

    assert pipeline() == [
        "Failed",
        "Task run encountered an exception FailedRun: declined",
        "FailedRun",
    ]
