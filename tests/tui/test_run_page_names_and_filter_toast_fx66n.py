"""A long task name on the run page, and the filter's words in a toast (fx66n).

The history's run page cut a task's name twice: to 80 characters with `…`, then in its
middle to the Task column's room, so a long name lost its end
(`extract_customer_rec…xxxxxxxxxxxxxxxxxx…`) and a long mapped call its `-2`: the
calls could not be told apart. It is cut once, as the main table cuts it.

The `/` filter `[(*\\` hiding every row: the header said `filter: [(*\\`, the toast
`the filter '[(*\\\\' hides every row` (its repr, the backslash doubled).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from flowtop.formats import cut_name
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace.history_records import RunDetail
from pilot_kit import toasts_said, wait_for

from .conftest import FakeWorkspace
from .snapshot_apps import HostApp
from .test_history_last_error_as_main_table import RUN, attempt, task

LONG = "extract_customer_records_with_a_very_long_name_indeed_" + "x" * 60
#: A mapped task's calls, longer than the 80 characters the page first cut names to.
CALL = "extract_customer_records_with_a_very_long_name_indeed_and_then_some_more_words_here"
CALLS = (f"{CALL}-2", f"{CALL}-3")


def task_cells(app: HostApp) -> dict[str, str]:
    table = app.screen.query_one("#tasks", DataTable)
    column = table.ordered_columns[0].key
    cells = {str(row.value): table.get_cell(row, column) for row in table.rows}
    return {key: cell.plain if isinstance(cell, Text) else str(cell) for key, cell in cells.items()}


async def test_the_run_page_cuts_a_long_name_once_in_its_middle() -> None:
    names = (LONG, *CALLS)
    detail = RunDetail(
        RUN, tuple(task(name, "COMPLETED", attempt(1, "COMPLETED")) for name in names)
    )
    app = HostApp(lambda: RunDetailScreen(detail))
    async with app.run_test(size=(120, 20)) as pilot:
        await wait_for(pilot, lambda: len(task_cells(app)) == 3, "the run's tasks")
        cells = task_cells(app)
        room = 120 // 3
        assert cells == {name: cut_name(name, room) for name in names}
        assert cells[LONG].endswith("x" * 12) and cells[LONG].count("…") == 1
        assert [cells[name][-2:] for name in CALLS] == ["-2", "-3"]


async def test_the_toast_quotes_the_filter_as_typed(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("right", "slash", "[", "(", "*", "\\", "enter")
        await wait_for(pilot, lambda: app.table.cursor_key is None, "the filter to hide every row")
        assert app.table.filter_text == "[(*\\"
        app._notifications.clear()
        with toasts_said(app) as said:
            await pilot.press("enter")
            await wait_for(pilot, lambda: said, "a toast")
        assert said == [
            "No task to open: the filter '[(*\\' hides every row; Esc in the table clears it"
        ]
