"""Prefect 3's retry options with Prefect's semantics: retry_condition_fn,
retry_jitter_factor, timeout_seconds (ported from prefect/tests/test_task_engine.py)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.engine.layers import Layer
from flowtop.engine.policy import RetryPolicy, clamped_poisson_interval, decide
from flowtop.engine.states import State, StateType


def test_retry_condition_fn_gets_task_task_run_and_failed_state() -> None:
    seen: list[tuple[Any, Any, Any]] = []
    exc = SyntaxError("oops")

    def handler(t: Any, task_run: Any, state: Any) -> bool:
        seen.append((t, task_run.run_count, state))
        assert state.is_failed()
        try:
            state.result()
        except SyntaxError:
            return True
        return False

    calls = []

    @task(retries=3, retry_condition_fn=handler)
    def flaky() -> bool:
        calls.append(1)
        if len(calls) == 2:
            return True
        raise exc

    @flow
    def pipeline() -> Any:
        return flaky(return_state=True)

    state = pipeline()
    assert state.is_completed() and state.result() is True
    assert len(calls) == 2 and len(seen) == 1  # consulted on the failure only
    assert seen[0][0] is flaky and seen[0][1] == 1


def test_retry_condition_fn_false_stops_retries_with_the_original_error() -> None:
    calls = []

    @task(retries=3, retry_condition_fn=lambda t, tr, s: not isinstance(s.result(False), KeyError))
    def lookup() -> None:
        calls.append(1)
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        lookup()
    assert len(calls) == 1


def test_retry_condition_fn_is_not_asked_once_retries_are_used_up() -> None:
    asked = []

    def handler(t: Any, task_run: Any, state: Any) -> bool:
        asked.append(task_run.run_count)
        return True

    @task(retries=2, retry_condition_fn=handler)
    def always() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        always()
    assert asked == [1, 2]  # as Prefect: retries < task.retries and can_retry(...)


def test_retry_condition_fn_that_raises_means_no_retry() -> None:
    calls = []

    def broken(t: Any, tr: Any, s: Any) -> bool:
        raise RuntimeError("bug in handler")

    @task(retries=3, retry_condition_fn=broken)
    def t() -> None:
        calls.append(1)
        raise ValueError("task error")

    state = t(return_state=True)
    assert state.is_failed() and isinstance(state.result(raise_on_failure=False), ValueError)
    assert len(calls) == 1
    # Prefect's message (its engine logs the handler's error); flowtop's monitor says why
    assert state.message == "Task run encountered an exception ValueError: task error"


def test_retry_condition_fn_not_consulted_after_a_completed_attempt() -> None:
    asked = []

    @task(retries=3, retry_condition_fn=lambda *a: asked.append(a) or True)
    def ok() -> int:
        return 1

    assert ok() == 1 and asked == []


def test_async_retry_condition_fn_is_awaited() -> None:
    calls = []

    async def handler(t: Any, tr: Any, s: Any) -> bool:
        return tr.run_count < 2

    @task(retries=5, retry_condition_fn=handler)
    def t() -> None:
        calls.append(1)
        raise ValueError("x")

    with pytest.raises(ValueError, match="x"):
        t()
    assert len(calls) == 2


def test_retry_condition_fn_must_be_callable() -> None:
    with pytest.raises(TypeError, match="task 't': retry_condition_fn must be callable"):

        @task(retry_condition_fn="not a callable")
        def t() -> None: ...


def test_retry_jitter_factor_must_not_be_negative() -> None:
    with pytest.raises(
        ValueError, match="task 't': `retry_jitter_factor` must be >= 0 \\(a finite number\\)"
    ):

        @task(retries=42, retry_delay_seconds=100, retry_jitter_factor=-10)
        def t() -> None: ...


@pytest.mark.parametrize("u", [0.0, 0.25, 0.5, 0.999999])
def test_clamped_poisson_interval_matches_prefects_formula(u: float) -> None:
    # prefect.utilities.math.clamped_poisson_interval with random.uniform(lo, hi) = lo + (hi-lo)u
    average, factor = 10.0, 0.5
    k = 1 + factor
    lower_multiple = math.log(max(2**k / (2**k - 1), 1e-10), 2)
    cdf = lambda x: 1 - math.exp(-x / average)  # noqa: E731 - reads as the formula it is
    lo, hi = cdf(average * lower_multiple), cdf(average * k)
    expected = -math.log(max(1 - (lo + (hi - lo) * u), 1e-10)) * average
    got = clamped_poisson_interval(average, factor, lambda: u)
    assert got == pytest.approx(expected)
    assert average * lower_multiple - 1e-9 <= got <= average * k + 1e-9


def test_retry_jitter_factor_scales_the_policy_delay_within_prefects_bounds() -> None:
    @task(retries=2, retry_delay_seconds=10, retry_jitter_factor=9)
    def t() -> None: ...

    # Prefect's server test: a randomizer at the top of the range gives base * (1 + factor)
    outcome = State(StateType.FAILED, ValueError("x"), ValueError("x"), 1, "", "t")
    decision = decide(t.policy, outcome, rng=lambda: 1.0)
    assert decision.retry and decision.delay is not None
    assert decision.delay.seconds == pytest.approx(100, rel=1e-6)
    low = decide(t.policy, outcome, rng=lambda: 0.0)
    assert low.delay is not None and 0 < low.delay.seconds < 10


def test_retry_jitter_factor_with_no_delay_stays_zero() -> None:
    policy = RetryPolicy().with_values(Layer.TASK, max_retries=2, retry_jitter_factor=0.5)
    outcome = State(StateType.FAILED, ValueError("x"), ValueError("x"), 1, "", "t")
    decision = decide(policy, outcome, rng=lambda: 0.7)
    assert decision.retry and decision.delay is not None and decision.delay.seconds == 0


def test_timeout_seconds_is_an_alias_of_timeout() -> None:
    @task(timeout_seconds=2.5)
    def t() -> None: ...

    assert t.policy.timeout == 2.5
    with pytest.raises(TypeError, match="both given"):
        task(timeout=1, timeout_seconds=1)(lambda: None)


def test_prefect_only_options_are_refused_at_definition() -> None:
    with pytest.raises(TypeError, match="'result_storage' is not available in flowtop"):

        @task(result_storage="s3-bucket/results")
        def t() -> None: ...

    @task(log_prints=True, tags=["a"])  # accepted: they change nothing in flowtop
    def u() -> int:
        return 1

    assert u() == 1


# -- retry_delay_seconds as Prefect 3.9.1 reads it (tasks.py: Task.__init__) -------------
def _waits(made: Any, retries: int) -> list[float]:
    from flowtop.engine.delays import compute_delay

    return [compute_delay(made.policy.retry_delay, n).seconds for n in range(1, retries + 1)]


def test_a_callable_retry_delay_seconds_is_called_once_with_the_retries() -> None:
    """Prefect calls it once, when the task is made, with `retries`, and uses the list it
    returns; flowtop called it per retry with the attempt (and refused the list)."""
    seen: list[int] = []

    def delays(retries: int) -> list[float]:
        seen.append(retries)
        return [10.0 * (i + 1) for i in range(retries)]

    made = task(retries=3, retry_delay_seconds=delays)(lambda: None)
    assert seen == [3]
    assert made.retry_delay_seconds == [10.0, 20.0, 30.0]
    assert _waits(made, 3) == [10.0, 20.0, 30.0]
    more = made.with_options(retries=5)  # Prefect's copy keeps the list, calls nothing
    assert seen == [3] and more.retry_delay_seconds == [10.0, 20.0, 30.0]
    assert _waits(more, 5) == [10.0, 20.0, 30.0, 30.0, 30.0]
    again = made.with_options(retries=1, retry_delay_seconds=delays)
    assert seen == [3, 1] and again.retry_delay_seconds == [10.0]
    assert task(retry_delay_seconds=delays)(lambda: None).retry_delay_seconds == []
    assert seen == [3, 1, 0]  # no retries given: Prefect's default, 0


def test_a_callable_retry_delay_seconds_may_return_seconds_or_a_short_list() -> None:
    one = task(retries=2, retry_delay_seconds=lambda n: 7)(lambda: None)
    assert one.retry_delay_seconds == 7 and _waits(one, 2) == [7.0, 7.0]
    short = task(retries=3, retry_delay_seconds=lambda n: [1, 2])(lambda: None)
    assert short.retry_delay_seconds == [1, 2] and _waits(short, 3) == [1.0, 2.0, 2.0]
    for nothing in (lambda n: [], lambda n: None):
        none = task(retries=2, retry_delay_seconds=nothing)(lambda: None)
        assert _waits(none, 2) == [0.0, 0.0]


def test_a_callable_retry_delay_seconds_returning_what_cannot_be_waited_is_refused() -> None:
    def words(retries: int) -> str:
        return "soon"

    refused = r"task 'job': Invalid retry_delay_seconds: \S*words\(2\) returned str 'soon'"
    with pytest.raises(TypeError, match=refused):

        @task(retries=2, retry_delay_seconds=words)
        def job() -> None: ...

    with pytest.raises(ValueError, match="more than 50 retry delays"):
        task(retries=2, retry_delay_seconds=lambda n: [1] * 51)(lambda: None)


def test_flowtop_s_own_retry_delay_callable_is_still_asked_per_retry() -> None:
    asked: list[int] = []

    def per_retry(attempt: int) -> float:
        asked.append(attempt)
        return attempt * 1.5

    made = task(max_retries=3, retry_delay=per_retry)(lambda: None)
    assert asked == [] and made.retry_delay_seconds is per_retry
    assert _waits(made, 3) == [1.5, 3.0, 4.5] and asked == [1, 2, 3]


def test_retry_delay_seconds_empty_list_is_no_delay_as_in_prefect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flowtop.settings import PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS, temporary_settings

    made = task(retries=2, retry_delay_seconds=[])(lambda: None)
    assert made.retry_delay_seconds == [] and _waits(made, 2) == [0.0, 0.0]
    assert made.with_options(retries=3).retry_delay_seconds == []
    assert (
        task(retries=1)(lambda: None).with_options(retry_delay_seconds=[]).retry_delay_seconds == []
    )
    with temporary_settings({PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS: []}):
        defaulted = task(retries=1)(lambda: None)
    assert defaulted.retry_delay_seconds == [] and _waits(defaulted, 1) == [0.0]
    monkeypatch.setenv("PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS", "[]")  # Prefect takes it
    assert task(retries=1)(lambda: None).retry_delay_seconds == []
    with pytest.raises(ValueError, match="retry_delay list must not be empty"):
        task(max_retries=1, retry_delay=[])(lambda: None)  # flowtop's own option: a slip
