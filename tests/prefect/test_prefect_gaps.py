"""Small differences from Prefect 3.9.1, closed; each checked against Prefect itself (and
side by side: ``tests/compat/side_by_side.py``'s ``delay_callable_none``,
``failed_data_result``, ``async_generator_submit``, ``with_context_threads``): a callable
``retry_delay_seconds`` that returned None reads back None, a failed state whose data is
no exception raises Prefect's ``TypeError``, a submitted async generator task fails as in
Prefect, and ``prefect.context.with_context`` exists. Also: a delay refused because
``retry_jitter_factor`` took it past flowtop's cap says so."""

from __future__ import annotations

import multiprocessing
import pickle
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from context_kit import where

from flowtop import flow, task
from flowtop.compat import prefect_imports
from flowtop.engine.delays import MAX_SECONDS, compute_delay
from flowtop.engine.policy import decide
from flowtop.engine.states import State, StateType
from flowtop.exceptions import FailedRun
from flowtop.settings import PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS, temporary_settings
from flowtop.states import Completed, Failed, get_state_exception

UNRESOLVED = (
    "Unexpected result for failed state: 42 \u2014\u2014 int cannot be resolved into an exception"
)


# -- a callable retry_delay_seconds that returns None -------------------------------------
def test_a_callable_retry_delay_seconds_returning_none_reads_back_none() -> None:
    """Prefect keeps the None (no delay); its ``with_options`` copy, given that None, takes
    the default delay. flowtop read back 0."""
    asked: list[int] = []

    def nothing(retries: int) -> None:
        asked.append(retries)

    made = task(retries=2, retry_delay_seconds=nothing)(lambda: None)
    assert made.retry_delay_seconds is None and asked == [2]
    assert [compute_delay(made.policy.retry_delay, n).seconds for n in (1, 2)] == [0, 0]
    assert made.with_options(retries=3).retry_delay_seconds == 0 and asked == [2]
    with temporary_settings({PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS: 3}):
        kept = task(retries=1, retry_delay_seconds=nothing)(lambda: None)
        copied = kept.with_options(retries=2)
    assert (
        kept.retry_delay_seconds is None and compute_delay(kept.policy.retry_delay, 1).seconds == 0
    )
    assert (
        copied.retry_delay_seconds == 3 and compute_delay(copied.policy.retry_delay, 1).seconds == 3
    )


# -- Failed(data=<not an exception>).result() ---------------------------------------------
def test_a_failed_state_whose_data_is_no_exception_raises_prefects_type_error() -> None:
    for state in (Failed(data=42), Failed(data=42, message="m"), Failed(data=Failed(data=42))):
        with pytest.raises(TypeError) as raised:
            state.result()
        assert str(raised.value) == UNRESOLVED
        assert state.result(raise_on_failure=False) == (42 if state.data == 42 else state.data)
    with pytest.raises(TypeError, match="list cannot be resolved"):
        Failed(data=[1, 2]).result()
    with pytest.raises(TypeError, match="int cannot be resolved"):  # the first failed one's
        Failed(data=[Completed(data=1), Failed(data=42)]).result()
    with pytest.raises(FailedRun, match=r"^Run failed\.$"):  # Prefect's words, as the others
        Failed().result()
    with pytest.raises(TypeError, match="int cannot be resolved"):  # raised, as Prefect's
        get_state_exception(Failed(data=42))
    with pytest.raises(ValueError, match="none were failed"):
        get_state_exception(Failed(data=[Completed(data=1)]))
    with pytest.raises(ValueError, match="Expected failed or crashed state"):
        get_state_exception(Completed(data=1))


def test_a_task_returning_failed_data_42_raises_that_type_error_everywhere() -> None:
    @task
    def declines() -> Any:
        return Failed(data=42)

    @flow
    def body() -> list[Any]:
        seen: list[Any] = []
        state = declines(return_state=True)
        future = declines.submit()
        for read in (state.result, future.result, declines):
            try:
                read_value = read()
            except TypeError as exc:
                seen.append(str(exc))
            else:  # calling the task hands the state back: its result() raises
                with pytest.raises(TypeError) as raised:
                    read_value.result()
                seen.append(str(raised.value))
        seen.append(state.result(raise_on_failure=False))
        return seen

    assert body() == [UNRESOLVED, UNRESOLVED, UNRESOLVED, 42]

    @flow
    def returns_it() -> Any:
        return Failed(data=42)

    with pytest.raises(TypeError, match="int cannot be resolved"):
        returns_it()
    assert returns_it(return_state=True).result(raise_on_failure=False) == 42


# -- retry_jitter_factor past the cap -----------------------------------------------------
def test_a_delay_retry_jitter_factor_takes_past_the_cap_names_it() -> None:
    @task(retries=1, retry_delay_seconds=MAX_SECONDS * 0.9, retry_jitter_factor=0.5)
    def far() -> None: ...

    outcome = State(StateType.FAILED, None, ValueError("x"), 1, "", "far")
    refused = decide(far.policy, outcome, rng=lambda: 0.999)
    assert not refused.retry and refused.error is not None
    assert "retry_jitter_factor took it past the cap; lower retry_jitter_factor" in str(
        refused.error
    )
    kept = decide(far.policy, outcome, rng=lambda: 0.0)  # within the cap: said as before
    assert kept.delay is not None and "retry_jitter_factor" not in kept.delay.explain()


def test_a_backoff_the_jitter_takes_past_the_cap_is_not_told_to_set_max_delay() -> None:
    """Its refusal ended "(set max_delay to cap a backoff)", which could not help."""
    from flowtop.tasks import exponential_backoff

    @task(
        retries=1,
        retry_delay_seconds=exponential_backoff(backoff_factor=MAX_SECONDS * 0.9),
        retry_jitter_factor=0.5,
    )
    def far() -> None: ...

    outcome = State(StateType.FAILED, None, ValueError("x"), 1, "", "far")
    refused = decide(far.policy, outcome, rng=lambda: 0.999)
    assert refused.error is not None and "lower retry_jitter_factor" in str(refused.error)
    assert "max_delay" not in str(refused.error)


# -- .submit() and .map() of an async generator task --------------------------------------
def test_a_submitted_async_generator_task_fails_as_in_prefect() -> None:
    """Prefect 3.9 awaits the async generator: the run fails with a TypeError, the flow
    goes on, and only ``result()`` raises. flowtop collected its values."""
    ran: list[int] = []

    @task(retries=1)
    async def letters(n: int) -> AsyncIterator[str]:
        ran.append(n)
        for i in range(n):
            yield "abc"[i]

    @flow
    def body() -> list[Any]:
        future = letters.submit(2)
        mapped = letters.map([1, 2])
        future.wait()
        with pytest.raises(TypeError, match="can't be used in 'await' expression") as raised:
            future.result()
        with pytest.raises(TypeError, match="async for value in letters"):
            mapped[0].result()
        return [future.state.is_failed(), future.state.state_details.run_count, str(raised.value)]

    failed, attempts, message = body()
    assert failed and attempts == 2 and ran == []  # retried as Prefect does; the body never runs
    assert "task 'letters' cannot be run by .submit() or .map()" in message


# -- prefect.context.with_context ---------------------------------------------------------
def test_with_context_is_in_drop_in_prefect_context_and_runs_in_the_run_on_threads() -> None:
    with prefect_imports():
        from prefect.context import with_context  # refused before: not available in flowtop

    @task
    def fan_out() -> list[Any]:
        with ThreadPoolExecutor(2) as pool:
            wrapped = list(pool.map(with_context(where), [1, 2]))
            plain = pool.submit(_logger_or_error).result()
        return [*wrapped, plain]

    @flow
    def body() -> dict[str, Any]:
        with ThreadPoolExecutor(1) as pool:
            from_body = pool.submit(with_context(where), 3).result()
        return {"task": fan_out(), "body": from_body}

    assert body() == {
        "task": [
            (1, "flowtop.task_runs", "fan_out", "body"),
            (2, "flowtop.task_runs", "fan_out", "body"),
            "MissingContextError",  # a thread started without it: no run, as in Prefect
        ],
        "body": (3, "flowtop.flow_runs", None, "body"),
    }
    assert _logger_or_error.__name__ in repr(with_context(_logger_or_error))
    assert with_context(_logger_or_error)() == "MissingContextError"  # made outside any run


def test_with_context_pickles_for_a_spawned_process_which_gets_the_run_logger() -> None:
    from flowtop.engine.context_wrap import with_context

    @task
    def spawned() -> list[Any]:
        wrapped = with_context(where)
        assert pickle.loads(pickle.dumps(wrapped)).fn is where
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            return pool.map(wrapped, [1])

    @flow
    def body() -> list[Any]:
        return spawned()  # type: ignore[no-any-return]

    # the task run logger, printed there; the task's context does not travel (Prefect's does)
    assert body() == [(1, "flowtop.task_runs", None, None)]


def _logger_or_error() -> str:
    from flowtop import get_run_logger

    try:
        name: str = get_run_logger().logger.name
    except Exception as exc:  # noqa: BLE001 - the test reads it
        return type(exc).__name__
    return name


def test_a_with_context_wrapper_made_outside_any_run_runs_in_its_caller_s() -> None:
    """It ran ``fn`` in the context copied where it was wrapped, outside any run: called
    inside a task, ``get_run_logger()`` there raised ``MissingContextError``."""
    from flowtop import Flow, task
    from flowtop.context import with_context
    from flowtop.logging import get_run_logger

    named = with_context(lambda: get_run_logger().name)

    @task
    def uses() -> str:
        return str(named())

    with Flow("wrapped") as flow:
        uses()
    assert flow.run()["uses"].result == "flowtop.task_runs"
