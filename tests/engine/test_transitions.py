"""Every state change of a task goes through one function, which refuses what ``TRANSITIONS``
does not allow: the record stays as it was and nothing is emitted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowtop.engine import Flow, Runner, task
from flowtop.engine.records import Attempt
from flowtop.engine.runner import FlowRun, IllegalTransition
from flowtop.engine.states import TRANSITIONS, StateType

from .kit import Recorder


@task
def noop() -> int:
    return 1


def _idle_run(runner: Runner) -> FlowRun:
    """A run of one task, made but not begun: its record can be moved by hand."""
    with Flow("transitions") as flow:
        noop()
    return FlowRun(runner, flow, 1, runner.policies(flow), {}, None)


PRIORS = st.sampled_from([None, *StateType])


@settings(max_examples=60, deadline=None)
@given(prior=PRIORS, new=st.sampled_from(list(StateType)))
def test_a_change_happens_exactly_when_the_table_allows_it(
    prior: StateType | None, new: StateType
) -> None:
    recorder = Recorder()
    runner = Runner(1, sinks=(recorder,))
    try:
        run = _idle_run(runner)
        (tr,) = run.tasks.values()
        tr.state = prior or StateType.PENDING
        tr.message = "before"
        had = [prior] if prior in (StateType.RUNNING, StateType.AWAITING_RETRY) else []
        if had:  # as its change to RUNNING left it
            tr.attempts += (Attempt(1, 0.0, state=prior),)
        allowed = new in TRANSITIONS.get(prior, frozenset())
        with run._lock:
            if allowed:
                run._transition(tr, new, message="after", announce=prior is None)
            else:
                said = f"{prior and prior.value} -> {new.value}"  # values, not Prefect's str()
                with pytest.raises(IllegalTransition, match=said):
                    run._transition(tr, new, message="after", announce=prior is None)
        runner.bus.flush()
        events = recorder.task_events()
        if allowed:
            assert (tr.state, tr.message) == (new, "after")
            assert [(e.task, e.state, e.message) for e in events] == [("noop", new, "after")]
            # the attempt a change ends (or whose wait it gives up) ends as the task does;
            # a change to RUNNING begins one
            ends = prior is StateType.RUNNING or (
                prior is StateType.AWAITING_RETRY and new is StateType.FAILED
            )
            begins = [new] if new is StateType.RUNNING else []
            assert [a.state for a in tr.attempts] == ([new] if ends else had + begins)
        else:
            assert (tr.state, tr.message) == (prior or StateType.PENDING, "before")
            assert events == []
    finally:
        runner.shutdown()


def test_a_finished_task_cannot_run_again(runner: Runner, recorder: Recorder) -> None:
    with Flow("once") as flow:
        noop()
    run = runner.start(flow)
    run.result(5)
    (tr,) = run.tasks.values()
    with run._lock, pytest.raises(IllegalTransition, match="COMPLETED -> RUNNING"):
        run._transition(tr, StateType.RUNNING)
    runner.bus.flush()
    assert recorder.states("noop") == [StateType.RUNNING, StateType.COMPLETED]
