"""``history --run`` says of a parent's subflows what the monitor says (sb63).

``mom`` (a task of its own that failed, caught) called ``kid`` (completed, every task
reused), ``region`` (failed, caught) and ``nest`` (no task of its own; its subflow
``leaf`` reused every task). The monitor's header says ``(1 task failed, handled by the
flow) (1 subflow failed, handled by the flow)`` and lists ``✗ region #1, ↺ kid #1, ↺ nest
#1``; ``history --run`` said neither failure was handled, marked no subflow reused and
listed them in call order.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from cli_kit import Here, parent_run_said, stored_calls
from flowtop.engine.states import StateType as S

#: Each run's stored counts (its tasks by state, ``reused`` of them carried over).
COUNTS = {
    "p": {"COMPLETED": 1, "FAILED": 1},
    "k1": {"COMPLETED": 2, "reused": 2},
    "r1": {"COMPLETED": 1, "FAILED": 1, "reused": 1},
    "g1": {"COMPLETED": 1, "reused": 1},
    "o1": {"COMPLETED": 2, "reused": 1},
}


def family(folder: Path) -> Path:
    """The store of ``mom`` #1 and the runs it called (the module's docstring), and
    ``other`` #1, a run of ``kid``'s flow that reused one of its two tasks."""
    db = stored_calls(
        folder,
        (
            ("k1", "kid", 1, S.COMPLETED, None, "p"),
            ("r1", "region", 1, S.FAILED, None, "p"),
            ("n1", "nest", 1, S.COMPLETED, None, "p"),
            ("g1", "leaf", 1, S.COMPLETED, None, "n1"),
            ("o1", "kid", 2, S.COMPLETED, None, "p"),
        ),
        parent_ended=9,
    )
    with closing(sqlite3.connect(db)) as conn, conn:  # (as their tasks' ends count them)
        for run_id, counts in COUNTS.items():
            conn.execute(
                "UPDATE runs SET counts = ? WHERE run_id = ?", (json.dumps(counts), run_id)
            )
    return db


def test_history_run_says_the_handled_failures_and_lists_subflows_as_the_monitor(
    tmp_path: Path, flowtop_here: Here
) -> None:
    family(tmp_path)
    said = parent_run_said(flowtop_here, tmp_path)
    lines = said.splitlines()
    handled = "(1 task failed, handled by the flow) (1 subflow failed, handled by the flow)"
    assert lines[1].endswith(f"1 completed, 1 failed {handled}"), said
    listed = lines[lines.index("subflow runs (each a run of its own):") + 1 :]
    assert listed == [
        "  ✗ region #1  FAILED",  # first, as the monitor lists a call that did not complete
        "  ↺ kid #1  COMPLETED (every task reused)",
        "  ↺ nest #1  COMPLETED (every task reused)",  # its subflow's every task
        "  ✓ kid #2  COMPLETED",  # one of two reused
    ], said


def test_history_run_json_marks_a_subflow_that_reused_every_task(
    tmp_path: Path, flowtop_here: Here
) -> None:
    family(tmp_path)
    said = parent_run_said(flowtop_here, tmp_path, "--json")
    children = json.loads(said.splitlines()[0])["subflow_runs"]
    assert [child.get("reused", False) for child in children] == [True, False, True, False]


def test_a_parent_that_failed_says_nothing_handled(tmp_path: Path, flowtop_here: Here) -> None:
    db = family(tmp_path)
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE runs SET state = 'FAILED' WHERE run_id = 'p'")
    said = parent_run_said(flowtop_here, tmp_path)
    assert "handled" not in said, said
