"""The task table's cursor row stays on screen when the table's height changes under it.

Shrinking the terminal (120×36 to 80×24) with the cursor on a task near the end of a
30-task flow left the table scrolled where it was: the detail pane described a task whose
row was out of sight, and the cursor stayed hidden until an arrow key moved it. Clearing a
filter that hid every row did the same: the table, one line tall while empty, scrolled for
that height, then grew with the cursor's task below its last line.
"""

from __future__ import annotations

from pathlib import Path

from flowtop.engine import Flow, task
from flowtop.tui.app import FlowtopApp
from pilot_kit import wait_for

from .conftest import FakeWorkspace

TASKS = 30


def long_flow() -> Flow:
    """``step``, ``step-2`` … ``step-30``: more rows than the table shows at 80×24."""

    @task
    def step(n: int) -> int:
        return n

    with Flow("long") as flow:
        for n in range(TASKS):
            step(n)
    return flow


def cursor_row_on_screen(app: FlowtopApp) -> bool:
    """Whether the cursor's row is among the lines the table draws (its header aside)."""
    table = app.table
    top = round(table.scroll_offset.y)
    rows = table.scrollable_content_region.height - 1  # the header line takes one
    return top <= table.cursor < top + rows


async def test_shrinking_the_terminal_keeps_the_cursor_row_in_view(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"long": long_flow()}), watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: len(app.table.keys) == TASKS, "the flow's tasks")
        await pilot.press("right", "end")
        await wait_for(pilot, lambda: app.table.cursor_key == "step-30", "the cursor on the end")
        assert cursor_row_on_screen(app)
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: app.size.height == 24, "the smaller terminal")
        await wait_for(pilot, lambda: cursor_row_on_screen(app), "the cursor's row in view")
        assert app.table.cursor_key == "step-30"


async def test_clearing_a_filter_that_hid_every_row_shows_the_cursor_row(
    tmp_path: Path,
) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"long": long_flow()}), watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.table.keys) == TASKS, "the flow's tasks")
        await pilot.press("right", "end", "slash", "z", "z", "z", "enter")
        await wait_for(pilot, lambda: not app.table.keys, "the filter to hide every row")
        await pilot.press("escape")  # in the table: clears the filter
        await wait_for(pilot, lambda: len(app.table.keys) == TASKS, "every row back")
        assert app.table.cursor_key == "step-30"
        await wait_for(pilot, lambda: cursor_row_on_screen(app), "the cursor's row in view")
