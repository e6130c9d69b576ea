"""Review s48 of the engine: a cache hit cancelled while it is served, the inline retry
rules shared with a flow's, one test for a state made by hand, ``RetryDelayError``
importable where ``DelayError`` is."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from flowtop import Flow, Retry, flow, task
from flowtop.engine import cached_calls
from flowtop.engine.caching import INPUTS, MemoryCache
from flowtop.engine.prefect_api import Completed, Failed, from_engine
from flowtop.engine.prefect_run_views import StateDetails
from flowtop.engine.prefect_state import State
from flowtop.engine.records import TaskRun
from flowtop.engine.run import FlowRun
from flowtop.engine.runner import Runner
from flowtop.engine.shipping import UnshippableError
from flowtop.engine.states import State as EngineState
from flowtop.engine.states import StateType

S = StateType


def _cached_flow(hooked: list[str], on_running: Callable[..., None] | None = None) -> Flow:
    """A flow of one task that caches, whose hooks note the states they get in ``hooked``."""

    def note(_task: Any, _task_run: Any, state: State[Any]) -> None:
        hooked.append(state.name)

    @task(
        cache_policy=INPUTS,
        on_running=[on_running or note],
        on_completion=[note],
    )
    def fetch(x: int) -> int:
        return x

    with Flow("cached") as cached:
        fetch(1)
    return cached


def _served_runner(make_runner: Callable[..., Runner], cached: Flow, hooked: list[str]) -> Runner:
    """A runner whose cache holds ``fetch``'s result: its next run is a cache hit."""
    runner = make_runner(2, cache=MemoryCache())
    assert runner.start(cached).final_result(10).state is S.COMPLETED
    assert hooked[-1] == "Completed"
    hooked.clear()
    return runner


def test_a_call_cancelled_during_its_cache_lookup_runs_no_hook(
    make_runner: Callable[..., Runner], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run is cancelled while the key is looked up (outside the lock): the task stays
    CANCELLED and no hook is told it completed ("Cached") or ran."""
    hooked: list[str] = []
    cached = _cached_flow(hooked)
    runner = _served_runner(make_runner, cached, hooked)
    look_up = cached_calls._look_up

    def look_up_then_cancel(run: FlowRun, tr: TaskRun) -> Any:
        found = look_up(run, tr)
        assert found is not None  # a hit, which the cancel below must not serve
        run.cancel("cancelled during the lookup")
        return found

    monkeypatch.setattr(cached_calls, "_look_up", look_up_then_cancel)
    result = runner.start(cached).final_result(10)
    assert result.state is S.CANCELLED and result["fetch"].type is S.CANCELLED
    assert hooked == []


def test_a_call_cancelled_while_its_cache_hit_hooks_run_stays_cancelled(
    make_runner: Callable[..., Runner], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its ``on_running`` hook cancels the run: the hooks run outside the lock, and the
    hit is checked again before it completes the task, which stays CANCELLED (no illegal
    CANCELLED -> COMPLETED change failing the pool job, after the run ended)."""
    hooked: list[str] = []
    served: list[FlowRun] = []

    def cancel_the_served_run(_task: Any, _task_run: Any, state: State[Any]) -> None:
        hooked.append(state.name)
        if served:  # the second run's hit, not the first run's attempt
            served[0].cancel("cancelled in a hook")

    cached = _cached_flow(hooked, on_running=cancel_the_served_run)
    runner = _served_runner(make_runner, cached, hooked)
    serve = cached_calls.serve
    ended = threading.Event()
    raised: list[BaseException] = []

    def serve_noting_its_end(run: FlowRun, tr: TaskRun) -> None:
        served.append(run)
        try:
            serve(run, tr)
        except BaseException as exc:  # noqa: BLE001 - what the pool job would only log
            raised.append(exc)
        finally:
            ended.set()

    monkeypatch.setattr(cached_calls, "serve", serve_noting_its_end)
    result = runner.start(cached).final_result(10)
    assert ended.wait(10)  # the run ended before its serving job did: wait for that
    assert result.state is S.CANCELLED and result["fetch"].type is S.CANCELLED
    assert hooked == ["Running", "Cached"]  # the hit's hooks ran before the cancel was seen
    assert raised == []


def _returns_cancelled() -> Any:
    from flowtop.engine.prefect_api import Cancelled

    return Cancelled(message="stop")


def _bad_retry_delay() -> Any:
    raise Retry("again", delay=float("nan"))


def _unshippable() -> Any:
    raise UnshippableError("a lock cannot be sent to a worker")


@pytest.mark.parametrize("attempt", [_returns_cancelled, _bad_retry_delay, _unshippable])
def test_a_call_outside_any_flow_settles_what_a_flow_settles(attempt: Callable[[], Any]) -> None:
    """The ends no retry may change (``attempt.settled_before_the_policy``) are the same
    outside a flow: one attempt, however many retries. An ``UnshippableError`` the call's
    code raised (a ``.submit()``'s future that could not be sent) was retried here."""
    calls: list[int] = []

    @task(max_retries=2, retry_delay=0, retry_on=[Exception])
    def once() -> Any:
        calls.append(1)
        return attempt()

    state = once(return_state=True)
    assert state.is_failed() or state.is_cancelled()
    assert calls == [1]


def test_one_test_tells_a_state_made_by_hand() -> None:
    """Made by hand: a state naming no run, as Prefect's ``return_value_to_state`` tests
    "manual creation"; a task's own state, or one naming a flow run, is not."""
    from flowtop.engine.prefect_state import made_by_hand  # (new: the rest runs without it)

    task_state = from_engine(EngineState(S.COMPLETED, 1, None, 1, "", "t", 0.0))
    naming_a_flow_run: State[Any] = State(
        S.CANCELLED, state_details=StateDetails(flow_run_id=uuid.uuid4())
    )
    assert made_by_hand(Completed(data=1)) and made_by_hand(Failed(message="no"))
    assert not made_by_hand(task_state) and not made_by_hand(naming_a_flow_run)
    assert not made_by_hand(1)


def test_a_flow_returning_a_state_that_names_a_flow_run_is_its_aggregate() -> None:
    """Such a state is no state made by hand (Prefect: ``1/1 states cancelled.``, a
    Cancelled run): the flow's return value and the run's end used to disagree, one taking
    it as made by hand (the run FAILED with its message), the other not."""

    @flow
    def returns_a_run_s_state() -> State[Any]:
        details = StateDetails(flow_run_id=uuid.uuid4())
        return State(S.CANCELLED, message="stop", state_details=details)

    state = returns_a_run_s_state(return_state=True)
    assert (state.type, state.message) == (S.CANCELLED, "1/1 states cancelled.")


def test_retry_delay_error_is_importable_where_delay_error_is() -> None:
    """A ``Retry(delay=)`` that is no delay fails its task with ``RetryDelayError``: code
    catching it imports it from ``flowtop`` or ``flowtop.exceptions``."""
    import flowtop
    import flowtop.exceptions

    assert flowtop.RetryDelayError is flowtop.exceptions.RetryDelayError
    assert issubclass(flowtop.RetryDelayError, flowtop.exceptions.DelayError)
    assert flowtop.DelayError is flowtop.exceptions.DelayError
    with pytest.raises(flowtop.RetryDelayError, match=r"Retry\(delay=\) must be"):
        _bad_retry_delay()
