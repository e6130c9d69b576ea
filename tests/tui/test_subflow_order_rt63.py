"""The monitor's header lists a parent's subflows in the order the history does.

A monitor opened after a parent was killed read its children back newest first: its
header said ``subflows: ⚡ child-long #1, ✗ child-bad #1`` where ``history --run`` said
``✗ child-bad #1`` first, as called (both "those that did not complete first", each kind
in call order). The store hands them on in that order (``RunStore`` links each in its
call's place: rs64).
"""

from __future__ import annotations

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.no_rows import subflow_labels
from flowtop.tui.widgets.run_header import subflow_notes
from flowtop.workspace.run_log import LogEvent, RunInterrupted


def _run(
    flow: str, state: StateType, started: float, rerun_of: str | None = None, number: int = 1
) -> list[LogEvent]:
    """A subflow run's start and end, as the store hands an ended run on."""
    run_id = f"{flow}-{started}"
    start = RunStarted(run_id, flow, number, (), (), (), rerun_of, ts=started)
    return [
        start._replace(parent_run="p" if flow.startswith("child") else "m"),
        RunFinished(run_id, flow, number, state, {}, 1.0, ts=started + 1),
    ]


def test_children_read_back_newest_first_are_listed_as_called() -> None:
    store = RunStore()
    long = _run("child-long", StateType.RUNNING, 101.0)[:1]
    long.append(RunInterrupted("child-long-101.0", "its process is gone", 102.0))  # (⚡)
    store.apply_batch(
        [
            *long,  # as read back: newest first
            *_run("child-bad", StateType.FAILED, 100.0),
            *_run("child-ok", StateType.COMPLETED, 99.0),
            RunStarted("p", "parent", 1, ("quick",), (1,), ("",), ts=98.0),
            RunFinished("p", "parent", 1, StateType.FAILED, {}, 1.0, ts=103.0),
        ]
    )
    parent = store.latest_for("parent")
    assert parent is not None
    assert subflow_labels(parent.subflow_calls()) == [
        "✗ child-bad #1",
        "⚡ child-long #1",
        "✓ child-ok #1",
    ]
    said = subflow_notes(parent)[0].wordings[0]
    assert said == "subflows: ✗ child-bad #1, ⚡ child-long #1, ✓ child-ok #1", said


def test_a_call_its_retry_ran_again_is_placed_by_its_first_run() -> None:
    """``kid`` was called first; its retry started after ``other``: still listed first."""
    store = RunStore()
    store.apply_batch(
        [
            *_run("kid", StateType.FAILED, 10.0),  # (an older run of its flow: first)
            *_run("kid", StateType.FAILED, 12.0, rerun_of="kid-10.0", number=2),
            *_run("other", StateType.FAILED, 11.0),
            RunStarted("m", "mom", 1, (), (), (), ts=9.0),
            RunFinished("m", "mom", 1, StateType.COMPLETED, {}, 4.0, ts=13.0),
        ]
    )
    parent = store.latest_for("mom")
    assert parent is not None
    assert subflow_labels(parent.subflow_calls()) == ["✗ kid #2 (retry of #1)", "✗ other #1"]
