"""Rows added to a table widen its columns at once, not when the table is next idle.

DataTable measures added rows when idle; a frame drawn before that kept its lines cut to
the old widths, and they stayed so (its line cache is not keyed by the widths, Textual
issue 3533): the history's last page of runs showed a flow `other` as `othe` until the
cursor moved (seen once in CI, then in 1 of 20 loaded runs).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from flowtop.tui.table_rows import add_rows, replace_rows


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Flow", "#")
        table.add_row(Text("etl"), "1", key="etl-1")


def line(table: DataTable[Any], y: int) -> str:
    return table.render_line(y).text


async def test_a_row_added_is_drawn_whole_even_before_the_table_is_idle() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 8)) as pilot:
        table = app.query_one(DataTable)
        await pilot.pause()
        add_rows(table, {"other-1": [Text("other"), "2"]})
        assert "other" in line(table, 2)  # drawn before DataTable's own measuring
        await pilot.pause()
        assert "other" in line(table, 2)  # and not a stale line kept after it


async def test_rows_replaced_and_a_cell_grown_are_drawn_whole_at_once() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 8)) as pilot:
        table = app.query_one(DataTable)
        await pilot.pause()
        replace_rows(table, {"etl-1": [Text("etl-nightly"), "1"], "b": [Text("backfill"), "2"]})
        assert "etl-nightly" in line(table, 1)
        assert "backfill" in line(table, 2)
        await pilot.pause()
        assert "etl-nightly" in line(table, 1)
