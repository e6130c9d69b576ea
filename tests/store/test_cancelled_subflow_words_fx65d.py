"""A subflow run cancelled (``flowtop cancel . SUB``) while its parent's body caught the
error and completed is no failure: the parent's NOTE in ``flowtop history``, its
``history --run`` head and the end line ``flowtop run`` prints said ``1 subflow failed,
handled`` of a child that reads CANCELLED. They say ``1 subflow cancelled, handled`` now,
in the words of one function (``subflow_runs.handled_words``, ``subflow_words``)."""

from __future__ import annotations

import io
from pathlib import Path

from cli_kit import Here, parent_run_said, stored_calls
from flowtop.commands.printers import HumanPrinter
from flowtop.commands.run_lines import finished_line
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType as S
from flowtop.tui.model import RunModel
from flowtop.tui.screens.history import counts_cell
from flowtop.tui.widgets.no_rows import cancelled_subflows, failed_subflows
from flowtop.workspace.history_records import RunRecord
from flowtop.workspace.subflow_runs import handled_words


def test_the_words_say_a_cancelled_subflow_cancelled() -> None:
    assert handled_words(0, 1, 1) == (
        "(1 subflow cancelled, handled by the flow)",
        "(1 subflow cancelled, handled)",
    )
    assert handled_words(1, 3, 1) == (
        "(1 task failed, handled by the flow) (2 subflows failed, 1 cancelled, handled by the flow)",
        "(1 task failed, 2 subflows failed, 1 cancelled, handled by the flow)",
        "(1 task failed, 2 subflows failed, 1 cancelled, handled)",
    )
    assert handled_words(1, 1) == (  # none cancelled: as before
        "(1 task failed, handled by the flow) (1 subflow failed, handled by the flow)",
        "(1 task and 1 subflow failed, handled by the flow)",
        "(1 task, 1 subflow failed, handled)",
    )


def test_the_end_line_says_it_given_the_cancelled_count() -> None:
    end = RunFinished("p", "mom", 1, S.COMPLETED, {}, 2.0, ts=1.0)
    line = finished_line(end, run_output=False, failed_subflows=1, cancelled_subflows=1)
    assert line.endswith(" (1 subflow cancelled, handled by the flow)"), line


def test_history_says_the_cancelled_subflow_cancelled(tmp_path: Path, flowtop_here: Here) -> None:
    stored_calls(
        tmp_path,
        (("c1", "kid", 1, S.CANCELLED, None, "p"), ("c2", "kid", 2, S.COMPLETED, None, "p")),
        parent_ended=5,
    )
    listed = flowtop_here("history", ".", "--flow", "mom", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "1 subflow cancelled, handled" in listed.stdout, listed.stdout
    assert "failed" not in listed.stdout, listed.stdout
    said = parent_run_said(flowtop_here, tmp_path)
    assert "(1 subflow cancelled, handled by the flow)" in said.splitlines()[1], said


def test_a_failed_and_a_cancelled_subflow_are_each_said(tmp_path: Path, flowtop_here: Here) -> None:
    stored_calls(
        tmp_path,
        (("c1", "kid", 1, S.CANCELLED, None, "p"), ("f1", "kid", 2, S.FAILED, None, "p")),
        parent_ended=5,
    )
    listed = flowtop_here("history", ".", "--flow", "mom", cwd=tmp_path)
    assert "1 subflow failed, 1 cancelled, handled" in listed.stdout, listed.stdout


def test_run_s_end_line_counts_a_cancelled_child_it_printed() -> None:
    """``flowtop run``'s printer counts the children it saw end (``HumanPrinter``)."""
    out = io.StringIO()
    HumanPrinter(out, live=False)(
        [
            RunStarted("p", "mom", 1, (), (), (), ts=1.0),
            RunStarted("c", "kid", 1, (), (), (), ts=1.1, parent_run="p"),
            RunFinished("c", "kid", 1, S.CANCELLED, {}, 0.5, ts=1.5),
            RunFinished("p", "mom", 1, S.COMPLETED, {}, 1.0, ts=2.0),
        ]
    )
    end = out.getvalue().splitlines()[-1]
    assert end.endswith(" (1 subflow cancelled, handled by the flow)"), out.getvalue()


def test_the_monitor_s_header_and_history_cell_say_it() -> None:
    kid = RunModel("kid", ())
    kid.state = S.CANCELLED
    assert cancelled_subflows([(kid, [])]) == failed_subflows([(kid, [])]) == 1
    record = RunRecord("p", "mom", 1, "COMPLETED", 1.0, 2.0, 1.0, None, None, {}, 0)
    cell = counts_cell(record, {}, (1, 1)).plain
    assert cell.endswith("1 subflow cancelled, handled"), cell
