"""Five differences of drop-in mode from Prefect 3.9.1, each checked side by side with it
(a small flow file run under Prefect and under drop-in flowtop) and now matched:

- a task that returns ``Cancelled(...)``: Prefect's task run is Cancelled (no hook, no
  retry, its dependents ``NotReady``, under ``allow_failure`` too); flowtop recorded it
  FAILED, and its ``allow_failure`` dependents ran. It is recorded CANCELLED now, the
  reason saying what it returned, and logs no failure line;
- a flow's ``return_state=True`` state, the states its hooks get and ``flow_run.state``
  name the flow run in ``state_details.flow_run_id`` (a task's did; a flow's had None);
- a future or a state given as it is to a drop-in ``.map()`` is resolved first: one that
  did not complete raises Prefect's ``UpstreamTaskError`` from the ``.map()`` call (its
  calls were made, and ended ``UPSTREAM_FAILED``), a completed state is its data;
- a task's ``tags`` is a ``set`` (it was a ``frozenset``: ``t.tags.add(...)`` raised);
- the timeouts of ``future.result(timeout=)``, ``as_completed(..., timeout=)`` and
  ``.map(...).result(timeout=)`` say Prefect's words (``Task run <id> did not complete
  within 0.05 seconds``; ``1 (of 1) futures unfinished``, a ``_WaitTimeoutError``, which
  is a ``TimeoutError``); a negative ``timeout`` is Prefect's ``ValueError``.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

import pytest

import flowtop
from engine.kit import Recorder
from flowtop import allow_failure, unmapped
from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine import RunFinished, Runner, StateType
from flowtop.exceptions import CancelledRun, UpstreamTaskError
from flowtop.futures import _WaitTimeoutError, as_completed, wait
from flowtop.runtime import flow_run as runtime_flow_run
from flowtop.runtime import task_run as runtime_task_run
from flowtop.states import Cancelled, Completed, Failed


def recorded(target: Any) -> tuple[Recorder, Any]:
    """Run the flow ``target`` on a runner of its own: its events and its result."""
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        result = runner.run(target)
        runner.bus.flush()
    return recorder, result


# -- 1. a task that returns Cancelled(...) -------------------------------------------------
def test_a_task_returning_cancelled_is_recorded_cancelled_as_prefect_shows_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Prefect: ``Finished in state Cancelled('nah')``, no hook; the flow goes on and
    completes. flowtop's events and records said FAILED (``CancelledRun: nah``)."""
    hooks: list[str] = []

    def hook(_: Any, __: Any, state: Any) -> None:
        hooks.append(state.name)

    @task(retries=2, on_completion=[hook], on_failure=[hook])
    def declines() -> Any:
        return Cancelled(message="nah")

    @flow
    def relays() -> Any:
        state = declines(return_state=True)
        future = declines.submit()
        with pytest.raises(CancelledRun, match=r"^nah$"):
            future.result()
        return state.type, state.name, state.message, future.state.type, future.state.name

    caplog.set_level(logging.INFO, logger="flowtop.task_engine")
    recorder, result = recorded(relays)
    assert result.state is StateType.COMPLETED  # the flow handled them, as Prefect's
    assert result.value == (
        StateType.CANCELLED,
        "Cancelled",
        "nah",
        StateType.CANCELLED,
        "Cancelled",
    )
    for key in ("declines", "declines-2"):
        assert recorder.states(key) == [StateType.PENDING, StateType.RUNNING, StateType.CANCELLED]
        (ended,) = recorder.of(key, StateType.CANCELLED)
        assert (ended.attempt, ended.message) == (1, "the task returned Cancelled('nah')")
        assert result.states[key].type is StateType.CANCELLED
        assert [a.state for a in result.attempts[key]] == [StateType.CANCELLED]  # not retried
    assert hooks == []
    assert not [r for r in caplog.records if r.name == "flowtop.task_engine"]  # no failure


def test_the_dependents_of_a_cancelled_task_never_run_allow_failure_or_not() -> None:
    """Prefect leaves all four ``NotReady``: ``allow_failure`` lets a failed upstream
    through, not a cancelled one. flowtop ran the two ``allow_failure`` ones. Each kind is
    given while the task runs, then once it has ended (two paths of the engine)."""
    ran: list[Any] = []
    gate = threading.Event()

    @task
    def declines() -> Any:
        gate.wait(10)
        return Cancelled(message="no")

    @task
    def after(x: Any = None) -> None:
        ran.append(x)

    def dependents(cancelled: Any) -> list[Any]:
        return [
            after.submit(cancelled),
            after.submit(allow_failure(cancelled)),
            after.submit(wait_for=[cancelled]),
            after.submit(wait_for=[allow_failure(cancelled)]),
        ]

    @flow
    def chain() -> Any:
        cancelled = declines.submit()
        while_running = dependents(cancelled)
        gate.set()
        cancelled.wait()
        once_ended = dependents(cancelled)
        wait(while_running + once_ended)
        return [f.state.name for f in while_running + once_ended]

    try:
        recorder, result = recorded(chain)
    finally:
        gate.set()
    assert result.value == ["NotReady"] * 8
    assert ran == []
    assert recorder.states("declines")[-1] is StateType.CANCELLED


def test_a_failed_upstream_under_allow_failure_still_runs_its_dependent() -> None:
    """What the cancelled case must not change: a failure is let through, its error the
    value, as Prefect lets it through."""

    @task
    def fails() -> Any:
        return Failed(message="bad")

    @task
    def after(x: Any) -> str:
        return type(x).__name__

    @flow
    def chain() -> Any:
        return after.submit(allow_failure(fails.submit())).result()

    assert recorded(chain)[1].value == "FailedRun"


def test_a_run_finished_event_counts_the_cancelled_task() -> None:
    """The run's end counts it as cancelled (``1 cancelled``), not failed."""

    @task
    def declines() -> Any:
        return Cancelled()

    @flow
    def relays() -> None:
        declines.submit().wait()

    recorder, _ = recorded(relays)
    (finished,) = [e for e in recorder.events if isinstance(e, RunFinished)]
    assert finished.counts == {"CANCELLED": 1}
    (ended,) = recorder.of("declines", StateType.CANCELLED)
    assert ended.message == "the task returned Cancelled()"


# -- 2. a flow's states name its flow run -------------------------------------------------
def test_a_flow_s_states_name_its_flow_run_as_prefect_s_do() -> None:
    """Prefect gives ``return_state=True``'s state, each hook's state and the hook's
    ``flow_run.state`` the flow run's id; flowtop's had ``flow_run_id`` None."""
    seen: list[tuple[str, bool, bool, Any]] = []
    ids: list[str] = []

    def hook(kind: str) -> Any:
        def called(_: Any, flow_run: Any, state: Any) -> None:
            details = state.state_details
            same = flow_run.state.state_details.flow_run_id == flow_run.id
            seen.append((kind, details.flow_run_id == flow_run.id, same, details.task_run_id))

        return called

    kinds = ("on_running", "on_completion", "on_failure")

    @flow(**{kind: [hook(kind)] for kind in kinds})
    def good() -> str:
        ids.append(runtime_flow_run.id)
        return "ok"

    @flow(**{kind: [hook(kind)] for kind in kinds})
    def bad() -> None:
        ids.append(runtime_flow_run.id)
        raise ValueError("x")

    @flow
    def parent() -> Any:
        return good(return_state=True), bad(return_state=True)

    _, result = recorded(parent)
    good_state, bad_state = result.value
    assert (good_state.name, bad_state.name) == ("Completed", "Failed")
    assert [
        str(good_state.state_details.flow_run_id),
        str(bad_state.state_details.flow_run_id),
    ] == ids
    assert isinstance(bad_state.state_details.flow_run_id, uuid.UUID)
    assert good_state.state_details.task_run_id is None
    assert seen == [
        ("on_running", True, True, None),
        ("on_completion", True, True, None),
        ("on_running", True, True, None),
        ("on_failure", True, True, None),
    ]
    outside = good(return_state=True)  # a script's call: its own run's id
    assert str(outside.state_details.flow_run_id) == ids[-1] != ids[0]


def test_a_call_that_starts_no_run_names_none() -> None:
    """A flow call stopped before its run (its ``wait_for`` failed) has no run to name,
    and an earlier call's run is not named instead."""

    @task
    def fails() -> None:
        raise ValueError("no")

    @flow
    def child() -> int:
        return 1

    @flow
    def parent() -> Any:
        child(return_state=True)  # a run, whose id must not leak to the next state
        state = child(return_state=True, wait_for=[fails.submit()])
        return state.name, state.state_details.flow_run_id

    assert recorded(parent)[1].value == ("NotReady", None)


# -- 3. a future or state given as it is to a drop-in .map() ------------------------------
UPSTREAM = r"^Upstream task run '{}' did not reach a 'COMPLETED' state\.$"


def test_a_failed_future_given_to_map_raises_upstream_task_error_there() -> None:
    """Prefect resolves a future given as it is before it maps (mapped over, or repeated):
    a failed one raises ``UpstreamTaskError`` from ``.map()``, no call made. flowtop made
    the calls, each ending ``UPSTREAM_FAILED``."""
    calls: list[Any] = []

    @task
    def bad() -> list[int]:
        raise ValueError("boom")

    @task
    def add(x: int, y: Any) -> None:
        calls.append((x, y))

    @flow
    def mapper() -> Any:
        failed = bad.submit()
        failed.wait()
        pattern = UPSTREAM.format(failed.task_run_id)
        for given in ((failed, 1), ([1, 2], failed), ([1, 2], failed.state)):
            with pytest.raises(UpstreamTaskError, match=pattern):
                add.map(*given)
        with pytest.raises(UpstreamTaskError, match=pattern):
            add.map(x=[1, 2], y=failed)
        # inside a list, or unmapped, it is each call's own input: they end NotReady
        nested = add.map([1, 2], unmapped(failed)) + add.map([failed, 2], 0)
        wait(nested)
        return [f.state.name for f in nested]

    _, result = recorded(mapper)
    assert result.value == ["NotReady", "NotReady", "NotReady", "Completed"]
    assert calls == [(2, 0)]


def test_a_completed_state_given_to_map_is_its_data() -> None:
    """Prefect resolves a completed state given as it is: each call gets its data (and
    maps over it when it is a list). flowtop passed the ``State`` itself."""

    @task
    def add(x: int, y: int) -> int:
        return x + y

    @flow
    def mapper() -> Any:
        return add.map(Completed(data=[1, 2]), Completed(data=10)).result()

    assert recorded(mapper)[1].value == [11, 12]


def test_flowtop_s_own_map_still_passes_a_failed_future_whole() -> None:
    """flowtop's own ``@task`` keeps its rule: its calls end ``UPSTREAM_FAILED``."""
    from flowtop import flow as own_flow
    from flowtop import task as own_task

    @own_task
    def bad() -> None:
        raise ValueError("boom")

    @own_task
    def add(x: int, y: Any) -> None:
        pass

    @own_flow
    def mapper() -> Any:
        futures = add.map([1, 2], bad.submit())
        wait(futures)
        return [f.state.name for f in futures]

    assert recorded(mapper)[1].value == ["NotReady", "NotReady"]


# -- 4. tags ------------------------------------------------------------------------------
def test_a_task_s_tags_are_a_set_that_later_calls_see() -> None:
    """Prefect's ``Task.tags`` is a set: code adds to it, and task runs made after carry
    the tag (``task_run.tags``). flowtop's was a frozenset, whose ``add`` raised."""

    @task(tags=["a"])
    def tagged() -> list[str]:
        return list(runtime_task_run.tags)

    @flow
    def tagger() -> Any:
        before = tagged()
        tagged.tags.add("added")
        return before, tagged(), type(tagged.with_options(tags=["z"]).tags)

    assert type(tagged.tags) is set
    assert recorded(tagger)[1].value == (["a"], ["a", "added"], set)


# -- 5. the words of a wait's timeout -----------------------------------------------------
@pytest.fixture
def gate() -> Any:
    """An event a task waits on, set at the end of the test whatever happens."""
    event = threading.Event()
    yield event
    event.set()


def test_a_future_s_result_timeout_says_prefect_s_words(gate: threading.Event) -> None:
    @task
    def held() -> int:
        gate.wait(10)
        return 1

    @flow
    def waiter() -> Any:
        future = held.submit()
        with pytest.raises(TimeoutError) as raised:
            future.result(timeout=0.05)
        gate.set()
        return str(raised.value), type(raised.value), future.task_run_id

    message, kind, task_run_id = recorded(waiter)[1].value
    assert kind is TimeoutError
    assert message == f"Task run {task_run_id} did not complete within 0.05 seconds"


def test_a_future_outside_any_flow_says_the_same(gate: threading.Event) -> None:
    """flowtop's own task: a drop-in one's ``.submit()`` outside any flow raises, as
    Prefect's does (``test_dropin_explored_s55``)."""

    @flowtop.task
    def held() -> int:
        gate.wait(10)
        return 1

    future = held.submit()
    with pytest.raises(
        TimeoutError, match=r"^Task run [0-9a-f-]{36} did not complete within 0.05 seconds$"
    ):
        future.result(timeout=0.05)


def test_as_completed_times_out_in_prefect_s_words_with_its_class(
    gate: threading.Event,
) -> None:
    """Prefect: ``_WaitTimeoutError: 2 (of 2) futures unfinished``, each future once
    (flowtop: ``TimeoutError: as_completed(): futures still running after 0.05s``, and a
    future given twice was yielded twice)."""

    @task
    def held(x: int) -> int:
        gate.wait(10)
        return x

    @flow
    def waiter() -> Any:
        futures = held.map([1, 2])
        twice = [futures[0], futures[0], futures[1]]
        with pytest.raises(_WaitTimeoutError) as raised:
            for _ in as_completed(twice, timeout=0.05):
                pass
        gate.set()
        return str(raised.value), len(list(as_completed(twice)))

    assert recorded(waiter)[1].value == ("2 (of 2) futures unfinished", 2)
    assert issubclass(_WaitTimeoutError, TimeoutError)


NEGATIVE = "^'timeout' must be a non-negative number, got -1$"


def test_a_negative_timeout_is_prefect_s_value_error() -> None:
    @task
    def one(x: int) -> int:
        return x

    @flow
    def waiter() -> Any:
        futures = one.map([1])
        with pytest.raises(ValueError, match=NEGATIVE):
            list(as_completed(futures, timeout=-1))
        with pytest.raises(ValueError, match=NEGATIVE):
            wait(futures, timeout=-1)
        return futures[0].result()

    assert recorded(waiter)[1].value == 1


def test_a_map_s_result_times_out_in_prefect_s_words(gate: threading.Event) -> None:
    """Prefect: ``Timed out waiting for all futures to complete within 0.05 seconds``, and
    its ``ValueError`` for a negative timeout (flowtop: ``mapped calls still running``)."""

    @task
    def held(x: int) -> int:
        gate.wait(10)
        return x

    @flow
    def waiter() -> Any:
        futures = held.map([1, 2])
        with pytest.raises(ValueError, match=NEGATIVE):
            futures.result(timeout=-1)
        with pytest.raises(TimeoutError) as raised:
            futures.result(timeout=0.05)
        gate.set()
        return str(raised.value), futures.result()

    assert recorded(waiter)[1].value == (
        "Timed out waiting for all futures to complete within 0.05 seconds",
        [1, 2],
    )
