"""The history's tables fit their columns to the terminal, as it is now.

The runs list's columns grew with a wider terminal and never narrowed when it shrank
again (DataTable only ever widens a column): at 80 columns, after a moment at 200, the
Flow column alone was wider than the screen. A run page's "Last error" ran past the right
edge at 80 columns (and at 120), cut there mid-word, with neither `…` nor the heading's
`→ more columns` that the runs list shows.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.text import Text
from textual.widgets import DataTable, Static

from flowtop.tui.screens.history import MIN_FLOW_CELL, HistoryScreen
from flowtop.tui.screens.run_detail import ERROR_CELL, RunDetailScreen
from flowtop.workspace.history_records import RunDetail, RunRecord, TaskRecord
from pilot_kit import wait_for

from .snapshot_apps import T0, HostApp

RUN = RunRecord(
    run_id="run-1",
    flow="regional-report",
    number=1,
    state="FAILED",
    started=T0,
    finished=T0 + 2,
    duration=2.0,
    rerun_of=None,
    rerun_of_number=None,
    counts={"COMPLETED": 2, "FAILED": 1},
    tasks=3,
    parameters={"regions": ["europe-west-long-region-name", "united-states-east-long"]},
)
ERROR = "warehouse rejected schema v1 (expects v2): set SCHEMA_VERSION = 2 in etl.py"


def task(key: str, state: str, error: str | None = None) -> TaskRecord:
    return TaskRecord(
        key, state, 1, 1, "", None, False, "", "ValueError" if error else None, error,
        T0, 0.5, T0 + 0.5,
    )  # fmt: skip


DETAIL = RunDetail(RUN, (task("extract", "COMPLETED"), task("load", "FAILED", ERROR)))


class OneRunHistory:
    """The history ``HistoryScreen`` reads: one run, with parameters (a long Flow cell)."""

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return [RUN]

    def count(self, flow: str | None = None) -> int:
        return 1

    def run_detail(self, run_id: str) -> RunDetail:
        return DETAIL

    def close(self) -> None:
        pass


def widths(app: HostApp, table_id: str) -> list[int]:
    table = app.screen.query_one(table_id, DataTable)
    return [column.get_render_width(table) for column in table.ordered_columns]


def heading(app: HostApp) -> str:
    return str(app.screen.query_one("#heading", Static).render())


async def test_the_runs_columns_narrow_again_when_the_terminal_does() -> None:
    fresh = HostApp(lambda: HistoryScreen(OneRunHistory(), None))
    async with fresh.run_test(size=(80, 20)) as pilot:
        await wait_for(pilot, lambda: fresh.screen.query("#runs"), "the runs list")
        await pilot.pause()
        at_80 = widths(fresh, "#runs")
    assert at_80[0] <= MIN_FLOW_CELL + 2

    app = HostApp(lambda: HistoryScreen(OneRunHistory(), None))
    async with app.run_test(size=(200, 20)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#runs"), "the runs list")
        await pilot.pause()
        assert widths(app, "#runs")[0] > at_80[0]  # the Flow cell takes the room there is
        await pilot.resize_terminal(80, 20)
        await wait_for(pilot, lambda: widths(app, "#runs") == at_80, "the columns to narrow")
        await pilot.resize_terminal(200, 20)  # and widen again
        await wait_for(pilot, lambda: widths(app, "#runs")[0] > at_80[0], "the Flow column")


def error_cell(app: HostApp) -> str:
    table = app.screen.query_one("#tasks", DataTable)
    cell = table.get_cell("load", table.ordered_columns[-1].key)
    assert isinstance(cell, Text)
    return cell.plain


async def test_a_run_pages_last_error_is_cut_with_an_ellipsis_inside_the_screen() -> None:
    app = HostApp(lambda: RunDetailScreen(DETAIL))
    async with app.run_test(size=(80, 20)) as pilot:
        await wait_for(pilot, lambda: error_cell(app).endswith("…"), "the error cut with …")
        await pilot.pause()
        table = app.screen.query_one("#tasks", DataTable)
        assert sum(widths(app, "#tasks")) <= table.scrollable_content_region.width  # old: 103
        assert table.max_scroll_x == 0
        assert error_cell(app).startswith("ValueError: warehouse")
        await wait_for(pilot, lambda: "more columns" not in heading(app), "no hint")

        await pilot.resize_terminal(200, 20)  # room for it: the whole message shows
        await wait_for(pilot, lambda: len(error_cell(app)) > ERROR_CELL, "it wider")  # old: 60
        assert not error_cell(app).endswith("…")
        await pilot.resize_terminal(80, 20)
        await wait_for(pilot, lambda: error_cell(app).endswith("…"), "it cut again")
        await pilot.pause()
        assert sum(widths(app, "#tasks")) <= table.scrollable_content_region.width

        await pilot.resize_terminal(50, 20)  # too narrow even for the columns before it
        await wait_for(pilot, lambda: heading(app).endswith("→ more columns"), "the hint")


class NamedRunHistory(OneRunHistory):
    """One run of a flow named ``flow``, without parameters: the Flow column as wide as
    the name, so the table's width is set to the cell."""

    def __init__(self, flow: str) -> None:
        self.record = replace(RUN, flow=flow, parameters={})

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return [self.record]


@pytest.mark.parametrize(("name", "hidden", "hint"), [("f" * 15, 1, False), ("f" * 16, 2, True)])
async def test_no_more_columns_hint_for_the_last_columns_padding_alone(
    name: str, hidden: int, hint: bool
) -> None:
    # At 80 columns a 15-letter flow name makes the table one cell too wide: the cell is
    # the blank right padding of "Rerun of", whose label and values all show. The hint
    # said `→ more columns`, and one `→` scrolled the blank cell in and took it away.
    app = HostApp(lambda: HistoryScreen(NamedRunHistory(name), None))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#runs"), "the runs list")
        await pilot.pause()
        await pilot.pause()
        table = app.screen.query_one("#runs", DataTable)
        assert table.cell_padding == 1
        assert table.max_scroll_x == hidden  # the case meant: so many cells past the edge
        assert ("more columns" in heading(app)) is hint, heading(app)
        if hint:  # the last letter of "Rerun of" is past the edge: scrolled to, it goes
            await pilot.press("right", "right", "right", "right", "right", "right")
            await wait_for(pilot, lambda: "→" not in heading(app), "the hint to go")
