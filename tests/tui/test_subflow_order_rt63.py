"""The monitor's header lists a parent's subflows in the order the history does.

A monitor opened after a parent was killed read its children back newest first: its
header said ``subflows: ⚡ child-long #1, ✗ child-bad #1`` where ``history --run`` said
``✗ child-bad #1`` first, as called (both "those that did not complete first", each kind
in call order).
"""

from __future__ import annotations

from flowtop.engine.states import StateType
from flowtop.tui.model import RunModel
from flowtop.tui.widgets.no_rows import subflow_labels
from flowtop.tui.widgets.run_header import subflow_notes


def _run(flow: str, state: StateType, started: float, rerun_of: str | None = None) -> RunModel:
    run = RunModel(flow, [], run_id=f"{flow}-{started}", number=1, started=started)
    run.rerun_of = rerun_of
    run.state = state
    return run


def test_children_read_back_newest_first_are_listed_as_called() -> None:
    bad = _run("child-bad", StateType.FAILED, 100.0)
    long = _run("child-long", StateType.FAILED, 101.0)
    long.process_died = True  # (⚡ Interrupted)
    done = _run("child-ok", StateType.COMPLETED, 99.0)
    parent = RunModel("parent", ["quick"], run_id="p", number=1, started=98.0)
    parent.state = StateType.FAILED
    parent.children = [long, bad, done]  # as read back: newest first
    assert subflow_labels(parent.subflow_calls()) == [
        "✗ child-bad #1",
        "⚡ child-long #1",
        "✓ child-ok #1",
    ]
    said = subflow_notes(parent)[0].wordings[0]
    assert said == "subflows: ✗ child-bad #1, ⚡ child-long #1, ✓ child-ok #1", said


def test_a_call_its_retry_ran_again_is_placed_by_its_first_run() -> None:
    """``kid`` was called first; its retry started after ``other``: still listed first."""
    kid1 = _run("kid", StateType.FAILED, 10.0)
    other = _run("other", StateType.FAILED, 11.0)
    kid2 = _run("kid", StateType.FAILED, 12.0, rerun_of=kid1.run_id)
    kid2.number = 2
    parent = RunModel("mom", [], run_id="m", number=1, started=9.0)
    parent.children = [kid2, other, kid1]
    assert subflow_labels(parent.subflow_calls()) == ["✗ kid #2 (retry of #1)", "✗ other #1"]
