"""A cancelled run's subflow runs end before it does: their ends are logged first.

Its cancel logged the parent's ``RunFinished``, then cancelled its subflows' runs, whose
cancelled tasks and ends came after it: the store's log read ``root CANCELLED`` above
``leaf CANCELLED``, and ``flowtop watch`` held the parent's end back up to 2 s to print
them in order. The engine now ends them first, the parent's end waiting for theirs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from flowtop import Flow, flow, task
from flowtop.engine import RunFinished, Runner, StateType
from flowtop.engine.events import Event, TaskStateChanged

from .kit import Held, Recorder


def ends(recorder: Recorder, runner: Runner) -> list[tuple[str, str]]:
    """The run ends and cancelled task ends logged, in order: (flow or flow/task, state)."""
    runner.bus.flush()
    said: list[tuple[str, str]] = []
    for event in recorder.events:
        if isinstance(event, RunFinished):
            said.append((event.flow, event.state.value))
        elif isinstance(event, TaskStateChanged) and event.state is StateType.CANCELLED:
            said.append((f"{event.flow}/{event.task}", "CANCELLED"))
    return said


def last_event(recorder: Recorder, runner: Runner) -> Event:
    runner.bus.flush()
    return recorder.events[-1]


held = Held()


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    with held.fresh():
        yield


@task
def holds(i: int) -> int:
    held.began.set()
    held.release.wait(10)
    return i


@flow(name="leaf-mc62")
def leaf(i: int = 0) -> int:
    return holds(i)


@flow(name="root-mc62")
def root() -> int:
    return leaf(1)


@flow(name="top-mc62")
def top() -> int:
    return root()


def test_a_cancelled_flow_logs_its_subflows_ends_before_its_own() -> None:
    with held.running(root) as (run, recorder, runner):
        assert run.cancel()
        assert run.final_state(timeout=10) is StateType.CANCELLED
        assert ends(recorder, runner) == [
            ("leaf-mc62/holds", "CANCELLED"),
            ("leaf-mc62", "CANCELLED"),
            ("root-mc62", "CANCELLED"),
        ]
        assert isinstance(last_event(recorder, runner), RunFinished)
        (child,) = [r for r in recorder.events if isinstance(r, RunFinished)][:1]
        assert child.note == "its parent run was cancelled"


def test_a_subflow_of_a_subflow_ends_first_too() -> None:
    with held.running(top) as (run, recorder, runner):
        assert run.cancel()
        assert run.final_state(timeout=10) is StateType.CANCELLED
        assert ends(recorder, runner) == [
            ("leaf-mc62/holds", "CANCELLED"),
            ("leaf-mc62", "CANCELLED"),
            ("root-mc62", "CANCELLED"),
            ("top-mc62", "CANCELLED"),
        ]


_both = threading.Barrier(3)


@task
def meets(i: int) -> int:
    _both.wait(10)  # both subflows' tasks run, and the test
    held.release.wait(10)
    return i


@flow(name="side-mc62")
def side(i: int) -> int:
    return meets(i)


@task
def calls_side(i: int) -> int:
    return side(i)


@task
def calls_side_one() -> int:
    return side(1)


@task
def calls_side_two() -> int:
    return side(2)


@flow(name="fans-mc62")
def fans() -> int:
    first, second = calls_side.submit(1), calls_side.submit(2)
    return first.result() + second.result()


def cancelled_once_both_meet(parent: Flow) -> list[tuple[str, str]]:
    """The ends logged of ``parent``, cancelled once its two subflows' tasks both run."""
    _both.reset()
    recorder = Recorder()
    with Runner(4, sinks=[recorder]) as runner:
        run = runner.start(parent)
        _both.wait(10)
        assert run.cancel()
        assert run.final_state(timeout=10) is StateType.CANCELLED
        said = ends(recorder, runner)
        # Let the cancelled ``meets`` return before the runner shuts down: on a busy
        # machine the pool's shutdown joined a thread still in one, for its whole 10 s.
        held.release.set()
        return said


def test_each_subflow_its_tasks_called_ends_before_the_run() -> None:
    said = cancelled_once_both_meet(fans)
    assert said[-1] == ("fans-mc62", "CANCELLED"), said
    assert said.count(("side-mc62", "CANCELLED")) == 2, said


def test_a_graph_runs_subflows_end_before_it() -> None:
    graph = Flow("graph-mc62")
    graph.add_task(calls_side_one)
    graph.add_task(calls_side_two)
    said = cancelled_once_both_meet(graph)
    assert said[-1] == ("graph-mc62", "CANCELLED"), said
    assert said.count(("side-mc62", "CANCELLED")) == 2, said


def slow_cleanup(flow: object, flow_run: object, state: object) -> None:
    held.hook_began.set()
    held.hook_release.wait(10)


@flow(name="tidy-leaf-mc62", on_cancellation=[slow_cleanup])
def tidy_leaf() -> int:
    return holds(3)


@flow(name="tidy-root-mc62")
def tidy_root() -> int:
    return tidy_leaf()


def test_the_run_ends_after_its_subflows_cancellation_hooks() -> None:
    with held.running(tidy_root) as (run, recorder, runner):
        assert run.cancel()  # returns: the subflow's hook is waited for elsewhere
        assert held.hook_began.wait(10)
        assert not run.done and run.cancelled
        held.hook_release.set()
        assert run.final_state(timeout=10) is StateType.CANCELLED
        assert [end for end in ends(recorder, runner) if "/" not in end[0]] == [
            ("tidy-leaf-mc62", "CANCELLED"),
            ("tidy-root-mc62", "CANCELLED"),
        ]
