"""Prefect 3's states and futures: return_state, future.state/wait, wait_for,
allow_failure, unmapped, with_options, what a flow may return, tasks outside flows."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from flowtop import allow_failure, flow, task, unmapped
from flowtop.engine import RunFinished, Runner, StateType, UpstreamFailed
from flowtop.engine.events import ErrorInfo
from flowtop.engine.prefect_api import UnfinishedRun as PrefectUnfinishedRun
from flowtop.exceptions import FailedRun, UnfinishedRun
from flowtop.futures import as_completed, wait
from flowtop.states import Completed, Failed, State


@task
def boom() -> None:
    raise ValueError("boom")


@task
def double(x: int) -> int:
    return x * 2


def run(pipeline: Any) -> Any:
    with Runner() as runner:
        return runner.run(pipeline)


def test_flow_returning_states_fails_when_one_failed() -> None:
    @flow
    def pipeline() -> tuple[Any, Any]:
        return boom(return_state=True), double(2, return_state=True)

    result = run(pipeline)
    assert result.state is StateType.FAILED and result.error is None  # as Prefect 3.9
    bad, good = result.value
    assert bad.is_failed() and good.result() == 4


def test_state_constructors_and_result() -> None:
    done = Completed(data=5)
    assert done.is_completed() and not done.is_failed() and done.result() == 5
    err = ValueError("x")
    failed = Failed(data=err)
    assert failed.is_failed() and failed.result(raise_on_failure=False) is err
    with pytest.raises(ValueError, match="x"):
        failed.result()
    with pytest.raises(FailedRun, match="went wrong"):
        Failed(message="went wrong").result()


def test_return_state_in_a_flow_never_raises() -> None:
    @flow
    def pipeline() -> dict[str, Any]:
        return {"bad": boom(return_state=True), "good": double(2, return_state=True)}

    result = run(pipeline)
    assert result.error is None  # a dict is a value, not a state collection
    bad, good = result.value["bad"], result.value["good"]
    assert isinstance(bad, State) and bad.is_failed() and bad.type is StateType.FAILED
    assert isinstance(bad.result(raise_on_failure=False), ValueError)
    assert good.is_completed() and good.result() == 4


def test_future_state_and_wait() -> None:
    release = threading.Event()

    @task
    def slow() -> int:
        release.wait(5)
        return 7

    @flow
    def pipeline() -> list[Any]:
        future = slow.submit()
        before = future.state
        release.set()
        assert future.wait() is None  # as Prefect: wait() returns nothing
        return [before.is_final(), future.state.is_completed(), future.state.result()]

    assert run(pipeline).value == [False, True, 7]


def test_wait_for_orders_without_passing_data_and_fails_downstream() -> None:
    order: list[str] = []

    @task
    def first() -> None:
        order.append("first")

    @task
    def second() -> str:
        order.append("second")
        return "ok"

    @flow
    def pipeline() -> Any:
        f = first.submit()
        s = second.submit(wait_for=[f])
        b = boom.submit()
        after_boom = second.submit(wait_for=[b])
        after_boom.wait()  # boom may still be failing (its failure is logged first)
        return s.result(), after_boom.state

    with Runner() as runner:
        run = runner.start(pipeline)
        result = run.final_result()
    value, blocked = result.value
    assert value == "ok" and order[:2] == ["first", "second"]
    assert blocked.is_failed() and blocked.type is StateType.UPSTREAM_FAILED
    assert result.states["second"].is_completed()
    assert result.states["second-2"].type is StateType.UPSTREAM_FAILED
    assert "second-2" in result.flow.known_nodes and result.flow.known_nodes["second"].upstream == [
        "first"
    ]


def test_allow_failure_runs_downstream_with_the_upstream_exception() -> None:
    @task
    def report(upstream: Any) -> str:
        return f"got {type(upstream).__name__}"

    @flow
    def pipeline() -> Any:
        b = boom.submit()
        r = report.submit(allow_failure(b))
        after = double.submit(1, wait_for=[allow_failure(b)])
        return r.result(), after.result()

    assert run(pipeline).value == ("got ValueError", 2)


def test_allow_failure_of_a_list_of_futures_allows_each() -> None:
    """Around `task.map(...)` (or a list of futures) it allowed nothing: the task ended
    UPSTREAM_FAILED, where Prefect passes each failure's exception in its place."""

    @task
    def maybe(x: int) -> int:
        if x == 1:
            raise ValueError("one")
        return x

    @task
    def gather(xs: list[Any]) -> list[str]:
        return [type(x).__name__ if isinstance(x, Exception) else str(x) for x in xs]

    @flow
    def pipeline() -> Any:
        mapped = gather.submit(allow_failure(maybe.map(range(3))))
        listed = gather.submit(allow_failure([maybe.submit(0), maybe.submit(1)]))
        return mapped.result(), listed.result()

    assert run(pipeline).value == (["0", "ValueError", "2"], ["0", "ValueError"])


def test_allow_failure_of_an_already_failed_future() -> None:
    @task
    def report(upstream: Any) -> str:
        return type(upstream).__name__

    @flow
    def pipeline() -> str:
        b = boom.submit()
        b.wait()
        return report(allow_failure(b))

    assert run(pipeline).value == "ValueError"


def test_unmapped_is_passed_whole_to_every_call() -> None:
    @task
    def add(x: int, ys: list[int]) -> int:
        return x + sum(ys)

    @flow
    def pipeline() -> list[int]:
        return [f.result() for f in add.map([1, 2, 3], unmapped([10, 20]))]

    assert run(pipeline).value == [31, 32, 33]


def test_map_maps_a_quoted_list_and_a_future_s_list_as_prefect_does() -> None:
    """`pair.map([1, 2], quote([10, 20]))` paired each call with the whole list, and
    `pair.map(quote([1, 2]), 0)` or `dbl.map(items.submit())` raised "needs at least one
    list": Prefect maps a quoted list (each item quoted again) and a future's result."""
    from flowtop import quote

    @task
    def pair(a: Any, b: Any) -> tuple[Any, Any]:
        return (a, b)

    @task
    def items() -> list[int]:
        return [1, 2, 3]

    @task
    def dbl(x: int) -> int:
        return 2 * x

    @flow
    def pipeline() -> tuple[Any, ...]:
        quoted = pair.map([1, 2], quote([10, 20])).result()
        alone = pair.map(quote([1, 2]), 0).result()
        from_future = dbl.map(items.submit()).result()
        failed = pair.map([1, 2], boom.submit(), return_state=True)
        return quoted, alone, from_future, [s.type.value for s in failed]

    assert run(pipeline).value == (
        [(1, 10), (2, 20)],
        [(1, 0), (2, 0)],
        [2, 4, 6],
        ["UPSTREAM_FAILED", "UPSTREAM_FAILED"],  # a failed future is passed whole
    )


def test_map_gives_a_future_list_read_and_waited_for_as_one() -> None:
    """Prefect's docs write `add.map(numbers, 10).result()`: a plain list had no
    `.result()`; and `map(..., return_state=True)` gave futures, not states."""
    from flowtop.futures import PrefectFutureList

    @task
    def add(x: int, y: int) -> int:
        if x < 0:
            raise ValueError("negative")
        return x + y

    @flow
    def pipeline() -> tuple[Any, ...]:
        futures = add.map([1, 2, 3], 10)
        futures.wait()
        failing = add.map([-1, 2], 1)
        states = add.map([4, -5], 1, return_state=True)
        return (
            isinstance(futures, PrefectFutureList),
            futures.result(),
            [type(r).__name__ for r in failing.result(raise_on_failure=False)],
            [(s.is_completed(), s.is_failed()) for s in states],
        )

    assert run(pipeline).value == (
        True,
        [11, 12, 13],
        ["ValueError", "int"],
        [(True, False), (False, True)],
    )


def test_wait_for_passes_over_what_is_not_a_future_of_this_run() -> None:
    """Prefect's docs: `x = fails.submit().result(raise_on_failure=False)` then
    `succeeds.submit(wait_for=[x])` runs (x is the exception, nothing to wait for); it
    was a TypeError. A future of another run is waited for, as outside any flow."""

    @task
    def fails() -> None:
        raise ValueError("bad")

    @task
    def succeeds() -> str:
        return "ok"

    kept: list[Any] = []

    @flow
    def earlier() -> None:
        kept.append(succeeds.submit())

    run(earlier)

    @flow
    def always_succeeds() -> list[str]:
        x = fails.submit().result(raise_on_failure=False)
        return [succeeds.submit(wait_for=[x, 3, *kept]).result(), succeeds(wait_for=x)]

    assert run(always_succeeds).value == ["ok", "ok"]
    assert succeeds(wait_for=[ValueError("outside any flow")]) == "ok"


def test_with_options_copies_the_task_with_changes() -> None:
    calls = []

    @task(retries=0)
    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("down")
        return "up"

    patient = flaky.with_options(name="patient", retries=2, retry_delay_seconds=0)
    assert patient.name == "patient" and patient.policy.max_retries == 2
    assert flaky.policy.max_retries == 0 and flaky.name == "flaky"
    assert patient() == "up" and len(calls) == 3
    with pytest.raises(TypeError, match="with_options: unknown option 'retrys'"):
        flaky.with_options(retrys=2)


def test_flow_returning_a_failed_future_fails_with_its_error() -> None:
    @flow
    def pipeline() -> Any:
        return boom.submit()

    with Runner() as runner:
        result = runner.run(pipeline)
    assert result.state is StateType.FAILED and isinstance(result.error, ValueError)


def test_flow_returning_a_completed_future_returns_its_state() -> None:
    @flow
    def pipeline() -> Any:
        return double.submit(21)

    result = run(pipeline)
    assert result.state is StateType.COMPLETED
    assert isinstance(result.value, State) and result.value.result() == 42  # as Prefect 3


def test_flow_returning_a_manual_state_sets_its_outcome() -> None:
    @flow
    def good() -> Any:
        return Completed(data="fine")

    @flow
    def bad() -> Any:
        return Failed(message="declined")

    with Runner() as runner:
        assert runner.run(good).value == "fine"
        failed = runner.run(bad)
    assert failed.state is StateType.FAILED and isinstance(failed.error, FailedRun)
    # No line of the flow raised it: its traceback was flowtop's frames alone.
    assert failed.error.__traceback__ is None
    # As in Prefect (the docs' example): the returned state's message is the outcome's.
    assert bad(return_state=True).message == "declined"


def test_flow_return_state_true() -> None:
    @flow
    def good() -> int:
        return 3

    state = good(return_state=True)
    assert state.is_completed() and state.result() == 3


def test_task_outside_a_flow_runs_with_its_retries() -> None:
    calls = []

    @task(retries=2, retry_delay_seconds=0)
    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("down")
        return "up"

    assert flaky() == "up" and len(calls) == 3
    calls.clear()
    state = boom(return_state=True)
    assert state.is_failed() and isinstance(state.result(raise_on_failure=False), ValueError)


def test_task_inside_a_task_runs_inline_with_its_retries() -> None:
    calls = []

    @task(retries=1)
    def inner() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("once")
        return 5

    @task
    def outer() -> int:
        return inner() + 1

    @flow
    def pipeline() -> int:
        return outer()

    result = run(pipeline)
    assert result.value == 6 and len(calls) == 2
    assert list(result.states) == ["outer"]  # the inner call is part of outer's attempt


def test_wait_and_as_completed() -> None:
    @flow
    def pipeline() -> tuple[int, int, list[int]]:
        futures = double.map([1, 2, 3])
        done, not_done = wait(futures)
        values = sorted(f.result() for f in as_completed(futures))
        return len(done), len(not_done), values

    assert run(pipeline).value == (3, 0, [2, 4, 6])


def test_upstream_failed_future_result_raises_even_without_raise_on_failure() -> None:
    """The task never ran: no result and no error of its own to return, so Prefect 3 raises
    ``UnfinishedRun`` whatever ``raise_on_failure`` says; ``UpstreamFailed`` is one."""

    @flow
    def pipeline() -> Any:
        b = boom.submit()
        d = double.submit(b)
        after = double.submit(1, wait_for=[b])
        caught = []
        for future in (d, after):
            for raise_on_failure in (True, False):
                with pytest.raises(UnfinishedRun, match="upstream task 'boom' did not complete"):
                    future.result(raise_on_failure=raise_on_failure)
                with pytest.raises(UpstreamFailed):
                    future.state.result(raise_on_failure=raise_on_failure)
                caught.append(raise_on_failure)
        return caught, b.result(raise_on_failure=False)

    caught, boom_error = run(pipeline).value
    assert caught == [True, False, True, False]
    assert isinstance(boom_error, ValueError)  # a task that ran and failed: its error, returned
    assert issubclass(UpstreamFailed, UnfinishedRun) and UnfinishedRun is PrefectUnfinishedRun


def test_flow_returning_futures_of_which_one_failed_returns_their_states() -> None:
    """As Prefect 3.9: the call returns the states, the run ends FAILED "1/2 states failed."."""

    @flow
    def pipeline() -> Any:
        return [double.submit(2), boom.submit()]

    got = pipeline()
    assert [s.type for s in got] == [StateType.COMPLETED, StateType.FAILED]
    assert got[0].result() == 4 and isinstance(got[1].result(raise_on_failure=False), ValueError)

    finished: list[RunFinished] = []
    with Runner(
        sinks=[lambda events: finished.extend(e for e in events if isinstance(e, RunFinished))]
    ) as runner:
        result = runner.run(pipeline)
    assert result.state is StateType.FAILED and result.error is None
    assert [s.type for s in result.value] == [StateType.COMPLETED, StateType.FAILED]
    assert [f.state for f in finished] == [StateType.FAILED]
    assert finished[0].error == ErrorInfo("FailedRun", "1/2 states failed.")


def test_flow_returning_failed_states_return_state_is_failed_with_them_as_data() -> None:
    @flow
    def pipeline() -> Any:
        return (boom.submit(), double.submit(3), boom.submit())

    state = pipeline(return_state=True)
    assert state.is_failed() and state.message == "2/3 states failed."
    assert state.data is state.result(raise_on_failure=False)
    assert [s.type for s in state.data] == [StateType.FAILED, StateType.COMPLETED, StateType.FAILED]
    with pytest.raises(ValueError, match="boom"):
        state.result()

    @flow
    def fine() -> Any:
        return {double.submit(5)}  # a set of states, all completed: the value

    (only,) = fine(return_state=True).result()
    assert only.result() == 10


def test_nested_task_with_a_timeout_keeps_the_outer_attempts_output() -> None:
    @task(timeout_seconds=5)
    def inner() -> int:
        print("inner speaking")
        return 1

    @task
    def outer() -> int:
        return inner() + 1

    @flow
    def pipeline() -> int:
        return outer()

    result = run(pipeline)
    assert result.value == 2 and "inner speaking" in result.attempts["outer"][0].output


def test_a_flow_retry_reuses_a_result_as_its_task_returned_it() -> None:
    """The body appended to the list a task returned; its retry reused the list with the
    append (`[1, 'x', 'x']`), where Prefect reuses the value as returned."""
    tries = {"n": 0}

    @task
    def make() -> list[Any]:
        return [1]

    @flow(retries=1)
    def pipeline() -> list[Any]:
        tries["n"] += 1
        made = make()
        made.append("x")
        if tries["n"] == 1:
            raise ValueError("first")
        return made

    assert run(pipeline).value == [1, "x"]
