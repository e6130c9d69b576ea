"""The monitor keeps a parent's subflows in view (sb63).

- A prune that took a rerun's source hands the rerun on again (the newest run left of its
  flow): its new model had none of the subflow runs it called, and the screen read `No
  task ran: the flow completed without calling one`, its handled failure and `f Rerun
  failed` gone with them.
"""

from __future__ import annotations

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.no_rows import failed_subflows, no_rows_text, subflow_labels
from flowtop.workspace.store_notices import RunsPruned

S = StateType


def _parent(run_id: str, number: int, rerun_of: str | None = None) -> RunStarted:
    return RunStarted(run_id, "tolerant", number, (), (), (), rerun_of, ts=1.0)


def _child(run_id: str, number: int, parent: str) -> RunStarted:
    started = RunStarted(run_id, "region", number, ("load",), (1,), ("",), None, ts=1.0)
    return started._replace(parent_run=parent)


def _end(run_id: str, flow: str, number: int, state: StateType = S.COMPLETED) -> RunFinished:
    return RunFinished(run_id, flow, number, state, {}, 0.1, ts=2.0)


def test_a_parent_handed_on_again_after_a_prune_keeps_its_subflow_runs() -> None:
    store = RunStore()
    store.apply_batch([_parent("p1", 1), _end("p1", "tolerant", 1)])
    store.apply_batch(
        [
            _parent("p2", 2, rerun_of="p1"),
            _child("c1", 1, "p2"),
            _end("c1", "region", 1, S.FAILED),
            _child("c2", 2, "p2"),
            _end("c2", "region", 2),
            _end("p2", "tolerant", 2),
        ]
    )
    run = store.latest_for("tolerant")
    assert run is not None and failed_subflows(run.subflow_calls()) == 1
    # `history --prune 1` took p1: the newest run left of each flow that lost one is
    # handed on again (the subflow's first, by flow name), then the prune is said
    store.apply_batch(
        [
            _child("c2", 2, "p2"),
            _end("c2", "region", 2),
            _parent("p2", 2, rerun_of="p1")._replace(rerun_number=0),
            _end("p2", "tolerant", 2),
            RunsPruned(("p1",), frozenset({("tolerant", 1)}), 3.0),
        ]
    )
    run = store.latest_for("tolerant")
    assert run is not None and run.rerun_number == 0  # `(rerun of a pruned run)`
    assert subflow_labels(run.subflow_calls()) == ["✗ region #1", "✓ region #2"]
    assert failed_subflows(run.subflow_calls()) == 1  # `(1 subflow failed, handled by the flow)`
    assert no_rows_text(run).startswith("No task of its own; its subflows ran")
    assert [child.run_id for child in run.children] == ["c1", "c2"]  # c2 once, its newer model
