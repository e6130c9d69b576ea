"""The history screen stays where the user scrolled it while runs come and go.

Each refresh that brought a change cleared the table and filled it again: the list
snapped to the top for a frame and came back (50-500 ms of flicker every 2 s while a run
was active), and the columns scrolled with `→` went back to the left edge for good, so
on a narrow terminal Duration and Rerun of could not be read while any run was active.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable

from flowtop.tui.screens import HistoryScreen
from flowtop.workspace.history_records import RunDetail, RunRecord
from pilot_kit import wait_for

from .snapshot_apps import HostApp

#: More runs than a page holds at the sizes used here.
RUNS = 60


def run(number: int, state: str = "COMPLETED") -> RunRecord:
    """Run ``number`` of "etl", one second after the one before it."""
    finished = None if state == "RUNNING" else 1000.0 + number + 0.5
    duration = None if finished is None else 0.5
    counts = {state: 1}
    return RunRecord(
        f"run-{number:04d}", "etl", number, state, 1000.0 + number, finished, duration,
        None, None, counts, 3,
    )  # fmt: skip


class Runs:
    """A history whose runs a test changes between two refreshes, newest first."""

    def __init__(self, count: int, state: str = "COMPLETED") -> None:
        self.records = [run(n, state) for n in range(count, 0, -1)]

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return list(self.records[:limit])

    def count(self, flow: str | None = None) -> int:
        return len(self.records)

    def run_detail(self, run_id: str) -> RunDetail:
        return RunDetail(next(r for r in self.records if r.run_id == run_id))

    def start_one(self) -> None:
        """A new run, listed at the top."""
        self.records.insert(0, run(self.records[0].number + 1, "RUNNING"))


@pytest.fixture
def fast_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    from flowtop.tui.screens import history as screen

    monkeypatch.setattr(screen, "REFRESH", 0.05)


def cursor_run(table: DataTable[Any]) -> str:
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


def record_frames(table: DataTable[Any]) -> list[tuple[int, int]]:
    """The table's scroll offsets (x, y) each time it is drawn from now on: what the
    user sees, not the values it passes through between two frames."""
    drawn: list[tuple[int, int]] = []
    render_lines = table.render_lines

    def recording(crop: Region) -> list[Strip]:
        drawn.append((round(table.scroll_x), round(table.scroll_y)))
        return render_lines(crop)

    table.render_lines = recording  # type: ignore[method-assign]
    return drawn


@pytest.mark.parametrize("refill", [False, True], ids=["patched", "filled-again"])
async def test_a_new_run_keeps_the_list_where_it_was_scrolled(
    fast_refresh: None, refill: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Patched (a few rows changed) or filled again (many: another scope, a resize)."""
    from flowtop.tui import table_rows

    if refill:
        monkeypatch.setattr(table_rows, "PATCH_LIMIT", -1)
    history = Runs(RUNS)
    app = HostApp(lambda: HistoryScreen(history, "etl"))  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#runs", DataTable)
        table.move_cursor(row=40)  # below the first page (as `j` ×40)
        await pilot.pause()
        table.move_cursor(row=35)  # mid-view
        await pilot.pause()
        was_on, y, line = cursor_run(table), table.scroll_y, table.cursor_row - table.scroll_y
        assert y > 0 and line > 0, (y, line)
        drawn = record_frames(table)
        history.start_one()
        await wait_for(pilot, lambda: table.row_count == RUNS + 1, "the new run to show")
        await pilot.pause()
        assert cursor_run(table) == was_on
        assert table.scroll_y == y + 1  # the rows moved down one: the view with them
        assert table.cursor_row - table.scroll_y == line  # old: at the bottom edge
        assert drawn and all(y_drawn > 0 for _, y_drawn in drawn), drawn  # old: 0 a while


async def test_a_new_run_keeps_the_columns_scrolled_right(fast_refresh: None) -> None:
    history = Runs(RUNS)
    app = HostApp(lambda: HistoryScreen(history, "etl"))  # type: ignore[arg-type]
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#runs", DataTable)
        await pilot.press("right", "right", "right")
        await pilot.pause()
        x = table.scroll_x
        assert x > 0
        drawn = record_frames(table)
        history.start_one()
        await wait_for(pilot, lambda: table.row_count == RUNS + 1, "the new run to show")
        await pilot.pause()
        assert table.scroll_x == x  # old: 0, until `→` again
        assert drawn and all(x_drawn == x for x_drawn, _ in drawn), drawn


async def test_the_last_run_stays_in_view_at_the_bottom(fast_refresh: None) -> None:
    """After `G` the list can only scroll further once the new row is counted."""
    history = Runs(RUNS)
    app = HostApp(lambda: HistoryScreen(history, "etl"))  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#runs", DataTable)
        await pilot.press("G")
        await pilot.pause()
        y, line = table.scroll_y, table.cursor_row - table.scroll_y
        drawn = record_frames(table)
        history.start_one()
        await wait_for(pilot, lambda: table.row_count == RUNS + 1, "the new run to show")
        await pilot.pause()
        assert cursor_run(table) == "run-0001"
        assert table.scroll_y == y + 1 == table.max_scroll_y
        assert table.cursor_row - table.scroll_y == line
        assert {y_drawn for _, y_drawn in drawn} <= {y, y + 1}, drawn  # no step between


async def test_at_the_top_a_new_run_shows_and_pushes_the_rows_down(fast_refresh: None) -> None:
    history = Runs(RUNS)
    app = HostApp(lambda: HistoryScreen(history, "etl"))  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#runs", DataTable)
        await pilot.press("j")
        await pilot.pause()
        history.start_one()
        await wait_for(pilot, lambda: table.row_count == RUNS + 1, "the new run to show")
        await pilot.pause()
        assert table.scroll_y == 0 and str(table.get_row_at(0)[1]) == str(RUNS + 1)
        assert cursor_run(table) == f"run-{RUNS - 1:04d}" and table.cursor_row == 2


async def test_a_run_that_ends_is_updated_in_place(fast_refresh: None) -> None:
    history = Runs(RUNS, "FAILED")
    history.start_one()
    app = HostApp(lambda: HistoryScreen(history, "etl"))  # type: ignore[arg-type]
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#runs", DataTable)
        table.move_cursor(row=30)
        await pilot.press("right", "right")
        await pilot.pause()
        was_on, x, y = cursor_run(table), table.scroll_x, table.scroll_y
        widths = [column.content_width for column in table.ordered_columns]
        drawn = record_frames(table)
        history.records[0] = run(RUNS + 1, "FAILED")
        await wait_for(
            pilot, lambda: "Failed" in str(table.get_row_at(0)[2]), "the run's end to show"
        )
        await pilot.pause()
        assert (cursor_run(table), table.scroll_x, table.scroll_y) == (was_on, x, y)
        assert set(drawn) <= {(x, y)}, drawn
        # `✗ Failed` is narrower than `▶ Running`: the columns after State stay put.
        assert [column.content_width for column in table.ordered_columns] == widths


async def test_a_pruned_run_leaves_the_cursor_on_the_one_after_it(fast_refresh: None) -> None:
    history = Runs(RUNS)
    app = HostApp(lambda: HistoryScreen(history, "etl"))  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#runs", DataTable)
        table.move_cursor(row=30)
        await pilot.pause()
        y, line = table.scroll_y, table.cursor_row - table.scroll_y
        gone = history.records.pop(30)
        assert gone.run_id == cursor_run(table)
        await wait_for(pilot, lambda: table.row_count == RUNS - 1, "the run to go")
        await pilot.pause()
        assert cursor_run(table) == history.records[30].run_id
        assert (table.scroll_y, table.cursor_row - table.scroll_y) == (y, line)


@pytest.mark.parametrize("refill", [False, True], ids=["patched", "filled-again"])
async def test_a_list_scrolled_away_from_the_cursor_stays_there(
    fast_refresh: None, refill: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scrolled with the mouse wheel: the view holds; the cursor is not pulled into it."""
    from flowtop.tui import table_rows

    if refill:
        monkeypatch.setattr(table_rows, "PATCH_LIMIT", -1)
    history = Runs(RUNS)
    app = HostApp(lambda: HistoryScreen(history, "etl"))  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#runs", DataTable)
        table.scroll_to(y=30, animate=False)
        await pilot.pause()
        assert (table.cursor_row, table.scroll_y) == (0, 30)
        history.start_one()
        await wait_for(pilot, lambda: table.row_count == RUNS + 1, "the new run to show")
        await pilot.pause()
        assert cursor_run(table) == f"run-{RUNS:04d}"
        assert table.scroll_y == 31  # the rows it showed, where they were
