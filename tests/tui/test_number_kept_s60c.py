"""A mapped call's number stays whole wherever a task's name is cut (fx_loose, s60c).

The main table kept it (``fetch_page-990`` in 6 cells read ``f…-990``), but the run
page's Task column, the detail pane's title, the dialogs' titles and the flows pane cut with
``formats.cut_name``, which shared the room: ``fet…90``, as a call ``fetch_page-90``
would read. The rule is now ``cut_name``'s own, and the table uses it."""

from __future__ import annotations

import pytest

from flowtop.formats import cut_name, middle_cut
from flowtop.tui.screens.run_detail import task_cell
from flowtop.workspace.history_records import TaskRecord


def record(task: str) -> TaskRecord:
    return TaskRecord(task, "COMPLETED", 1, 1, "", None, False, "", None, None, None, None, None)


@pytest.mark.parametrize(
    ("name", "width", "shown"),
    [
        ("fetch_page-990", 6, "f…-990"),
        ("fetch_page-1000", 6, "…-1000"),
        ("fetch_page-99", 6, "fe…-99"),
        ("fetch_page-123456", 6, "fet…56"),  # too long: its start and its end share
    ],
)
def test_the_run_page_s_task_cell_keeps_the_number(name: str, width: int, shown: str) -> None:
    assert task_cell(record(name), width).plain == shown
    assert cut_name(name, width) == shown


def test_the_flows_pane_s_cut_keeps_the_number() -> None:
    assert middle_cut("fanout-1000", 7) == ("f", "-1000")
    assert middle_cut("fanout-10", 7) == ("fan", "-10")
