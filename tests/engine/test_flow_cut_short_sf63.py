"""A ``@flow`` run cut short (its ``timeout_seconds``, or a cancel) ends after its subflows.

A timed-out run logged its ``RunFinished`` (FAILED), then cancelled its subflows' runs,
whose ends came after it, as a cancelled run's once did: it now ends after them by the
cancel path's own order. A subflow whose ``on_cancellation`` hook never returned kept its
parent from ending for good; the parent now waits for it at most
``run_actions.SUBFLOWS_WAITED`` seconds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from flowtop import Flow, flow, task
from flowtop.engine import FlowRun, RunFinished, Runner, StateType, run_actions
from flowtop.engine.dynamic_run import DynamicRun
from flowtop.engine.errors import RunCancelled
from flowtop.engine.events import RunStarted
from waits import wait_until

from .kit import Held, Recorder

held = Held()


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    with held.fresh():
        yield


def run_ends(recorder: Recorder, runner: Runner) -> list[tuple[str, str]]:
    """The runs' ends logged, in order: (flow, state)."""
    runner.bus.flush()
    return [(e.flow, e.state.value) for e in recorder.events if isinstance(e, RunFinished)]


def time_out(run: FlowRun) -> None:
    """What its timer calls at its ``timeout_seconds`` (30 s), called now: its subflow's
    task runs, whatever the machine's load."""
    assert isinstance(run, DynamicRun)
    run._time_out()


@task
def holds(i: int) -> int:
    held.began.set()
    held.release.wait(20)
    return i


def cleanup(flow: object, flow_run: object, state: object) -> None:
    held.hook_began.set()
    held.hook_release.wait(20)


@flow(name="leaf-sf63")
def leaf(i: int = 0) -> int:
    return holds(i)


@flow(name="root-sf63", timeout_seconds=30)
def root() -> int:
    return leaf(1)


@flow(name="tidy-leaf-sf63", on_cancellation=[cleanup])
def tidy_leaf() -> int:
    return holds(3)


@flow(name="tidy-root-sf63", timeout_seconds=30)
def tidy_root() -> int:
    return tidy_leaf()


def test_a_timed_out_flow_ends_after_its_subflows() -> None:
    with held.running(root) as (run, recorder, runner):
        time_out(run)
        assert run.final_state(timeout=10) is StateType.FAILED
        assert run_ends(recorder, runner) == [
            ("leaf-sf63", "CANCELLED"),
            ("root-sf63", "FAILED"),
        ]
        (child,) = [e for e in recorder.events if isinstance(e, RunFinished)][:1]
        assert child.note == "its parent run timed out"


def test_a_timed_out_flow_ends_after_its_subflows_cancellation_hooks() -> None:
    """Its subflow keeps its own why, though the cancel path cancels it a second time
    (``its parent run was cancelled``) while its hook runs."""
    with held.running(tidy_root) as (run, recorder, runner):
        time_out(run)
        assert held.hook_began.wait(10)
        assert not run.done
        held.hook_release.set()
        assert run.final_state(timeout=10) is StateType.FAILED
        assert run_ends(recorder, runner) == [
            ("tidy-leaf-sf63", "CANCELLED"),
            ("tidy-root-sf63", "FAILED"),
        ]
        (child,) = [e for e in recorder.events if isinstance(e, RunFinished)][:1]
        assert child.note == "its parent run timed out"


_tries: list[int] = []


@flow(name="again-sf63", timeout_seconds=30, retries=1)
def again() -> int:
    _tries.append(1)
    if len(_tries) > 1:
        return 0
    return tidy_leaf()


def test_a_timed_out_flow_s_retry_starts_after_its_end() -> None:
    """Its body, interrupted, returns while its subflow's hook still runs: its retry
    started then, before its end (the retry's ``RunStarted`` above its ``RunFinished``)."""
    _tries.clear()
    with held.running(again) as (run, recorder, runner):
        time_out(run)
        assert held.hook_began.wait(10)
        wait_until(lambda: run._body_done, "its interrupted body to return")
        held.hook_release.set()
        assert run.final_state(timeout=10) is StateType.COMPLETED
        runner.bus.flush()
        said = [
            (type(e).__name__, e.flow)
            for e in recorder.events
            if isinstance(e, RunStarted | RunFinished) and e.flow == "again-sf63"
        ]
        assert said == [
            ("RunStarted", "again-sf63"),
            ("RunFinished", "again-sf63"),
            ("RunStarted", "again-sf63"),
            ("RunFinished", "again-sf63"),
        ]


@flow(name="stuck-leaf-sf63", on_cancellation=[cleanup])
def stuck_leaf() -> int:
    return holds(4)


@flow(name="stuck-root-sf63")
def stuck_root() -> int:
    return stuck_leaf()


@task
def calls_stuck_leaf() -> int:
    return stuck_leaf()


def stuck_graph() -> Flow:
    """A graph whose task calls the stuck subflow: the bound was ``FlowCutShort``'s alone,
    and such a graph's run, cancelled, waited for that subflow for good (RUNNING)."""
    graph = Flow("stuck-graph-sf63")
    graph.add_task(calls_stuck_leaf)
    return graph


@pytest.mark.parametrize("parent", ["flow", "graph"])
def test_a_subflow_s_hook_that_never_returns_holds_its_parent_only_so_long(
    monkeypatch: pytest.MonkeyPatch, parent: str
) -> None:
    monkeypatch.setattr(run_actions, "SUBFLOWS_WAITED", 0.2)
    root = stuck_root if parent == "flow" else stuck_graph()
    with held.running(root) as (run, recorder, runner):
        assert run.cancel()
        assert run.final_state(timeout=10) is StateType.CANCELLED
        assert not held.hook_release.is_set()  # its subflow's hook still runs
        (child,) = [r for r in runner.active_runs if r.flow.name == "stuck-leaf-sf63"]
        assert not child.done
        held.hook_release.set()
        assert child.final_state(timeout=10) is StateType.CANCELLED
        assert run_ends(recorder, runner) == [
            (root.name, "CANCELLED"),
            ("stuck-leaf-sf63", "CANCELLED"),
        ]


_late: list[BaseException] = []
_go_on = threading.Event()


@flow(name="late-leaf-sf63")
def late_leaf() -> int:
    return 1


@flow(name="late-root-sf63")
def late_root() -> int:
    held.began.set()
    _go_on.wait(20)
    try:
        return late_leaf()
    except BaseException as exc:
        _late.append(exc)
        raise


def test_a_subflow_called_after_its_parent_was_cancelled_starts_no_run() -> None:
    """A cancel does not stop the body (only its tasks): a subflow it then called ran, as
    a run of its own outliving its cancelled parent (COMPLETED), as a task it calls does
    not."""
    _late.clear()
    _go_on.clear()
    with held.running(late_root) as (run, recorder, runner):
        assert run.cancel()
        assert run.final_state(timeout=10) is StateType.CANCELLED
        _go_on.set()
        (raised,) = wait_until(lambda: list(_late), "the body's call of its subflow to end")
        assert isinstance(raised, RunCancelled)
        assert "subflow 'late-leaf-sf63' not started" in str(raised)
        runner.bus.flush()
        assert not [e for e in recorder.events if getattr(e, "flow", "") == "late-leaf-sf63"]


_cleaned: list[int] = []


@flow(name="cleanup-sf63")
def cleanup_flow() -> int:
    return 7


def calls_cleanup(flow: object, flow_run: object, state: object) -> None:
    _cleaned.append(cleanup_flow())


@flow(name="cleaned-sf63", on_cancellation=[calls_cleanup])
def cleaned() -> int:
    return holds(5)


def test_a_cancelled_flow_s_hook_still_calls_a_flow() -> None:
    """Its ``on_cancellation`` hook's cleanup flow runs, as a subflow of the run."""
    _cleaned.clear()
    with Runner(2) as runner:
        run = runner.start(cleaned)
        assert held.began.wait(10)
        assert run.cancel()
        assert run.final_state(timeout=10) is StateType.CANCELLED
        assert _cleaned == [7]
