"""A graph's run cancelled waits for its tasks' subflows a bounded time, as a ``@flow``'s.

The bound (``run_actions.SUBFLOWS_WAITED``) was ``FlowCutShort``'s alone: a ``Flow``
graph's run whose task called a subflow with an ``on_cancellation`` hook that never
returns, once cancelled, waited for that subflow's end for good (RUNNING, never ended).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from flowtop import Flow, flow, task
from flowtop.engine import RunFinished, Runner, StateType, run_actions

from .kit import Recorder

_began = threading.Event()
_release = threading.Event()
_hook_began = threading.Event()
_hook_release = threading.Event()


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    for event in (_began, _release, _hook_began, _hook_release):
        event.clear()
    try:
        yield
    finally:  # whatever failed, no thread of the test is left waiting
        _release.set()
        _hook_release.set()


@task
def holds() -> int:
    _began.set()
    _release.wait(20)
    return 1


def hangs(flow: object, flow_run: object, state: object) -> None:
    _hook_began.set()
    _hook_release.wait(20)


@flow(name="stuck-leaf-wk63", on_cancellation=[hangs])
def stuck_leaf() -> int:
    return holds()


@task
def calls_stuck_leaf() -> int:
    return stuck_leaf()


def test_a_graph_run_waits_for_a_hung_subflow_only_so_long(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(run_actions, "SUBFLOWS_WAITED", 0.2)
    graph = Flow("graph-wk63")
    graph.add_task(calls_stuck_leaf)
    recorder = Recorder()
    with Runner(2, sinks=[recorder]) as runner:
        run = runner.start(graph)
        assert _began.wait(10)
        assert run.cancel()
        assert _hook_began.wait(10)
        # old: RUNNING for good, waiting for its subflow's hook
        assert run.final_state(timeout=10) is StateType.CANCELLED
        (child,) = [r for r in runner.active_runs if r.flow.name == "stuck-leaf-wk63"]
        assert not child.done  # its hook still runs
        _hook_release.set()
        assert child.final_state(timeout=10) is StateType.CANCELLED
        runner.bus.flush()
        ends = [(e.flow, e.state.value) for e in recorder.events if isinstance(e, RunFinished)]
        assert ends == [("graph-wk63", "CANCELLED"), ("stuck-leaf-wk63", "CANCELLED")]
